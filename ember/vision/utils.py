"""Image grid helpers (``torchvision.utils``): ``make_grid`` and ``save_image``."""
import math

import numpy as np

from .._tensor import Tensor, _wrap
from ..backend import xp_of

__all__ = ['make_grid', 'save_image']


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch of images (B, C, H, W) (or a list of CHW tensors) into one CHW image.

    Args:
        nrow: images per row.
        padding: pixels between and around the images, filled with ``pad_value``.
        normalize: rescale values to [0, 1] (over ``value_range`` or the min/max).
        scale_each: normalise each image by its own min/max.
    """
    from .. import stack
    if isinstance(tensor, (list, tuple)):
        tensor = stack(list(tensor), dim=0)
    if not isinstance(tensor, Tensor):
        raise TypeError(f'tensor or list of tensors expected, got {type(tensor)}')
    a = tensor.detach()._data
    xp = xp_of(a)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = xp.concatenate((a, a, a), 0)
        a = a[None]
    if a.ndim == 4 and a.shape[1] == 1:
        a = xp.concatenate((a, a, a), 1)
    if normalize:
        a = a.astype(a.dtype if a.dtype.kind == 'f' else np.float32, copy=True)

        def norm_range(t, lo, hi):
            t = xp.clip(t, lo, hi)
            return (t - lo) / max(hi - lo, 1e-5)
        if scale_each:
            a = xp.stack([norm_range(t, *(value_range or (float(t.min()), float(t.max())))) for t in a])
        else:
            lo, hi = value_range if value_range is not None else (float(a.min()), float(a.max()))
            a = norm_range(a, lo, hi)
    if a.shape[0] == 1:
        return _wrap(a[0])
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
    num_channels = a.shape[1]
    grid = xp.full((num_channels, height * ymaps + padding, width * xmaps + padding), pad_value, a.dtype)
    for k in range(nmaps):   # one slice assignment per image
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = a[k]
    return _wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or batch, tiled with ``make_grid(**kwargs)``) as an image file (Pillow)."""
    from ._pil import pil_image
    grid = make_grid(tensor, **kwargs)
    a = grid._data
    if xp_of(a) is not np:
        a = a.get()
    ndarr = np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    pil_image().fromarray(ndarr).save(fp, format=format)
