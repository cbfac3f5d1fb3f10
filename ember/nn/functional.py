"""``nn.functional``: the functional form of every layer, re-exported from ``ember.ops``.

Modules wrap these functions; each op module lists its public names in ``__all__``.
"""
from ..ops.pointwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.activation import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pool import *  # noqa: F401,F403
from ..ops.norm import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.nn import *  # noqa: F401,F403
from ..ops.sampling import *  # noqa: F401,F403
from ..ops.attention import *  # noqa: F401,F403


def relu_(input):
    """In-place ReLU."""
    return input.relu_()


def relu(input, inplace=False):  # noqa: F811 - the functional form takes ``inplace``
    """``max(input, 0)`` (``F.relu``)."""
    from ..ops.pointwise import relu as _relu
    return input.relu_() if inplace else _relu(input)
