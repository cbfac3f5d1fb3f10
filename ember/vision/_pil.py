"""Pillow, imported lazily: it is an optional extra (``pip install 'ember[vision]'``)."""

_Image = None


def pil_image():
    """The ``PIL.Image`` module, or an ImportError saying which extra to install."""
    global _Image
    if _Image is None:
        try:
            from PIL import Image
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("ember.vision needs Pillow for PIL images; install it with "
                              "`pip install 'ember[vision]'` (or `pip install pillow`)") from e
        _Image = Image
    return _Image


def is_pil_image(img):
    """True when ``img`` is a ``PIL.Image.Image`` (False, without importing Pillow, if absent)."""
    import sys
    mod = sys.modules.get('PIL.Image')
    return mod is not None and isinstance(img, mod.Image)
