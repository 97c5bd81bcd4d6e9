"""``kerasish.distribution``: Keras 3's distribution API on ``jax.sharding``.

JAX already is the distributed engine: a ``Mesh`` over devices, arrays placed with
``NamedSharding``, one jitted program that XLA partitions (inserting the gradient
all-reduce itself). This module only names things the Keras way.

>>> from kerasish import distribution
>>> devices = distribution.list_devices()
>>> mesh = distribution.DeviceMesh(shape=(len(devices),), axis_names=["batch"],
...                                devices=devices)
>>> dp = distribution.DataParallel(device_mesh=mesh)
>>> dp.batch_dim_name
'batch'

With a distribution set (``set_distribution(dp)`` or ``with dp.scope():``), ``fit``
replicates the weights (or shards them per a ``LayoutMap``), shards every batch over
``batch_dim_name`` and lets the compiler do the rest; the batch size must be a multiple of
the number of devices on that axis.
"""

import contextlib
import math
import os
import re

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kerasish.utils.naming import check_kwargs

_state = {"distribution": None}


def list_devices(device_type=None):
    """The names of the devices JAX sees, such as ``'cpu:0'`` or ``'gpu:3'``.

    The names are what ``DeviceMesh(devices=...)`` and ``DataParallel(devices=...)``
    take. In a multi-process run the list holds every process's devices.

    Args:
        device_type: ``"cpu"``, ``"gpu"`` or ``"tpu"`` (any case); None lists the
            default backend's devices (the accelerators when there are any).

    >>> list_devices("cpu")[0]
    'cpu:0'
    """
    devices = jax.devices(device_type.lower()) if device_type else jax.devices()
    return [f"{d.platform}:{d.id}" for d in devices]


def get_device_count(device_type=None):
    """The number of devices of one type (``"cpu"``, ``"gpu"``, ``"tpu"``); without a
    type, of the default one (the accelerators when there are any, else the CPUs).

    >>> get_device_count("cpu") >= 1
    True
    """
    if device_type is None:
        return len(jax.devices())
    return len(jax.devices(device_type.lower()))


def _resolve_devices(devices):
    by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    out = []
    for d in devices:
        if isinstance(d, str):
            if d not in by_name:
                raise ValueError(
                    f"Unknown device {d!r}. Available devices: {sorted(by_name)}.")
            out.append(by_name[d])
        else:
            out.append(d)
    return out


class DeviceMesh:
    """A named grid of devices, e.g. ``(8,)`` with ``["batch"]`` or ``(4, 2)``.

    The mesh gives each of its axes a name that layouts refer to: ``DataParallel``
    splits the batch over the first axis, ``ModelParallel`` shards weights over the
    axes a ``LayoutMap`` names. ``backend_mesh`` is the ``jax.sharding.Mesh``.

    Args:
        shape: the number of devices along each axis; their product must equal the
            number of devices.
        axis_names: one name per axis of ``shape``.
        devices: device names (``list_devices()``) or JAX devices; default: all.

    >>> mesh = DeviceMesh(shape=(1,), axis_names=["batch"], devices=list_devices()[:1])
    >>> mesh
    <DeviceMesh shape=(1,), axis_names=['batch']>
    >>> mesh.backend_mesh.axis_names
    ('batch',)
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(
                f"Shape and axis_names cannot be empty. Received: shape={shape}, "
                f"axis_names={axis_names}")
        if len(shape) != len(axis_names):
            raise ValueError(
                f"Shape and axis_names should have same size. Received: shape={shape}, "
                f"axis_names={axis_names}")
        devices = list_devices() if devices is None else \
                np.array(devices, dtype=object).ravel().tolist()
        if math.prod(shape) != len(devices):
            raise ValueError(
                f"Shape {tuple(shape)} needs {math.prod(shape)} devices; received "
                f"{len(devices)}.")
        self._shape = tuple(shape)
        self._axis_names = list(axis_names)
        self._devices = np.array(devices, dtype=object).reshape(self._shape)
        self.backend_mesh = Mesh(
            np.array(_resolve_devices(list(np.ravel(self._devices))),
                     dtype=object).reshape(self._shape), tuple(self._axis_names))

    shape = property(lambda self: self._shape)
    axis_names = property(lambda self: self._axis_names)
    devices = property(lambda self: self._devices)

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """Which mesh axis (or ``None``) each dimension of a tensor is split over.

    ``sharding()`` turns the layout into the ``jax.sharding.NamedSharding`` that
    places an array; a ``LayoutMap`` fills in ``device_mesh`` when it is None.

    Args:
        axes: one entry per dimension of the tensor: a mesh axis name, or None to
            keep that dimension whole on every device.
        device_mesh: the ``DeviceMesh`` the axis names refer to.

    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=list_devices()[:1])
    >>> layout = TensorLayout((None, "model"), mesh)
    >>> tuple(layout.sharding().spec)
    (None, 'model')
    """

    def __init__(self, axes, device_mesh=None):
        self.axes = tuple(axes)
        self.device_mesh = device_mesh

    def sharding(self):
        return NamedSharding(self.device_mesh.backend_mesh, PartitionSpec(*self.axes))

    def __repr__(self):
        return f"<TensorLayout axes={self.axes}>"


class LayoutMap:
    """Variable path (regex, full match) -> ``TensorLayout`` or tuple of axis names.

    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=list_devices()[:1])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map["dense.*kernel"] = (None, "model")
    >>> layout_map["dense_1/kernel"].axes
    (None, 'model')
    """

    def __init__(self, device_mesh):
        self._map = {}
        self.device_mesh = device_mesh

    def __setitem__(self, key, layout):
        if key in self._map:
            raise ValueError(f"{key!r} already has a layout in this LayoutMap.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout, self.device_mesh)
        elif not isinstance(layout, TensorLayout):
            raise ValueError(
                f"A LayoutMap value must be a TensorLayout or a tuple of axis names. "
                f"Received: {layout!r}")
        if layout.device_mesh is None:
            layout.device_mesh = self.device_mesh
        self._map[key] = layout

    def __getitem__(self, key):
        if key in self._map:
            return self._map[key]
        matches = [p for p in self._map if re.fullmatch(p, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path {key!r} matches several LayoutMap keys: {matches}. Make each "
                "variable path match at most one key.")
        return self._map[matches[0]] if matches else None

    def __delitem__(self, key):
        del self._map[key]

    def __len__(self):
        return len(self._map)

    def __iter__(self):
        return iter(self._map)


class Distribution:
    """Base: a mesh, the axis that splits batches, and where each variable lives.

    Subclasses (``DataParallel``, ``ModelParallel``) decide each variable's layout;
    the base class replicates variables and splits data along ``batch_dim_name``.
    ``scope()`` makes the distribution current for a ``with`` block.

    ``auto_shard_dataset`` (Keras's meaning): in a multi-process run, each process
    feeds its part of the global data. kerasish reads the arrays given to ``fit`` as
    the *global* dataset in every process, so ``True`` (the default) is what it does;
    ``False`` (data already sharded per host) is refused in a multi-process run. With
    one process, as in Keras, there is nothing to shard and it changes nothing.

    Args:
        device_mesh: the ``DeviceMesh``.
        batch_dim_name: the mesh axis that splits each batch.
        auto_shard_dataset: see above.

    >>> mesh = DeviceMesh((1,), ["batch"], devices=list_devices()[:1])
    >>> dist = Distribution(mesh, "batch")
    >>> dist.get_data_layout((8, 3)).axes
    ('batch', None)
    >>> with dist.scope():
    ...     print(distribution() is dist)
    True
    """

    def __init__(self, device_mesh, batch_dim_name, auto_shard_dataset=True):
        self.device_mesh = device_mesh
        self.batch_dim_name = batch_dim_name
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(
                "Received an invalid value for `auto_shard_dataset`, expected True or "
                f"False. Received: auto_shard_dataset={value!r}")
        if not value and jax.process_count() > 1:
            raise ValueError(
                "auto_shard_dataset=False (each process passes its own shard of the data) "
                f"is not supported by kerasish: in this {jax.process_count()}-process run, "
                "every process must pass the same, global data to fit(), and each feeds its "
                "part of every global batch. Pass the full dataset in every process and "
                "leave auto_shard_dataset=True.")
        self._auto_shard_dataset = bool(value)

    @property
    def num_batch_shards(self):
        mesh = self.device_mesh
        return mesh.shape[mesh.axis_names.index(self.batch_dim_name)]

    def get_data_layout(self, data_shape):
        axes = [self.batch_dim_name] + [None] * (len(data_shape) - 1)
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    @contextlib.contextmanager
    def scope(self):
        previous = _state["distribution"]
        set_distribution(self)
        try:
            yield self
        finally:
            set_distribution(previous)


class DataParallel(Distribution):
    """Replicate the weights on every device and split each batch among them.

    Give a ``device_mesh`` (its first axis splits the batch) or a list of ``devices``
    (a one-axis ``"batch"`` mesh over them), not both; neither means every device.

    Args:
        device_mesh: a ``DeviceMesh``; its first axis splits the batch.
        devices: device names or JAX devices for a one-axis ``"batch"`` mesh.
        auto_shard_dataset: see ``Distribution``.

    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> dp.batch_dim_name, dp.device_mesh.shape
    ('batch', (1,))
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is not None and devices is not None:
            raise ValueError(
                "DataParallel takes `device_mesh` or `devices`, not both: the mesh already "
                f"names its devices. Received: device_mesh={device_mesh!r}, "
                f"devices={devices!r}")
        if device_mesh is None:
            devices = list_devices() if devices is None else \
                np.array(devices, dtype=object).ravel().tolist()
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        elif not isinstance(device_mesh, DeviceMesh):
            raise ValueError(
                "Argument `device_mesh` must be a DeviceMesh. Received: "
                f"device_mesh={device_mesh!r} of type {type(device_mesh).__name__}")
        super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)


class ModelParallel(Distribution):
    """Shard weights per a ``LayoutMap``; split batches over ``batch_dim_name``.

    The mesh is the layout map's. ``device_mesh=`` (Keras's older argument) is accepted
    when it is that same mesh, and refused otherwise.

    Args:
        layout_map: a ``LayoutMap`` from variable paths to layouts; variables it does
            not match are replicated.
        batch_dim_name: the mesh axis that splits each batch (default: the first).
        auto_shard_dataset: see ``Distribution``.

    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=list_devices()[:1])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map["dense.*kernel"] = (None, "model")
    >>> mp = ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    >>> mp.batch_dim_name, mp.device_mesh.axis_names
    ('batch', ['batch', 'model'])
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True,
                 **kwargs):
        device_mesh = kwargs.pop("device_mesh", None)
        check_kwargs(kwargs, {"device_mesh"}, "ModelParallel()",
                     suggestions={"layout_map", "batch_dim_name", "auto_shard_dataset"})
        if layout_map is None:
            raise ValueError("You must specify a layout_map argument.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(
                f"Argument `layout_map` must be a `LayoutMap` instance. Received: "
                f"layout_map={layout_map!r}")
        mesh = layout_map.device_mesh
        if device_mesh is not None and device_mesh is not mesh:
            raise ValueError(
                "ModelParallel uses the mesh of its `layout_map`; `device_mesh` is Keras's "
                "older argument and, when given, must be that same mesh. Received: "
                f"device_mesh={device_mesh!r}, layout_map.device_mesh={mesh!r}. Remove "
                "`device_mesh`.")
        if batch_dim_name is not None and batch_dim_name not in mesh.axis_names:
            raise ValueError(
                f"`batch_dim_name` must be one of the mesh's axis names {mesh.axis_names}. "
                f"Received: batch_dim_name={batch_dim_name!r}")
        super().__init__(mesh, batch_dim_name or mesh.axis_names[0], auto_shard_dataset)
        self.layout_map = layout_map

    def get_variable_layout(self, variable):
        layout = self.layout_map[variable.path]
        return layout if layout is not None else super().get_variable_layout(variable)


def distribution():
    """The distribution set with ``set_distribution`` (or ``None``).

    ``fit``, ``evaluate`` and ``predict`` read it to place weights and batches;
    ``Distribution.scope()`` sets it for a ``with`` block.

    >>> distribution() is None
    True
    """
    return _state["distribution"]


def set_distribution(value):
    """Make ``value`` the distribution every model uses from now on (None: none).

    ``fit``, ``evaluate`` and ``predict`` place weights and batches per the current
    distribution; ``Distribution.scope()`` sets one for a ``with`` block only.

    Args:
        value: a ``Distribution`` (e.g. ``DataParallel()``) or None.

    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> set_distribution(dp)
    >>> distribution() is dp
    True
    >>> set_distribution(None)
    """
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(
            f"set_distribution expects a kerasish.distribution.Distribution (e.g. "
            f"DataParallel()) or None. Received: {value!r}")
    _state["distribution"] = value


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join a multi-process (multi-host) run: ``jax.distributed.initialize``.

    ``job_addresses`` is a comma-separated list of ``host:port``; the first is the
    coordinator. Each argument falls back to the environment variable Keras uses
    (``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``..._NUM_PROCESSES``, ``..._PROCESS_ID``).
    Call it once per process, before anything else touches JAX.

    Args:
        job_addresses: ``"host0:port,host1:port,..."``; the first is the coordinator.
        num_processes: the number of processes in the run.
        process_id: this process's index, from 0.

    A two-process run on one machine (each line in its own process; not run here):

        distribution.initialize("localhost:1234", num_processes=2, process_id=0)
        distribution.initialize("localhost:1234", num_processes=2, process_id=1)

    After it, ``list_devices()`` names the devices of every process.

    >>> import inspect
    >>> list(inspect.signature(initialize).parameters)
    ['job_addresses', 'num_processes', 'process_id']
    """
    job_addresses = job_addresses or os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ:
        num_processes = int(os.environ["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "KERAS_DISTRIBUTION_PROCESS_ID" in os.environ:
        process_id = int(os.environ["KERAS_DISTRIBUTION_PROCESS_ID"])
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)


# -- what the training engine asks of the current distribution ---------------------
def batch_sharding(dist, ndim):
    """The ``NamedSharding`` that splits a batch (its leading axis) over ``dist``'s
    batch axis and keeps the other ``ndim - 1`` axes whole.

    Args:
        dist: a ``Distribution``.
        ndim: the number of dimensions of the batch array.

    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> tuple(batch_sharding(dp, 3).spec)
    ('batch', None, None)
    """
    return NamedSharding(dist.device_mesh.backend_mesh,
                         PartitionSpec(dist.batch_dim_name, *([None] * (ndim - 1))))


def replicated(dist):
    """The ``NamedSharding`` that places a full copy of an array on every device of
    ``dist``'s mesh (how weights live under ``DataParallel``).

    Args:
        dist: a ``Distribution``.

    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> replicated(dp).is_fully_replicated
    True
    """
    return NamedSharding(dist.device_mesh.backend_mesh, PartitionSpec())


def check_batch_size(dist, batch_size):
    """Refuse a ``batch_size`` that the devices on ``dist``'s batch axis do not
    divide evenly (a ValueError that suggests a size that fits).

    Args:
        dist: a ``Distribution``.
        batch_size: the global batch size.

    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> check_batch_size(dp, 32)  # one device divides every batch size
    >>> dp.num_batch_shards
    1
    """
    shards = dist.num_batch_shards
    if batch_size % shards:
        raise ValueError(
            f"With {type(dist).__name__} over {shards} devices on axis "
            f"{dist.batch_dim_name!r}, the batch size must be a multiple of {shards}. "
            f"Received batch_size={batch_size}; use e.g. batch_size="
            f"{max(shards, batch_size // shards * shards)}.")
