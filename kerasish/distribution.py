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
    """Device names such as ``'cpu:0'`` or ``'gpu:3'`` (all processes' devices)."""
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
    """A named grid of devices, e.g. ``(8,)`` with ``["batch"]`` or ``(4, 2)``."""

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
    """Which mesh axis (or ``None``) each dimension of a tensor is split over."""

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

    ``auto_shard_dataset`` (Keras's meaning): in a multi-process run, each process
    feeds its part of the global data. kerasish reads the arrays given to ``fit`` as
    the *global* dataset in every process, so ``True`` (the default) is what it does;
    ``False`` (data already sharded per host) is refused in a multi-process run. With
    one process, as in Keras, there is nothing to shard and it changes nothing.
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
    """The distribution set with :func:`set_distribution` (or ``None``)."""
    return _state["distribution"]


def set_distribution(value):
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
    """NamedSharding splitting a batch (leading axis) over the batch axis."""
    return NamedSharding(dist.device_mesh.backend_mesh,
                         PartitionSpec(dist.batch_dim_name, *([None] * (ndim - 1))))


def replicated(dist):
    return NamedSharding(dist.device_mesh.backend_mesh, PartitionSpec())


def check_batch_size(dist, batch_size):
    shards = dist.num_batch_shards
    if batch_size % shards:
        raise ValueError(
            f"With {type(dist).__name__} over {shards} devices on axis "
            f"{dist.batch_dim_name!r}, the batch size must be a multiple of {shards}. "
            f"Received batch_size={batch_size}; use e.g. batch_size="
            f"{max(shards, batch_size // shards * shards)}.")
