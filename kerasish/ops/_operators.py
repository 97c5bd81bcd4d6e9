"""The operators of symbolic tensors (``x + y``, ``2 * x``, ``x[:, 0]``, ``-x``) as
ops, as Keras's ``KerasTensor`` defines them: each becomes a node of the graph.

>>> import kerasish
>>> x = kerasish.Input((4, 3))
>>> y = (x * 2.0 + 1.0)[:, 0]
>>> y.shape, type(y._keras_history[0]).__name__
((None, 3), 'GetItem')
"""

from kerasish.ops import numpy as knp

# dunder -> (op, the tensor is the right operand)
_TABLE = {
    "__add__": ("add", False), "__radd__": ("add", True),
    "__sub__": ("subtract", False), "__rsub__": ("subtract", True),
    "__mul__": ("multiply", False), "__rmul__": ("multiply", True),
    "__matmul__": ("matmul", False), "__rmatmul__": ("matmul", True),
    "__truediv__": ("true_divide", False), "__rtruediv__": ("true_divide", True),
    "__div__": ("true_divide", False), "__rdiv__": ("true_divide", True),
    "__floordiv__": ("floor_divide", False), "__rfloordiv__": ("floor_divide", True),
    "__mod__": ("mod", False), "__rmod__": ("mod", True),
    "__pow__": ("power", False), "__rpow__": ("power", True),
    "__lt__": ("less", False), "__le__": ("less_equal", False),
    "__gt__": ("greater", False), "__ge__": ("greater_equal", False),
    "__ne__": ("not_equal", False),
    "__and__": ("logical_and", False), "__rand__": ("logical_and", True),
    "__or__": ("logical_or", False), "__ror__": ("logical_or", True),
    "__xor__": ("logical_xor", False), "__rxor__": ("logical_xor", True),
    "__getitem__": ("get_item", False),
    "__neg__": ("negative", None), "__abs__": ("absolute", None),
    "__invert__": ("logical_not", None), "__round__": ("round", None),
}


def _method(op_name, reflected):
    op = getattr(knp, op_name)
    if reflected is None:
        return lambda tensor, *args: op(tensor, *args)
    if reflected:
        return lambda tensor, other: op(other, tensor)
    return lambda tensor, other: op(tensor, other)


def register():
    """Give ``KerasTensor`` its operators (``layers.base`` cannot import ops)."""
    from kerasish.layers import base

    base.OPERATORS.update({name: _method(op, reflected)
                           for name, (op, reflected) in _TABLE.items()})
