"""``ember.linalg``: the ``torch.linalg`` namespace (implementations live in ``ember.ops.linalg``)."""
__all__ = []
