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


# in-place forms of the activations (``F.elu_``...): each is its function with inplace=True
def elu_(input, alpha=1.0):
    """In-place ELU."""
    return elu(input, alpha, inplace=True)


def selu_(input):
    """In-place SELU."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """In-place CELU."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky ReLU."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """In-place threshold."""
    from ..ops.activation import threshold as _threshold
    return _threshold(input, threshold, value, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place randomized leaky ReLU."""
    return rrelu(input, lower, upper, training, inplace=True)


try:                        # F.pdist is torch.pdist (ember.ops.extra), where that module exists
    from ..ops.extra import pdist  # noqa: F401
except ImportError:         # pragma: no cover
    pass
