"""Vision models (``torchvision.models``): none yet."""
__all__ = []
