"""``ember.utils``: the ``torch.utils`` counterpart (``data``)."""
from . import data  # noqa: F401
