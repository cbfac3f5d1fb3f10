"""Functional image transforms (``torchvision.transforms.functional``).

Each function takes a PIL image or an ember Tensor image of shape (..., C, H, W) and returns the
same kind. PIL images go through Pillow's own operations as in torchvision. Tensors go through
ember ops (normalize, flips, crops, erase, colour blends keep autograd and the device) or, for
resampling (resize, rotate, blur, pad, hue), vectorised array code on the tensor's array
module (NumPy or CuPy), whose results do not carry gradients.
"""
import math
import numbers
from collections.abc import Sequence
from enum import Enum

import numpy as np

from ..._tensor import Tensor, _wrap
from ...backend import xp_of
from .._pil import pil_image, is_pil_image as _is_pil_image

__all__ = ['InterpolationMode', 'get_dimensions', 'get_image_size', 'get_image_num_channels',
           'to_tensor', 'pil_to_tensor', 'to_pil_image', 'convert_image_dtype', 'normalize',
           'resize', 'crop', 'center_crop', 'resized_crop', 'pad', 'hflip', 'vflip', 'rotate',
           'adjust_brightness', 'adjust_contrast', 'adjust_saturation', 'adjust_hue',
           'rgb_to_grayscale', 'to_grayscale', 'gaussian_blur', 'erase', 'invert', 'affine',
           'perspective', 'five_crop', 'ten_crop']


class InterpolationMode(Enum):
    """Interpolation modes (``torchvision.transforms.InterpolationMode``)."""
    NEAREST = 'nearest'
    NEAREST_EXACT = 'nearest-exact'
    BILINEAR = 'bilinear'
    BICUBIC = 'bicubic'
    BOX = 'box'
    HAMMING = 'hamming'
    LANCZOS = 'lanczos'


def _interpolation_modes_from_int(i):
    return {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
            3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
            5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}[i]


def _pil_interp(mode):
    Image = pil_image()
    R = getattr(Image, 'Resampling', Image)
    return {InterpolationMode.NEAREST: R.NEAREST, InterpolationMode.NEAREST_EXACT: R.NEAREST,
            InterpolationMode.BILINEAR: R.BILINEAR, InterpolationMode.BICUBIC: R.BICUBIC,
            InterpolationMode.BOX: R.BOX, InterpolationMode.HAMMING: R.HAMMING,
            InterpolationMode.LANCZOS: R.LANCZOS}[mode]


def _mode(interpolation):
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError('Argument interpolation should be a InterpolationMode or a corresponding '
                        'Pillow integer constant')
    return interpolation


def _is_tensor(img):
    return isinstance(img, Tensor)


def _check_img(img):
    if not (_is_tensor(img) or _is_pil_image(img)):
        raise TypeError(f'img should be PIL Image or Tensor. Got {type(img)}')


def _assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError('Tensor is not a torch image.')


def _max_value(npdtype):
    npdtype = np.dtype(npdtype)
    if npdtype.kind == 'f':
        return 1.0
    if npdtype == np.bool_:
        return 1
    return int(np.iinfo(npdtype).max)


def _np(t):
    """The array of tensor ``t`` and its array module."""
    a = t._data
    return a, xp_of(a)


def _same_kind(arr, like):
    """``arr`` (float) rounded/clamped back to the dtype of tensor ``like`` as torchvision does."""
    xp = xp_of(arr)
    dt = like._data.dtype
    if dt.kind in 'iub':
        arr = xp.round(arr)
        if dt.kind != 'b':
            info = np.iinfo(dt)
            arr = xp.clip(arr, info.min, info.max)
    return arr.astype(dt, copy=False)


# ---------------------------------------------------------------------------------------------
# introspection


def get_dimensions(img):
    """``[channels, height, width]`` of a PIL image or tensor image."""
    if _is_tensor(img):
        _assert_image_tensor(img)
        channels = 1 if img.ndim == 2 else img.shape[-3]
        height, width = img.shape[-2:]
        return [channels, height, width]
    if _is_pil_image(img):
        width, height = img.size
        return [_pil_channels(img), height, width]
    raise TypeError(f'Unexpected type {type(img)}')


def _pil_channels(img):
    if hasattr(img, 'getbands'):
        return len(img.getbands())
    return img.channels


def get_image_size(img):
    """``[width, height]`` of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    """The number of channels of an image."""
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------------------------------
# conversions


def _grad_enabled():
    from ...autograd.grad_mode import _state
    return _state[0]


def to_tensor(pic):
    """A PIL image or HWC ndarray as a CHW tensor; uint8 data is scaled to float in [0, 1].

    Mirrors ``torchvision.transforms.functional.to_tensor``: other dtypes keep their values
    (mode 'I' -> int32, 'I;16' -> int16, 'F' -> float32), mode '1' gives 0./1.
    """
    from ... import from_numpy
    if not (_is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f'pic should be PIL Image or ndarray. Got {type(pic)}')
    if isinstance(pic, np.ndarray):
        if pic.ndim not in {2, 3}:
            raise ValueError(f'pic should be 2/3 dimensional. Got {pic.ndim} dimensions.')
        if pic.ndim == 2:
            pic = pic[:, :, None]
        arr = np.ascontiguousarray(pic.transpose((2, 0, 1)))
        if arr.dtype == np.uint8:
            return _wrap(_div255(arr))
        return from_numpy(arr)
    mode_to_np = {'I': np.int32, 'I;16': np.int16 if np.little_endian else np.int16, 'F': np.float32}
    if pic.mode == '1':
        arr = 255 * np.array(pic, np.uint8)
    elif pic.mode in mode_to_np:
        arr = np.array(pic, mode_to_np[pic.mode])
    else:
        arr = np.array(pic)
        if arr.dtype != np.uint8:
            arr = arr.astype(np.uint8)
    arr = arr.reshape(pic.size[1], pic.size[0], _pil_channels(pic))
    arr = np.ascontiguousarray(arr.transpose((2, 0, 1)))
    if arr.dtype == np.uint8:
        return _wrap(_div255(arr))
    return from_numpy(arr)


def _div255(arr):
    """uint8 ``arr`` as the default float dtype, divided by 255."""
    from ... import get_default_dtype
    fdt = np.dtype(_dtype_np(get_default_dtype()))
    out = arr.astype(fdt)
    out /= fdt.type(255)
    return out


def _dtype_np(dt):
    from ... import _dtype
    return _dtype.to_np(dt)


def pil_to_tensor(pic):
    """A PIL image as a CHW tensor of its own dtype (uint8 for 'L'/'RGB'), values unchanged."""
    from ... import from_numpy
    if not _is_pil_image(pic):
        raise TypeError(f'pic should be PIL Image. Got {type(pic)}')
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], _pil_channels(pic))
    return from_numpy(arr).permute(2, 0, 1)


def _fromarray(arr, mode=None):
    Image = pil_image()
    if mode is None:
        return Image.fromarray(arr)
    if mode in ('L', 'RGB', 'RGBA', 'LA', 'I', 'F') and mode == Image.fromarray(arr[:1, :1]).mode:
        return Image.fromarray(arr)
    h, w = arr.shape[:2]
    return Image.frombytes(mode, (w, h), np.ascontiguousarray(arr).tobytes())


def to_pil_image(pic, mode=None):
    """A CHW tensor or HWC ndarray as a PIL image (``torchvision.transforms.functional.to_pil_image``).

    Float data is scaled by 255 and cast to uint8 unless ``mode='F'``; the mode is inferred from
    the channel count and dtype ('L', 'I;16', 'I', 'F', 'LA', 'RGB', 'RGBA').
    """
    if isinstance(pic, Tensor):
        if pic.ndim not in {2, 3}:
            raise ValueError(f'pic should be 2/3 dimensional. Got {pic.ndim} dimensions.')
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f'pic should not have > 4 channels. Got {pic.shape[-3]} channels.')
        npimg = pic.detach().cpu().numpy()
        if npimg.dtype.kind == 'f' and mode != 'F':
            npimg = (npimg * npimg.dtype.type(255)).astype(np.uint8)
        npimg = np.transpose(npimg, (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in {2, 3}:
            raise ValueError(f'pic should be 2/3 dimensional. Got {pic.ndim} dimensions.')
        if pic.ndim == 2:
            pic = np.expand_dims(pic, 2)
        if pic.shape[-1] > 4:
            raise ValueError(f'pic should not have > 4 channels. Got {pic.shape[-1]} channels.')
        npimg = pic
        if np.issubdtype(npimg.dtype, np.floating) and mode != 'F':
            npimg = (npimg * 255).astype(np.uint8)
    else:
        raise TypeError(f'pic should be Tensor or ndarray. Got {type(pic)}.')

    if npimg.shape[2] == 1:
        expected_mode = None
        npimg = npimg[:, :, 0]
        if npimg.dtype == np.uint8:
            expected_mode = 'L'
        elif npimg.dtype == np.int16:
            expected_mode = 'I;16'
        elif npimg.dtype == np.int32:
            expected_mode = 'I'
        elif npimg.dtype == np.float32:
            expected_mode = 'F'
        if mode is not None and mode != expected_mode:
            raise ValueError(f'Incorrect mode ({mode}) supplied for input type {np.dtype}. '
                             f'Should be {expected_mode}')
        mode = expected_mode
    elif npimg.shape[2] == 2:
        permitted = ['LA']
        if mode is not None and mode not in permitted:
            raise ValueError(f'Only modes {permitted} are supported for 2D inputs')
        if mode is None and npimg.dtype == np.uint8:
            mode = 'LA'
    elif npimg.shape[2] == 4:
        permitted = ['RGBA', 'CMYK', 'RGBX']
        if mode is not None and mode not in permitted:
            raise ValueError(f'Only modes {permitted} are supported for 4D inputs')
        if mode is None and npimg.dtype == np.uint8:
            mode = 'RGBA'
    else:
        permitted = ['RGB', 'YCbCr', 'HSV']
        if mode is not None and mode not in permitted:
            raise ValueError(f'Only modes {permitted} are supported for 3D inputs')
        if mode is None and npimg.dtype == np.uint8:
            mode = 'RGB'
    if mode is None:
        raise TypeError(f'Input type {npimg.dtype} is not supported')
    return _fromarray(npimg, mode)


def convert_image_dtype(image, dtype=None):
    """A tensor image converted to ``dtype`` with its values rescaled to the new range.

    float -> int maps [0, 1] to [0, max] (times ``max + 1 - 1e-3``, truncated); int -> float
    divides by the input max; int -> int rescales by powers of two (torchvision's rules, with
    its RuntimeError for the unsafe float32 -> int32/int64 and float64 -> int64 casts).
    """
    from ... import float32
    if dtype is None:
        dtype = float32
    if not isinstance(image, Tensor):
        raise TypeError('Input img should be Tensor Image')
    if image.dtype == dtype:
        return image
    src, dst = image._data.dtype, np.dtype(dtype.name) if dtype.name != 'bfloat16' else None
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
            raise RuntimeError(f'The cast from {image.dtype} to {dtype} cannot be performed safely.')
        eps = 1e-3
        max_val = float(_max_value(dst))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(src))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dst))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return image.div(factor, rounding_mode='floor').to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean) / std`` per channel of a float (..., C, H, W) tensor image.

    Args:
        tensor: float tensor image.
        mean, std: sequences of per-channel means and standard deviations.
        inplace: modify ``tensor`` in place.
    """
    from ... import as_tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f'img should be Tensor Image. Got {type(tensor)}')
    if not tensor.is_floating_point():
        raise TypeError(f'Input tensor should be a float tensor. Got {tensor.dtype}.')
    if tensor.ndim < 3:
        raise ValueError('Expected tensor to be a tensor image of size (..., C, H, W). Got '
                         f'tensor.size() = {tensor.size()}')
    arr = tensor._data
    if type(arr) is np.ndarray and not (tensor.requires_grad and _grad_enabled()):
        # the per-sample path of a data pipeline: two in-place array ops, no graph
        m = np.asarray(mean.detach().numpy() if isinstance(mean, Tensor) else mean, arr.dtype)
        s = np.asarray(std.detach().numpy() if isinstance(std, Tensor) else std, arr.dtype)
        if (s == 0).any():
            raise ValueError(f'std evaluated to zero after conversion to {tensor.dtype}, leading '
                             'to division by zero.')
        m = m.reshape(-1, 1, 1) if m.ndim == 1 else m
        s = s.reshape(-1, 1, 1) if s.ndim == 1 else s
        if inplace:
            arr -= m
            arr /= s
            tensor._vc[0] += 1
            return tensor
        return _wrap((arr - m) / s)
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = as_tensor(mean, dtype=dtype, device=tensor.device)
    std = as_tensor(std, dtype=dtype, device=tensor.device)
    if bool((std == 0).any()):
        raise ValueError(f'std evaluated to zero after conversion to {dtype}, leading to division by zero.')
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


# ---------------------------------------------------------------------------------------------
# geometry


def _compute_resized_output_size(image_size, size, max_size=None):
    h, w = image_size
    if size is None or len(size) == 1:
        short, long = (w, h) if w <= h else (h, w)
        if size is None:
            requested_new_short = None
            new_short = new_long = None
        else:
            requested_new_short = size if isinstance(size, int) else size[0]
            new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if requested_new_short is not None and max_size <= requested_new_short:
                raise ValueError(f'max_size = {max_size} must be strictly greater than the requested '
                                 f'size for the smaller edge size = {size}')
            if new_long is None or new_long > max_size:
                if new_long is None:
                    new_short, new_long = int(max_size * short / long), max_size
                else:
                    new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def _filter(mode, x, xp):
    ax = xp.abs(x)
    if mode == InterpolationMode.BILINEAR:
        return xp.clip(1.0 - ax, 0.0, None)
    if mode == InterpolationMode.BICUBIC:
        a = -0.5   # PIL's and torch's antialiased bicubic
        return xp.where(ax < 1.0, ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0,
                        xp.where(ax < 2.0, (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a, 0.0))
    raise ValueError(mode)


def _resize_weights(n_in, n_out, mode, antialias, xp):
    """The (n_out, n_in) resampling matrix of one axis (PIL's algorithm; torch's for no-antialias)."""
    scale = n_in / n_out
    i = xp.arange(n_out, dtype=xp.float64)
    j = xp.arange(n_in, dtype=xp.float64)
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        off = 0.5 if mode == InterpolationMode.NEAREST_EXACT else 0.0
        src = xp.minimum(xp.floor((i + off) * scale).astype(xp.int64), n_in - 1)
        w = xp.zeros((n_out, n_in), xp.float64)
        w[xp.arange(n_out), src] = 1.0
        return w
    if antialias or mode not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        support_scale = max(scale, 1.0) if antialias else 1.0
        center = (i + 0.5) * scale
        w = _filter(mode, (j[None, :] + 0.5 - center[:, None]) / support_scale, xp)
        return w / w.sum(axis=1, keepdims=True)
    # torch's interpolate without antialias (align_corners=False)
    src = (i + 0.5) * scale - 0.5
    w = xp.zeros((n_out, n_in), xp.float64)
    rows = xp.arange(n_out)
    if mode == InterpolationMode.BILINEAR:
        src = xp.maximum(src, 0.0)
        i0 = xp.floor(src).astype(xp.int64)
        lam = src - i0
        i0 = xp.minimum(i0, n_in - 1)
        i1 = xp.minimum(i0 + 1, n_in - 1)
        xp.add.at(w, (rows, i0), 1.0 - lam)
        xp.add.at(w, (rows, i1), lam)
        return w
    a = -0.75
    i0 = xp.floor(src).astype(xp.int64)
    t = src - i0

    def cc1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def cc2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    coeffs = (cc2(t + 1.0), cc1(t), cc1(1.0 - t), cc2(2.0 - t))
    for k, c in zip(range(-1, 3), coeffs):
        xp.add.at(w, (rows, xp.clip(i0 + k, 0, n_in - 1)), c)
    return w


def _resize_tensor(img, size, interpolation, antialias):
    a, xp = _np(img)
    h, w = a.shape[-2:]
    nh, nw = size
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                             InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(f'Interpolation mode {interpolation} is not supported for tensors; use '
                         'nearest, nearest-exact, bilinear or bicubic')
    cdt = a.dtype if a.dtype.kind == 'f' and a.dtype.itemsize >= 4 else np.float32
    wh = xp.asarray(_resize_weights(h, nh, interpolation, antialias, np).astype(cdt))
    ww = xp.asarray(_resize_weights(w, nw, interpolation, antialias, np).astype(cdt))
    x = a.astype(cdt, copy=False)
    if a.dtype.kind in 'iu' and antialias and interpolation in (InterpolationMode.BILINEAR,
                                                                 InterpolationMode.BICUBIC):
        # PIL (and torch's uint8 antialias kernel): horizontal pass, round/clip, vertical pass
        if nw != w:
            x = _same_kind(xp.matmul(x, ww.T), img).astype(cdt)
        out = xp.matmul(wh, x) if nh != h else x
    else:
        out = xp.matmul(xp.matmul(wh, x), ww.T)
    if a.dtype.kind != 'f' and interpolation in (InterpolationMode.NEAREST,
                                                  InterpolationMode.NEAREST_EXACT):
        return _wrap(out.astype(a.dtype))
    return _wrap(_same_kind(out, img) if a.dtype.kind != 'f' else out.astype(a.dtype, copy=False))


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize an image to ``size`` ((h, w), or the smaller edge's length for an int/1-list).

    Args:
        img: PIL image or (..., H, W) tensor.
        size: (h, w) or int (smaller edge, keeping the aspect ratio).
        interpolation: an InterpolationMode (PIL images use Pillow's filters).
        max_size: bound on the longer edge when ``size`` is an int.
        antialias: antialias when downsampling tensors (PIL always does).
    """
    interpolation = _mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(f'Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element tuple/list')
        if max_size is not None and len(size) != 1:
            raise ValueError('max_size should only be passed if size specifies the length of the '
                             'smaller edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.')
    elif isinstance(size, int):
        size = [size]
    elif size is not None:
        raise TypeError(f'Size should be int or sequence. Got {type(size)}')
    _, image_height, image_width = get_dimensions(img)
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if _is_pil_image(img):
        return img.resize(tuple(output_size[::-1]), _pil_interp(interpolation))
    return _resize_tensor(img, output_size, interpolation, antialias)


def crop(img, top, left, height, width):
    """The ``height x width`` region at (top, left); areas outside the image are zero-padded."""
    if _is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    _check_img(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def center_crop(img, output_size):
    """The central ``output_size`` crop (zero-padded first where the image is smaller)."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height) // 2 if crop_height > image_height else 0,
                        (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """``crop`` then ``resize`` to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def _parse_pad(padding):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError('Got inappropriate padding arg')
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(f'Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple')
    if isinstance(padding, numbers.Number):
        padding = [int(padding)]
    padding = list(padding)
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return padding


_NP_PAD = {'edge': 'edge', 'reflect': 'reflect', 'symmetric': 'symmetric'}


def _pad_array(a, ltrb, fill, padding_mode, hw_axes, xp, channel_axis=None):
    left, top, right, bottom = ltrb
    # negative padding crops
    sl = [slice(None)] * a.ndim
    sl[hw_axes[0]] = slice(max(-top, 0), a.shape[hw_axes[0]] - max(-bottom, 0))
    sl[hw_axes[1]] = slice(max(-left, 0), a.shape[hw_axes[1]] - max(-right, 0))
    a = a[tuple(sl)]
    left, top, right, bottom = (max(v, 0) for v in ltrb)
    widths = [(0, 0)] * a.ndim
    widths[hw_axes[0]] = (top, bottom)
    widths[hw_axes[1]] = (left, right)
    if padding_mode == 'constant':
        if isinstance(fill, (tuple, list)) and len(fill) > 1 and channel_axis is not None:
            out_shape = list(a.shape)
            out_shape[hw_axes[0]] += top + bottom
            out_shape[hw_axes[1]] += left + right
            shp = [1] * a.ndim
            shp[channel_axis] = len(fill)
            out = xp.empty(out_shape, a.dtype)
            out[...] = xp.asarray(fill, dtype=np.float64).reshape(shp).astype(a.dtype)
            sl = [slice(None)] * a.ndim
            sl[hw_axes[0]] = slice(top, top + a.shape[hw_axes[0]])
            sl[hw_axes[1]] = slice(left, left + a.shape[hw_axes[1]])
            out[tuple(sl)] = a
            return out
        if isinstance(fill, (tuple, list)):
            fill = fill[0]
        return xp.pad(a, widths, mode='constant', constant_values=fill if fill is not None else 0)
    return xp.pad(a, widths, mode=_NP_PAD[padding_mode])


def pad(img, padding, fill=0, padding_mode='constant'):
    """Pad the image's borders (left, top, right, bottom); negative padding crops.

    Args:
        padding: int, (lr, tb) or (l, t, r, b).
        fill: constant value (or per-channel tuple) for ``padding_mode='constant'``.
        padding_mode: 'constant', 'edge', 'reflect' (no edge repeat) or 'symmetric'.
    """
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError('Got inappropriate fill arg')
    if not isinstance(padding_mode, str):
        raise TypeError('Got inappropriate padding_mode arg')
    if padding_mode not in ['constant', 'edge', 'reflect', 'symmetric']:
        raise ValueError('Padding mode should be either constant, edge, reflect or symmetric')
    ltrb = _parse_pad(padding)
    if _is_pil_image(img):
        Image = pil_image()
        if img.mode == 'P':
            palette = img.getpalette()
            out = _pad_array(np.asarray(img), ltrb, fill, padding_mode, (0, 1), np)
            out = Image.fromarray(out)
            out.putpalette(palette)
            return out
        arr = np.asarray(img)
        ch = 2 if arr.ndim == 3 else None
        out = _pad_array(arr, ltrb, fill, padding_mode, (0, 1), np, ch)
        return _fromarray(out, img.mode)
    _check_img(img)
    a, xp = _np(img)
    if padding_mode != 'constant' and min(ltrb) < 0:
        raise ValueError('Negative padding is only supported with padding_mode="constant"')
    ch = a.ndim - 3 if a.ndim >= 3 else None
    return _wrap(_pad_array(a, ltrb, fill, padding_mode, (a.ndim - 2, a.ndim - 1), xp, ch))


def hflip(img):
    """The image mirrored left-right."""
    if _is_pil_image(img):
        Image = pil_image()
        return img.transpose(getattr(Image, 'Transpose', Image).FLIP_LEFT_RIGHT)
    _check_img(img)
    return img.flip(-1)


def vflip(img):
    """The image flipped top-bottom."""
    if _is_pil_image(img):
        Image = pil_image()
        return img.transpose(getattr(Image, 'Transpose', Image).FLIP_TOP_BOTTOM)
    _check_img(img)
    return img.flip(-2)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear):
    rot = math.radians(angle)
    sx = math.radians(shear[0])
    sy = math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix = [x / scale for x in matrix]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def _affine_output_size(matrix, w, h):
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.array(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    tol = 1e-4
    cmax = np.ceil(np.trunc(new_pts.max(0) / tol) * tol)
    cmin = np.floor(np.trunc(new_pts.min(0) / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _apply_affine_tensor(img, matrix, interpolation, fill, out_size=None):
    """Sample ``img`` at ``matrix @ (p - out_centre)`` + in_centre for output pixel centres p."""
    a, xp = _np(img)
    h, w = a.shape[-2:]
    ow, oh = out_size if out_size is not None else (w, h)
    ys = xp.arange(oh, dtype=xp.float64) + 0.5 - oh * 0.5
    xs = xp.arange(ow, dtype=xp.float64) + 0.5 - ow * 0.5
    m = matrix
    sx = m[0] * xs[None, :] + m[1] * ys[:, None] + m[2] + w * 0.5 - 0.5   # pixel-index coordinates
    sy = m[3] * xs[None, :] + m[4] * ys[:, None] + m[5] + h * 0.5 - 0.5
    return _sample_tensor(img, sx, sy, interpolation, fill)


def _sample_tensor(img, sx, sy, interpolation, fill):
    """``img`` sampled at pixel-index coordinates (sx, sy) (each (oh, ow)) like torch's
    ``grid_sample(align_corners=False, padding_mode='zeros')``; outside points take ``fill``
    (torchvision's ``_apply_grid_transform``)."""
    a, xp = _np(img)
    h, w = a.shape[-2:]
    oh, ow = sx.shape
    lead = a.shape[:-2]
    flat = a.reshape((-1, h, w))
    cdt = a.dtype if a.dtype.kind == 'f' else np.float32
    if interpolation == InterpolationMode.NEAREST:
        ix = xp.rint(sx).astype(xp.int64)
        iy = xp.rint(sy).astype(xp.int64)
        valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = flat[:, xp.clip(iy, 0, h - 1), xp.clip(ix, 0, w - 1)].astype(cdt)
        mask = valid.astype(cdt)
        out = out * mask
    elif interpolation == InterpolationMode.BILINEAR:
        x0 = xp.floor(sx).astype(xp.int64)
        y0 = xp.floor(sy).astype(xp.int64)
        fx = (sx - x0).astype(cdt)
        fy = (sy - y0).astype(cdt)
        out = xp.zeros((flat.shape[0], oh, ow), cdt)
        mask = xp.zeros((oh, ow), cdt)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xx, yy = x0 + dx, y0 + dy
                v = ((xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)).astype(cdt) * wx * wy
                out += flat[:, xp.clip(yy, 0, h - 1), xp.clip(xx, 0, w - 1)] * v
                mask += v
    else:
        raise ValueError(f'Interpolation mode {interpolation} is not supported for tensors; '
                         'use nearest or bilinear')
    if fill is not None:
        f = xp.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=cdt)
        c = lead[-1] if lead else 1
        if f.size not in (1, c):
            raise ValueError(f'The number of elements in \'fill\' does not match the number of '
                             f'channels of the image ({f.size} != {c})')
        fv = xp.broadcast_to(f, (c,)) if f.size == 1 else f
        fv = xp.tile(fv, flat.shape[0] // c)[:, None, None]
        if interpolation == InterpolationMode.NEAREST:
            out = out + (1.0 - mask) * fv
        else:   # torchvision blends the sampled image with the fill by the sampled mask
            out = out * mask + (1.0 - mask) * fv
    out = out.reshape(lead + (oh, ow))
    if a.dtype.kind != 'f':
        return _wrap(_same_kind(out, img))
    return _wrap(out.astype(a.dtype, copy=False))


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """The image rotated counter-clockwise by ``angle`` degrees about ``center``.

    Args:
        angle: degrees, counter-clockwise.
        interpolation: NEAREST or BILINEAR (PIL images accept Pillow's filters).
        expand: enlarge the output to hold the whole rotated image.
        center: (x, y) rotation centre, default the image centre.
        fill: value(s) for the area outside the rotated image.
    """
    interpolation = _mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError('Argument angle should be int or float')
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError('Argument center should be a sequence')
    if _is_pil_image(img):
        opts = {}
        if fill is not None:
            nb = _pil_channels(img)
            if isinstance(fill, (int, float)) and nb > 1:
                fill = tuple([fill] * nb)
            if isinstance(fill, (list, tuple)):
                if len(fill) == 1:
                    fill = fill * nb
                fill = tuple(fill) if nb > 1 else fill[0]
            opts['fillcolor'] = fill
        return img.rotate(angle, _pil_interp(interpolation), expand, center, **opts)
    _check_img(img)
    _, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = _affine_output_size(matrix, w, h) if expand else None
    return _apply_affine_tensor(img, matrix, interpolation, fill, out_size)


def _parse_fill(fill, img, name='fillcolor'):
    """torchvision's fill for Pillow: a number or a per-channel tuple (ints unless mode 'F')."""
    num_channels = _pil_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError('The number of elements in \'fill\' does not match the number of '
                             f'channels of the image ({len(fill)} != {num_channels})')
        fill = tuple(fill)
    if img.mode != 'F':
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
           center=None):
    """The image under an affine map that keeps ``center`` fixed (torchvision's ``F.affine``).

    Args:
        angle: rotation in degrees, clockwise (-180 to 180).
        translate: (tx, ty) post-rotation translation in pixels.
        scale: overall scale (> 0).
        shear: degrees; a number shears along x, a pair (sx, sy) along both axes.
        interpolation: NEAREST (default) or BILINEAR (PIL images accept Pillow's filters).
        fill: value(s) for the area outside the transformed image (tensors: None leaves zeros).
        center: (x, y) in pixels, default the image centre.

    Tensors are resampled like torchvision's ``grid_sample`` path (no gradient); PIL images go
    through ``Image.transform(AFFINE)`` with torchvision's inverse matrix.
    """
    interpolation = _mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError('Argument angle should be int or float')
    if not isinstance(translate, (list, tuple)):
        raise TypeError('Argument translate should be a sequence')
    if len(translate) != 2:
        raise ValueError('Argument translate should be a sequence of length 2')
    if scale <= 0.0:
        raise ValueError('Argument scale should be positive')
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError('Shear should be either a single value or a sequence of two values')
    angle = float(angle)
    translate = list(translate)
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f'Shear should be a sequence containing two values. Got {shear}')
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError('Argument center should be a sequence')
    _, height, width = get_dimensions(img)
    if _is_pil_image(img):
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        Image = pil_image()
        return img.transform(img.size, getattr(Image, 'Transform', Image).AFFINE, matrix,
                             _pil_interp(interpolation), **_parse_fill(fill, img))
    _check_img(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    translate_f = [1.0 * t for t in translate]
    matrix = _get_inverse_affine_matrix(center_f, angle, translate_f, scale, shear)
    return _apply_affine_tensor(img, matrix, interpolation, fill)


def _get_perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients mapping output (end) points to input (start) points, by least squares
    in float64 rounded to float32 as torchvision does."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f'Please provide exactly four corners, got {len(startpoints)} startpoints '
                         f'and {len(endpoints)} endpoints.')
    a = np.zeros((8, 8), np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, np.float64).reshape(8)
    res = np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32)
    return [float(v) for v in res]


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """The image warped so that ``startpoints`` land on ``endpoints`` (torchvision's
    ``F.perspective``).

    Args:
        startpoints: four [x, y] corners of the original image (top-left, top-right,
            bottom-right, bottom-left).
        endpoints: where those corners go.
        interpolation: BILINEAR (default) or NEAREST.
        fill: value(s) for the area outside the warped image.
    """
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _mode(interpolation)
    if _is_pil_image(img):
        Image = pil_image()
        return img.transform(img.size, getattr(Image, 'Transform', Image).PERSPECTIVE, coeffs,
                             _pil_interp(interpolation), **_parse_fill(fill, img))
    _check_img(img)
    a, xp = _np(img)
    h, w = a.shape[-2:]
    c = coeffs
    px = xp.arange(w, dtype=xp.float64)[None, :] + 0.5
    py = xp.arange(h, dtype=xp.float64)[:, None] + 0.5
    den = c[6] * px + c[7] * py + 1.0
    sx = (c[0] * px + c[1] * py + c[2]) / den - 0.5          # pixel-index coordinates
    sy = (c[3] * px + c[4] * py + c[5]) / den - 0.5
    return _sample_tensor(img, sx, sy, interpolation, fill)


def _crop_size(size):
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError('Please provide only two dimensions (h, w) for size.')
    return size


def five_crop(img, size):
    """The four corner crops and the central crop of ``size`` (h, w), as a tuple
    ``(tl, tr, bl, br, center)``.

    Raises:
        ValueError: ``size`` is larger than the image.
    """
    size = _crop_size(size)
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f'Requested crop size {size} is bigger than input size '
                         f'{(image_height, image_width)}')
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    center = center_crop(img, [crop_height, crop_width])
    return tl, tr, bl, br, center


def ten_crop(img, size, vertical_flip=False):
    """``five_crop`` of the image and of its horizontal (or vertical) flip: 10 crops."""
    size = _crop_size(size)
    first_five = five_crop(img, size)
    img = vflip(img) if vertical_flip else hflip(img)
    return first_five + five_crop(img, size)


# ---------------------------------------------------------------------------------------------
# colour


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f'Input image tensor permitted channel values are {permitted}, but found {c}')


def _blend(img1, img2, ratio):
    ratio = float(ratio)
    bound = _max_value(img1._data.dtype)
    return (img1 * ratio + img2 * (1.0 - ratio)).clamp(0, bound).to(img1.dtype)


def _gray_tensor(img):
    r, g, b = img.unbind(dim=-3)
    return (r * 0.2989 + g * 0.587 + b * 0.114).to(img.dtype).unsqueeze(dim=-3)


def rgb_to_grayscale(img, num_output_channels=1):
    """A greyscale image (ITU-R 601-2 luma: 0.2989 R + 0.587 G + 0.114 B) with 1 or 3 channels."""
    if _is_pil_image(img):
        return to_grayscale(img, num_output_channels)
    _check_img(img)
    if img.ndim < 3:
        raise TypeError(f'Input image tensor should have at least 3 dimensions, but found {img.ndim}')
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError('num_output_channels should be either 1 or 3')
    l_img = _gray_tensor(img) if img.shape[-3] == 3 else img.clone()
    if num_output_channels == 3:
        return l_img.expand(*img.shape)
    return l_img


def to_grayscale(img, num_output_channels=1):
    """A PIL image converted to mode 'L' (1 channel) or to 3 identical channels ('RGB')."""
    if not _is_pil_image(img):
        raise TypeError(f'img should be PIL Image. Got {type(img)}')
    if num_output_channels == 1:
        return img.convert('L')
    if num_output_channels == 3:
        np_img = np.array(img.convert('L'), dtype=np.uint8)
        return pil_image().fromarray(np.dstack([np_img, np_img, np_img]))
    raise ValueError('num_output_channels should be either 1 or 3')


def adjust_brightness(img, brightness_factor):
    """Brightness scaled by ``brightness_factor`` (0 black, 1 unchanged)."""
    if brightness_factor < 0:
        raise ValueError(f'brightness_factor ({brightness_factor}) is not non-negative.')
    if _is_pil_image(img):
        from PIL import ImageEnhance
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    _check_img(img)
    _assert_channels(img, [1, 3])
    return _blend(img, img.new_zeros(img.shape) if hasattr(img, 'new_zeros') else img * 0,
                  brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Contrast blended towards the mean grey level (0 grey, 1 unchanged)."""
    if contrast_factor < 0:
        raise ValueError(f'contrast_factor ({contrast_factor}) is not non-negative.')
    if _is_pil_image(img):
        from PIL import ImageEnhance
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    _check_img(img)
    _assert_channels(img, [3, 1])
    from ... import float32
    dtype = img.dtype if img.is_floating_point() else float32
    src = _gray_tensor(img) if img.shape[-3] == 3 else img
    mean = src.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Saturation blended towards greyscale (0 grey, 1 unchanged)."""
    if saturation_factor < 0:
        raise ValueError(f'saturation_factor ({saturation_factor}) is not non-negative.')
    if _is_pil_image(img):
        from PIL import ImageEnhance
        return ImageEnhance.Color(img).enhance(saturation_factor)
    _check_img(img)
    _assert_channels(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    return _blend(img, _gray_tensor(img), saturation_factor)


def _rgb2hsv(img, xp):
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc = img.max(axis=-3)
    minc = img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = xp.ones_like(maxc)
    s = cr / xp.where(eqc, ones, maxc)
    cr_divisor = xp.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h, s, v, xp):
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(xp.int32) % 6
    p = xp.clip(v * (1.0 - s), 0.0, 1.0)
    q = xp.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = xp.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    conds = [i == k for k in range(6)]
    r = xp.select(conds, [v, q, p, p, t, v])
    g = xp.select(conds, [t, v, v, q, p, p])
    b = xp.select(conds, [p, p, t, v, v, q])
    return xp.stack((r, g, b), axis=-3)


def adjust_hue(img, hue_factor):
    """Hue shifted by ``hue_factor`` (in [-0.5, 0.5], a fraction of the colour circle)."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f'hue_factor ({hue_factor}) is not in [-0.5, 0.5].')
    if _is_pil_image(img):
        Image = pil_image()
        input_mode = img.mode
        if input_mode in {'L', '1', 'I', 'F'}:
            return img
        h, s, v = img.convert('HSV').split()
        np_h = np.array(h, dtype=np.uint8)
        with np.errstate(over='ignore'):
            np_h += np.int8(hue_factor * 255).view(np.uint8)
        h = Image.fromarray(np_h)
        return Image.merge('HSV', (h, s, v)).convert(input_mode)
    _check_img(img)
    _assert_channels(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    from ... import float32
    orig_dtype = img.dtype
    f = convert_image_dtype(img, float32)
    a, xp = _np(f)
    h, s, v = _rgb2hsv(a, xp)
    h = xp.mod(h + np.float32(hue_factor), np.float32(1.0))
    out = _wrap(_hsv2rgb(h, s, v, xp).astype(np.float32, copy=False))
    return convert_image_dtype(out, orig_dtype)


def invert(img):
    """The colour-inverted image (``max - img``)."""
    if _is_pil_image(img):
        from PIL import ImageOps
        return ImageOps.invert(img)
    _check_img(img)
    bound = _max_value(img._data.dtype)
    return (-img + bound) if img.is_floating_point() else (img * -1 + bound).to(img.dtype)


# ---------------------------------------------------------------------------------------------
# filters and erasing


def _gaussian_kernel1d(kernel_size, sigma):
    ksize_half = (kernel_size - 1) * 0.5
    x = np.linspace(-ksize_half, ksize_half, num=kernel_size, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return (pdf / pdf.sum()).astype(np.float32)


def gaussian_blur(img, kernel_size, sigma=None):
    """A Gaussian blur with odd ``kernel_size`` (kx, ky) and ``sigma`` (sx, sy); reflect padding.

    ``sigma`` defaults to ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis. PIL images are converted
    to tensors, blurred and converted back, as in torchvision.
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f'kernel_size should be int or a sequence of integers. Got {type(kernel_size)}')
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f'If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}')
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f'kernel_size should have odd and positive integers. Got {kernel_size}')
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if sigma is not None and not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f'sigma should be either float or sequence of floats. Got {type(sigma)}')
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f'If sigma is a sequence, its length should be 2. Got {len(sigma)}')
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f'sigma should have positive values. Got {sigma}')
    if _is_pil_image(img):
        out = gaussian_blur(pil_to_tensor(img), kernel_size, sigma)
        return to_pil_image(out, mode=img.mode)
    _check_img(img)
    a, xp = _np(img)
    kx = xp.asarray(_gaussian_kernel1d(kernel_size[0], sigma[0]))
    ky = xp.asarray(_gaussian_kernel1d(kernel_size[1], sigma[1]))
    cdt = a.dtype if a.dtype.kind == 'f' else np.float32
    x = a.astype(cdt, copy=False)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    widths = [(0, 0)] * (x.ndim - 2) + [(py, py), (px, px)]
    x = xp.pad(x, widths, mode='reflect')
    h, w = a.shape[-2:]
    # separable: rows then columns, each a sum of shifted slices (kernel taps, not pixels)
    tmp = sum(ky[k] * x[..., k:k + h, :] for k in range(kernel_size[1]))
    out = sum(kx[k] * tmp[..., :, k:k + w] for k in range(kernel_size[0]))
    if a.dtype.kind != 'f':
        return _wrap(_same_kind(out, img))
    return _wrap(out.astype(a.dtype, copy=False))


def erase(img, i, j, h, w, v, inplace=False):
    """``img`` with the region [i:i+h, j:j+w] replaced by ``v`` (a tensor or number)."""
    if not isinstance(img, Tensor):
        raise TypeError(f'img should be Tensor Image. Got {type(img)}')
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img
