"""ember's operator library, one module per op family. Importing it binds Tensor methods."""
from . import creation, pointwise, reduce, shape, index, linalg, random, extra  # noqa: F401
