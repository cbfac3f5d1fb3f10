from . import rnn  # noqa: F401
from . import prune  # noqa: F401
