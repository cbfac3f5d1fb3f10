"""Tensor factories (``tensor``, ``zeros``, ``arange``...) and conversion (``to``, ``clone``)."""
import builtins
import math
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ..backend import canonical, to_device, xp_of, CPU
from ..autograd.grad_mode import _state
from ._util import Primitive

__all__ = ['tensor', 'as_tensor', 'asarray', 'from_numpy', 'zeros', 'ones', 'full', 'empty', 'eye',
           'arange', 'range', 'linspace', 'logspace', 'zeros_like', 'ones_like', 'full_like',
           'empty_like', 'scalar_tensor', 'empty_strided', 'complex', 'polar',
           'hann_window', 'hamming_window', 'blackman_window', 'bartlett_window',
           'kaiser_window']

_ndarray = np.ndarray


_DEFAULT_DEVICE = [None]   # ember.set_default_device: used by factories given device=None


def _xp(device):
    """Array module for a canonical device."""
    if device is None:
        device = _DEFAULT_DEVICE[0]
    if device is None or device.type == 'cpu':
        return np
    from ..backend import cuda
    return cuda.xp()


def _on(arr, device):
    """Put a freshly made NumPy array on ``device``."""
    if device is None:
        device = _DEFAULT_DEVICE[0]
    if device is None or device.type == 'cpu':
        return arr
    return to_device(arr, device)


def _shape_arg(size, fn=None):
    """``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([2, 3])`` all mean shape (2, 3); a
    non-integer element raises PyTorch's TypeError (``fn`` names the op in the message)."""
    if len(size) == 1 and not isinstance(size[0], (numbers.Integral, Tensor)):
        size = size[0]
    try:
        size = tuple(size)
    except TypeError:
        raise TypeError(f'size must be a sequence of ints, got {size!r}') from None
    for i, s in enumerate(size):
        ok = isinstance(s, numbers.Integral) or (isinstance(s, Tensor) and s.numel() == 1
                                                 and not s.is_floating_point())
        if not ok:
            raise TypeError(f"{fn or 'size'}(): argument 'size' (position 1) must be tuple of "
                            f'ints, but found element of type {type(s).__name__} at pos {i}')
    shape = tuple(builtins.int(s) for s in size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f'Trying to create tensor with negative dimension {s}: '
                               f'{list(shape)}')
    return shape


_CNAME = {'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int',
          'int64': 'int64_t', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
          'float32': 'float', 'float64': 'double',
          'bool': 'bool', 'complex64': 'c10::complex<float>', 'complex128': 'c10::complex<double>'}


def _default_complex():
    return _dtype.complex128 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.complex64


def _check_fits(value, dt, cname=True):
    """PyTorch's check that a scalar converts to ``dt`` (``c10::overflows``): integers must be in
    range (negative values wrap into unsigned types), floats finite and in range for integer
    types, float32 overflow is an error (inf/nan pass), complex needs a zero imaginary part."""
    if isinstance(value, Tensor):
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    name = _CNAME[dt.name] if cname else dt.name
    err = RuntimeError(f'value cannot be converted to type {name} without overflow')
    if isinstance(value, builtins.complex) and \
            not isinstance(value, (builtins.int, builtins.float)):
        if dt.is_complex:
            return value
        if value.imag != 0:
            raise err
        value = value.real
    if isinstance(value, builtins.bool) or dt is _dtype.bool:
        return value
    if isinstance(value, builtins.int):
        if not -(1 << 63) <= value < (1 << 64):
            raise OverflowError('int too big to convert')
        if dt.is_floating_point or dt.is_complex:
            return value
        lo, hi = _ILIM[dt.name]
        if value > hi or (value < lo and not (lo == 0 and -value <= hi)):
            raise err
        return value
    if not isinstance(value, builtins.float):
        return value
    if dt.is_floating_point or dt.is_complex:
        lim = _FLIM.get(dt.name)
        if lim is not None and abs(value) > lim and math.isfinite(value):
            raise err
        return value
    lo, hi = _ILIM[dt.name]
    if not (math.isfinite(value) and lo <= value <= hi):
        raise err
    return value


_ILIM = {n: (builtins.int(np.iinfo(n).min), builtins.int(np.iinfo(n).max))
         for n in ('uint8', 'int8', 'int16', 'int32', 'int64')}
_FLIM = {'float32': builtins.float(np.finfo(np.float32).max),
         'complex64': builtins.float(np.finfo(np.float32).max),
         'float16': builtins.float(np.finfo(np.float16).max)}


def _leaf_dtypes(seq, acc):
    """Collect the dtypes ``torch.tensor`` infers for the leaves of nested sequence ``seq``;
    returns True when a Tensor is among them."""
    has_t = False
    for t in set(map(type, seq)):
        if t is builtins.float:
            acc.add(_dtype.get_default_dtype())
        elif t is builtins.int:
            acc.add(_dtype.int64)
        elif t is builtins.bool:
            acc.add(_dtype.bool)
        elif t is builtins.complex:
            acc.add(_default_complex())
        elif issubclass(t, (list, tuple)):
            for x in seq:
                if type(x) is t:
                    has_t = _leaf_dtypes(x, acc) or has_t
        elif issubclass(t, (Tensor, np.ndarray, np.generic)):
            has_t = has_t or issubclass(t, Tensor)
            for x in seq:
                if type(x) is t:
                    acc.add(x.dtype if issubclass(t, Tensor) else _dtype.from_np(x.dtype))
        else:
            _bad_leaf(t)
    return has_t


def _bad_leaf(t):
    if issubclass(t, str):
        raise ValueError(f"too many dimensions '{t.__name__}'")
    if issubclass(t, numbers.Integral):
        return
    raise RuntimeError(f'Could not infer dtype of {t.__name__}')


def _infer(data):
    """(dtype, has_tensor) that ``torch.tensor(data)`` infers from Python data: floats take
    the default dtype, ints int64, bools bool, NumPy scalars/arrays and tensors their own;
    mixed leaves promote by PyTorch's table."""
    acc = set()
    if isinstance(data, (list, tuple)):
        has_t = _leaf_dtypes(data, acc)
    else:
        has_t = _leaf_dtypes((data,), acc)
    if not acc:
        return _dtype.get_default_dtype(), has_t
    it = iter(acc)
    dt = next(it)
    for d in it:
        dt = _dtype.promote_types(dt, d)
    return dt, has_t


def _infer_dtype(arr, data):
    """NumPy dtype a ``tensor(data)`` call infers (kept for callers of the old helper)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return _dtype.from_np(arr.dtype).np
    return _infer(data)[0].np


def _tensors_to_scalars(seq):
    """Nested data with each (one-element) Tensor replaced by its value, as PyTorch reads it."""
    if isinstance(seq, Tensor):
        if seq._data.size != 1:
            raise ValueError('only one element tensors can be converted to Python scalars')
        return seq.item()
    if isinstance(seq, (list, tuple)):
        return [_tensors_to_scalars(x) for x in seq]
    return seq


def _check_native(arr):
    if not arr.dtype.isnative:
        raise ValueError('given numpy array has byte order different from the native byte order. '
                         'Conversion between byte orders is currently not supported.')


def _array_from(data, dtype=None, device=None, copy=True):
    """A NumPy/CuPy array from Python data, arrays or tensors, with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data
        if dtype is not None and arr.dtype != _dtype.to_np(dtype):
            arr = arr.astype(dtype.np)
        elif copy:
            arr = arr.copy()
        if device is not None:
            arr = to_device(arr, device)
        return arr
    if type(data).__module__.startswith('cupy'):
        arr = data.copy() if copy else data
        if dtype is not None:
            arr = arr.astype(dtype.np, copy=False)
        return to_device(arr, device) if device is not None else arr
    if isinstance(data, np.ndarray):
        if data.dtype.kind in 'OUSV' and data.dtype != _dtype._BF16:
            _dtype.from_np(np.dtype(object))
        _check_native(data)
        _dtype.from_np(data.dtype)
        arr = np.array(data, copy=copy)
        if dtype is not None:
            arr = arr.astype(_dtype.to_np(dtype), copy=False)
        return _on(arr, device)
    if isinstance(data, np.generic):
        want = _dtype.from_np(data.dtype)
        arr = np.array(data)
    else:
        if isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        if not isinstance(data, (list, tuple, numbers.Number)) and hasattr(data, '__len__') \
                and hasattr(data, '__getitem__'):
            data = list(data)          # other sequences (range, Size...) read like lists
        want, has_t = _infer(data)
        if has_t:
            data = _tensors_to_scalars(data)
        try:
            arr = np.asarray(data)
        except OverflowError:
            raise ValueError('Overflow when unpacking long long') from None
        except ValueError as e:
            raise ValueError(f'expected sequence of equal lengths ({e})') from None
        if arr.dtype == np.uint64 or arr.dtype.kind == 'O':
            if arr.dtype.kind == 'O' and arr.size and not isinstance(arr.flat[0], numbers.Integral):
                raise ValueError('expected sequence of equal lengths')
            raise ValueError('Overflow when unpacking long long')
    if dtype is not None:
        npdt = _dtype.to_np(dtype)
        if not (dtype.is_floating_point or dtype.is_complex or dtype is _dtype.bool) and \
                arr.dtype.kind in 'fciu' and arr.size and not isinstance(data, np.ndarray):
            _check_int_values(arr, dtype)
        arr = arr.astype(npdt, copy=False)
    elif arr.dtype != want.np:
        arr = arr.astype(_dtype.to_np(want))
    if not arr.flags.writeable:
        arr = arr.copy()
    return _on(arr, device)


def _check_int_values(arr, dtype):
    """PyTorch refuses Python values that do not fit an integer dtype (unsigned types take
    negative integers modulo 2**bits)."""
    i = np.iinfo(dtype.np)
    if arr.dtype.kind == 'c':
        if np.any(arr.imag != 0):
            raise RuntimeError(f'value cannot be converted to type {dtype.name} without overflow')
        arr = arr.real
    lo = i.min if (arr.dtype.kind in 'fV' or i.min < 0) else -i.max
    with np.errstate(invalid='ignore'):
        ok = np.isfinite(arr).all() if arr.dtype.kind in 'fV' else True
        ok = ok and arr.min() >= lo and arr.max() <= i.max
    if not ok:
        raise RuntimeError(f'value cannot be converted to type {dtype.name} without overflow')


def _has_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)):
            return _has_tensor(x)
        return False
    return False


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (nested lists, scalars, NumPy arrays, one-element tensors).

    Args:
        data: the values. Python floats take the default dtype, ints int64, bools bool;
            NumPy arrays and scalars keep their dtype; mixed leaves promote as in PyTorch.
        dtype, device: override the inferred dtype / choose the device.
        requires_grad: make a leaf that requires grad (floating/complex dtypes only).
    """
    dev = canonical(device)
    t = _wrap(_array_from(data, dtype, dev, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a tensor or (CPU) NumPy array when no conversion
    is needed (``torch.as_tensor``)."""
    dev = canonical(device)
    if isinstance(data, Tensor):
        t = data
        if dtype is not None and t.dtype is not dtype:
            t = t.to(dtype)
        if dev is not None and t.device != dev:
            t = t.to(dev)
        return t
    if isinstance(data, np.ndarray) and (dev is None or dev.type == 'cpu'):
        _check_native(data)
        _dtype.from_np(data.dtype)
        if dtype is None or data.dtype == _dtype.to_np(dtype):
            return _wrap(data)
    return _wrap(_array_from(data, dtype, dev, copy=False))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``obj`` as a tensor (``torch.asarray``): shares memory with tensors and NumPy arrays
    unless a conversion is needed; ``copy=True`` always copies, ``copy=False`` never does
    (ValueError where it would have to)."""
    if copy:
        if isinstance(obj, Tensor):
            t = obj.detach().to(device=device, dtype=dtype, copy=True)
        else:
            t = tensor(obj, dtype=dtype, device=device)
    else:
        if copy is False:
            if isinstance(obj, Tensor):
                d = obj.dtype
                other = obj.device
            elif isinstance(obj, np.ndarray):
                d = _dtype.from_np(obj.dtype)
                other = None
            else:
                raise ValueError("can't alias arbitrary sequence into a tensor.")
            if dtype is not None and dtype is not d:
                from ._util import _tname
                raise ValueError(f"can't alias tensor with dtype '{_tname(d)}' into dtype "
                                 f"'{_tname(dtype)}'.")
            if device is not None and other is not None and canonical(device) != other:
                raise ValueError(f"can't alias tensor from device '{other}' to '{device}'.")
        t = as_tensor(obj, dtype, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (both ways); it keeps the array's dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f'expected np.ndarray (got {type(ndarray).__name__})')
    _check_native(ndarray)
    _dtype.from_np(ndarray.dtype)
    return _wrap(ndarray)


def _legacy_array(args, dtype=None, device=None):
    """The array behind the legacy constructor ``Tensor(*sizes)`` / ``Tensor(data)``: the
    default dtype, uninitialised for sizes, converted for data."""
    dt = dtype or _dtype.get_default_dtype()
    dev = canonical(device)
    if not args:
        return _on(np.empty((0,), _dtype.to_np(dt)), dev)
    a0 = args[0]
    if len(args) == 1 and not isinstance(a0, (numbers.Integral, Tensor)) and \
            not type(a0).__name__ == 'Size':
        if isinstance(a0, (numbers.Number, str)):
            kind = 'invalid data type' if isinstance(a0, str) else 'data must be a sequence'
            raise TypeError(f"new(): {kind} '{type(a0).__name__}'" if isinstance(a0, str) else
                            f'new(): {kind} (got {type(a0).__name__})')
        return _array_from(a0, dt, dev)
    shape = _shape_arg(args)
    return _on(np.empty(shape, _dtype.to_np(dt)), dev)


def _factory(name, fill):
    def make(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False, memory_format=None, **kw):
        if 'size' in kw:
            if size:
                raise TypeError(f'{name}() got multiple values for argument \'size\'')
            size = (kw.pop('size'),)
        if kw:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
        if not size:
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        shape = _shape_arg(size, name)
        dt = dtype or _dtype.get_default_dtype()
        dev = canonical(device)
        t = _wrap(fill(_xp(dev), shape, _dtype.to_np(dt), dev))
        if requires_grad:
            t.requires_grad_(True)
        if out is not None:
            from .pointwise import _out
            return _out(t, out)
        return t
    make.__name__ = make.__qualname__ = name
    return make


def _with_device(f):
    def g(xp, shape, dt, dev):
        if dev is not None and dev.index is not None and xp is not np:
            with xp.cuda.Device(dev.index):
                return f(xp, shape, dt)
        return f(xp, shape, dt)
    return g


zeros = _factory('zeros', _with_device(lambda xp, s, d: xp.zeros(s, d)))
zeros.__doc__ = ('A tensor of zeros of the given shape (``torch.zeros(*size, dtype=None, '
                 'device=None, requires_grad=False)``); default float dtype.')
ones = _factory('ones', _with_device(lambda xp, s, d: xp.ones(s, d)))
ones.__doc__ = 'A tensor of ones of the given shape (``torch.ones``); default float dtype.'
empty = _factory('empty', _with_device(lambda xp, s, d: xp.empty(s, d)))
empty.__doc__ = 'An uninitialised tensor of the given shape (``torch.empty``).'


def _fill_dtype(fill_value):
    """dtype ``full`` infers from its fill value: bool, int64, default float or complex."""
    v = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    if isinstance(v, np.generic):
        v = v.item()
    return _dtype.scalar_type(v)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """A tensor of the given shape filled with ``fill_value`` (``torch.full``).

    The dtype, when not given, follows the value: bool for bools, int64 for ints, the default
    float dtype for floats (complex for complex). Values that do not fit ``dtype`` raise
    RuntimeError, as in PyTorch.
    """
    if isinstance(size, numbers.Integral):
        raise TypeError("full(): argument 'size' (position 1) must be tuple of ints, not int")
    if dtype is None:
        dtype = _fill_dtype(fill_value)
    v = _check_fits(fill_value, dtype)
    shape = _shape_arg(tuple(size), 'full')
    dev = canonical(device)
    xp = _xp(dev)
    t = _wrap(_with_device(lambda xp, s, d: xp.full(s, v, d))(xp, shape, _dtype.to_np(dtype), dev))
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from .pointwise import _out
        return _out(t, out)
    return t


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, **kw):
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, **kw):
    return full((), s, dtype=dtype or _dtype.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    """The ``n x m`` identity matrix."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f'n must be greater or equal to 0, got {n if n < 0 else m}')
    dt = dtype or _dtype.get_default_dtype()
    t = _wrap(_on(np.eye(n, m, dtype=_dtype.to_np(dt)), canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def _fma(a, b, c):
    """``a * b + c`` in float64 with a single rounding, as PyTorch's compiled kernels compute
    it (fused multiply-add), emulated with error-free transformations (Dekker, Knuth)."""
    a = np.asarray(a, np.float64)
    p = a * b
    sp = 134217729.0                     # 2**27 + 1
    t = sp * a
    ah = t - (t - a)
    al = a - ah
    t = sp * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl      # a*b == p + e exactly
    s = p + c
    z = s - p
    err = (p - (s - z)) + (c - z)                          # p + c == s + err exactly
    with np.errstate(invalid='ignore', over='ignore'):
        r = s + (e + err)
        if not np.isfinite(r).all():       # infinities/overflow: the plain result
            r = np.where(np.isfinite(r), r, p + c)
    return r


def _scalar(v, name='value'):
    """A Python number from a number, NumPy scalar or one-element tensor."""
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _cfmt(v):
    """A number as PyTorch's C++ messages print it: ``0``, ``0.5``, ``inf``."""
    return f'{v:g}' if isinstance(v, builtins.float) else str(v)


def _real_arg(v):
    if isinstance(v, builtins.complex) and not isinstance(v, (builtins.int, builtins.float)):
        if v.imag != 0:
            raise RuntimeError('value cannot be converted to type double without overflow')
        return v.real
    return v


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step`` (``torch.arange``).

    int64 when every argument is an integer, else the default float dtype. Like PyTorch, the
    length is ``ceil((end - start) / step)`` and element ``i`` is ``start + i * step`` in
    float64 (fused multiply-add) before the cast; integer dtypes truncate the arguments first.
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_real_arg(_scalar(v)) for v in (start, end, step))
    if dtype is None:
        dtype = (_dtype.int64 if all(isinstance(v, numbers.Integral) for v in (start, end, step))
                 else _dtype.get_default_dtype())
    if dtype is _dtype.bool:
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    integral = not (dtype.is_floating_point or dtype.is_complex)
    if integral and not all(isinstance(v, numbers.Integral) or math.isfinite(v)
                            for v in (start, end, step)):
        raise RuntimeError(f'unsupported range: {_cfmt(start)} -> {_cfmt(end)}')
    if integral:
        xs, xe, xst = builtins.int(start), builtins.int(end), builtins.int(step)
        if xst == 0 and step != 0 and dtype is _dtype.int64:
            raise ValueError('step must be nonzero')
    else:
        xs, xe, xst = builtins.float(start), builtins.float(end), builtins.float(step)
    if xst == 0 and (dtype is _dtype.int64 or not integral):
        raise RuntimeError('step must be nonzero')
    if not (math.isfinite(xs) and math.isfinite(xe)):
        raise RuntimeError(f'unsupported range: {_cfmt(xs)} -> {_cfmt(xe)}')
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)) and xst != 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    if dtype is _dtype.int64:
        n = -((xs - xe) // xst)
    else:
        n = math.ceil((builtins.float(end) - builtins.float(start)) / builtins.float(step)) \
            if step != 0 else 0
    n = builtins.max(0, builtins.int(n))
    if integral:
        arr = np.arange(xs, xs + n * xst, xst, dtype=np.int64)[:n].astype(dtype.np, copy=False)
    else:
        vals = _fma(np.arange(n, dtype=np.float64), xst, xs)
        arr = vals.astype(_dtype.to_np(dtype), copy=False)
    t = _wrap(_on(arr, canonical(device)))
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from .pointwise import _out
        return _out(t, out)
    return t


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Deprecated ``torch.range``: like ``arange`` but includes ``end``; float by default."""
    import warnings
    warnings.warn('torch.range is deprecated and will be removed in a future release because its '
                  "behavior is inconsistent with Python's range builtin. Instead, use "
                  'torch.arange, which produces values in [start, end).', UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    start, end, step = (_scalar(v) for v in (start, end, step))
    if step == 0:
        raise RuntimeError('step must be nonzero')
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError('upper bound and larger bound inconsistent with step sign')
    n = builtins.int(math.floor((end - start) / step)) + 1
    dt = dtype or _dtype.get_default_dtype()
    arr = _fma(np.arange(n, dtype=np.float64), builtins.float(step), builtins.float(start))
    arr = (np.trunc(arr) if not dt.is_floating_point else arr).astype(_dtype.to_np(dt))
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def _steps_arg(steps, fn, start, end):
    if isinstance(steps, Tensor) and steps._data.size == 1 and steps._data.dtype.kind in 'iu':
        steps = steps.item()
    if isinstance(steps, np.integer):
        steps = builtins.int(steps)
    if not isinstance(steps, numbers.Integral) or isinstance(steps, builtins.bool):
        got = ', '.join(type(v).__name__ for v in (start, end, steps))
        raise TypeError(f'{fn}() received an invalid combination of arguments - got ({got}), but '
                        'expected (Number start, Number end, int steps, *, Tensor out, dtype '
                        'dtype, layout layout, Device device, bool requires_grad)')
    if steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    return builtins.int(steps)


def _lin_values(start, end, steps, dt):
    """PyTorch's linspace kernel: ``start + step * i`` for the first half and
    ``end - step * (steps - 1 - i)`` for the second, fused multiply-adds in the dtype's
    precision (float64 for integer dtypes, whose ends are truncated first)."""
    idx = np.arange(steps, dtype=np.float64)
    half = steps // 2
    lo, hi = idx[:half], (steps - 1 - idx[half:])
    if dt.is_floating_point:
        if dt is _dtype.float64:
            s, e = builtins.float(start), builtins.float(end)
            step = (e - s) / (steps - 1)
            return np.concatenate([_fma(lo, step, s), _fma(hi, -step, e)])
        f32 = np.float32
        s, e = f32(start), f32(end)
        step = np.float64((e - s) / f32(steps - 1))
        # a float32 product with an index below 2**29 is exact in float64: one rounding to f32
        return np.concatenate([lo * step + np.float64(s), np.float64(e) - hi * step]).astype(f32)
    step = (builtins.float(end) - builtins.float(start)) / (steps - 1)
    return np.trunc(np.concatenate([_fma(lo, step, builtins.float(start)),
                                    _fma(hi, -step, builtins.float(end))]))


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (``torch.linspace``).

    Default float dtype (complex for complex ends); integer dtypes truncate the ends and the
    values, with PyTorch's formula so the results agree element by element.
    """
    start, end = _scalar(start), _scalar(end)
    steps = _steps_arg(steps, 'linspace', start, end)
    is_c = any(isinstance(v, builtins.complex) and not isinstance(v, (builtins.int, builtins.float))
               for v in (start, end))
    dt = dtype or (_default_complex() if is_c else _dtype.get_default_dtype())
    if dt is _dtype.bool:
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    if dt.is_complex:
        start, end = builtins.complex(start), builtins.complex(end)
    else:
        start, end = _check_fits(start, dt), _check_fits(end, dt)
    integral = not (dt.is_floating_point or dt.is_complex)
    if integral:
        start, end = builtins.int(start), builtins.int(end)
    if steps == 0:
        arr = np.empty((0,), _dtype.to_np(dt))
    elif steps == 1:
        arr = np.full((1,), start, _dtype.to_np(dt))
    elif dt.is_complex:
        rdt = dt.to_real()
        arr = (_lin_values(start.real, end.real, steps, rdt)
               + 1j * _lin_values(start.imag, end.imag, steps, rdt)).astype(dt.np)
    else:
        cdt = dt if dt in (_dtype.float32, _dtype.float64) or integral else _dtype.float32
        arr = _lin_values(start, end, steps, cdt).astype(_dtype.to_np(dt), copy=False)
    t = _wrap(_on(arr, canonical(device)))
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from .pointwise import _out
        return _out(t, out)
    return t


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``base ** linspace(start, end, steps)`` (``torch.logspace``), computed as PyTorch does:
    exponents in float64 from the ends cast to ``dtype``, powers in float64, then the cast."""
    start, end, base = _scalar(start), _scalar(end), _scalar(base)
    steps = _steps_arg(steps, 'logspace', start, end)
    dt = dtype or _dtype.get_default_dtype()
    if dt is _dtype.bool:
        raise NotImplementedError('"logspace_cpu" not implemented for \'Bool\'')
    if steps == 0:
        arr = np.empty((0,), _dtype.to_np(dt))
    elif dt.is_complex:
        e = linspace(start, end, steps, dtype=_dtype.complex128)._data
        arr = np.power(builtins.complex(base), e).astype(dt.np)
    else:
        integral = not dt.is_floating_point
        if integral:
            s, e = builtins.int(_check_fits(start, dt)), builtins.int(_check_fits(end, dt))
            b = builtins.float(np.float32(base))
        else:
            cast = _dtype.to_np(dt).type
            cs, ce = cast(start), cast(end)
            s, e = builtins.float(cs), builtins.float(ce)
            b = builtins.float(base)
        if steps == 1:
            ex = np.array([builtins.float(start)])
        else:
            # PyTorch subtracts the ends in the dtype, then divides in float64
            step = (builtins.float(ce - cs) if not integral else e - s) / (steps - 1)
            idx = np.arange(steps, dtype=np.float64)
            half = steps // 2
            # (PyTorch's scalar logspace loop does not fuse these multiply-adds)
            ex = np.concatenate([s + step * idx[:half], e - step * (steps - 1 - idx[half:])])
        with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
            p = np.power(b, ex)
            arr = (np.trunc(p) if integral else p).astype(_dtype.to_np(dt))
    t = _wrap(_on(arr, canonical(device)))
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from .pointwise import _out
        return _out(t, out)
    return t


def _like(name, fill):
    def make(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None, **kw):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f'{type(input).__name__}')
        d = input._data
        dt = _dtype.to_np(dtype) if dtype is not None else d.dtype
        dev = canonical(device)
        order = 'C' if memory_format is not None and 'contiguous' in str(memory_format) else 'K'
        if dev is None or dev == input.device:
            xp = np if type(d) is _ndarray else xp_of(d)
            arr = fill(xp, d, dt, order, kw)
        else:
            arr = to_device(fill(np, np.empty(d.shape, dt), dt, 'C', kw), dev)
        t = _wrap(arr)
        return t.requires_grad_(True) if requires_grad else t
    make.__name__ = make.__qualname__ = name
    return make


# xp.zeros_like(order='K') keeps a dense input's strides, as PyTorch's preserve_format does
zeros_like = _like('zeros_like', lambda xp, a, d, o, kw: xp.zeros_like(a, dtype=d, order=o))
zeros_like.__doc__ = 'Zeros shaped like input, with its dtype, device and layout (``zeros_like``).'
ones_like = _like('ones_like', lambda xp, a, d, o, kw: xp.ones_like(a, dtype=d, order=o))
ones_like.__doc__ = 'Ones shaped like input, with its dtype, device, layout (``torch.ones_like``).'
empty_like = _like('empty_like', lambda xp, a, d, o, kw: xp.empty_like(a, dtype=d, order=o))
empty_like.__doc__ = 'An uninitialised tensor shaped like input (``torch.empty_like``).'


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` everywhere, with input's shape, dtype and device unless given
    (``torch.full_like``); values that do not fit the dtype raise RuntimeError."""
    if not isinstance(input, Tensor):
        raise TypeError("full_like(): argument 'input' (position 1) must be Tensor, not "
                        f'{type(input).__name__}')
    v = _check_fits(fill_value, dtype or input.dtype)
    return _like('full_like', lambda xp, a, d, o, kw: xp.full_like(a, v, dtype=d, order=o))(
        input, dtype=dtype, device=device, requires_grad=requires_grad,
        memory_format=memory_format)


def complex(real, imag, *, out=None):
    return _wrap(real._data + 1j * imag._data)


def polar(abs, angle, *, out=None):
    return _wrap(abs._data * np.exp(1j * angle._data))


# ---------------------------------------------------------------------------- window functions

class _Default:
    """A default that tells "not given" apart (PyTorch's overloads take alpha/beta only after
    periodic); it shows as the value PyTorch uses."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return repr(self.value)


_NO = _Default(True)
_CTYPE = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half',
          'bfloat16': 'c10::BFloat16', 'int64': 'long int', 'int32': 'int', 'int16': 'short int',
          'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool',
          'complex64': 'c10::complex<float>', 'complex128': 'c10::complex<double>'}


def _window_args(name, window_length, periodic, dtype, layout, device, requires_grad):
    """PyTorch's argument parsing and ``window_function_checks``: (length, periodic, dtype)."""
    if isinstance(window_length, Tensor) and window_length._data.ndim == 0 and \
            window_length._data.dtype.kind in 'iu':
        window_length = window_length.item()
    if isinstance(window_length, np.integer):
        window_length = builtins.int(window_length)
    if not isinstance(window_length, builtins.int) or isinstance(window_length, builtins.bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f'{type(window_length).__name__}')
    if not _given(periodic):
        periodic = periodic.value
    elif not isinstance(periodic, (builtins.bool, np.bool_)):
        raise TypeError(f'{name}() received an invalid combination of arguments - got (int, '
                        f'{type(periodic).__name__}), but expected (int window_length, bool '
                        'periodic, *, torch.dtype dtype, torch.layout layout, torch.device '
                        'device, bool pin_memory, bool requires_grad)')
    dt = dtype or _dtype.get_default_dtype()
    sparse = layout is not None and 'sparse' in str(layout).lower()

    def options():
        dev = canonical(device) or _DEFAULT_DEVICE[0]
        return (f"TensorOptions(dtype={_CTYPE[dt.name]}{' (default)' if dtype is None else ''}, "
                f"device={dev.type if dev is not None else 'cpu'}, "
                f"layout={'Sparse' if sparse else 'Strided'}"
                f"{' (default)' if layout is None else ''}, "
                f"requires_grad={'true' if requires_grad else 'false (default)'}, "
                'pinned_memory=false, memory_format=(nullopt))')
    if sparse:
        raise RuntimeError(f'{name} is not implemented for sparse types, got: {options()}')
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f'{name} expects floating point dtypes, got: {options()}')
    if window_length < 0:
        raise RuntimeError(f'{name} requires non-negative window_length, got '
                           f'window_length={window_length}')
    return window_length, builtins.bool(periodic), dt


def _window(name, window_length, periodic, dtype, layout, device, requires_grad, body):
    """A window of ``window_length`` points: ``body(w, r, op, N, opm)`` gets ``w = arange(N)``
    (N one more when ``periodic``) and computes the window step by step as PyTorch does, each
    step rounded to the dtype (``r``) from its opmath type ``opm`` (float32 for float16 and
    bfloat16); ``op(v)`` is a scalar operand cast to the dtype."""
    n, periodic, dt = _window_args(name, window_length, periodic, dtype, layout, device,
                                   requires_grad)
    npdt = _dtype.to_np(dt)
    if n <= 1:
        arr = np.ones((n,), npdt)
    elif dt.is_complex:
        cname = 'ComplexFloat' if dt is _dtype.complex64 else 'ComplexDouble'
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{cname}\'')
    else:
        opm = np.float64 if dt is _dtype.float64 else np.float32

        def r(x):           # round to the dtype, keep computing in opmath
            x = np.asarray(x, opm)
            return x if npdt == opm else x.astype(npdt).astype(opm)

        def op(v):          # a Python scalar operand: cast to the tensor's dtype, as PyTorch does
            return r(opm(v))[()]
        N = n + 1 if periodic else n
        with np.errstate(all='ignore'):
            w = body(r(np.arange(N, dtype=np.float64)), r, op, N, opm)
        arr = (w[:N - 1] if periodic else w).astype(npdt)
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def _hamming_body(alpha, beta):
    def body(w, r, op, N, opm):
        w = r(w * op(math.pi * 2. / (N - 1)))
        return r(r(r(np.cos(w)) * op(-beta)) + op(alpha))
    return body


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))`` (``torch.hann_window``).

    Args:
        window_length: number of points (0 gives an empty tensor, 1 gives ``[1.]``).
        periodic: if True (default), the first ``window_length`` points of a window of
            ``window_length + 1`` (for spectral analysis); else symmetric.
        dtype: a floating dtype (default: the default dtype). device, requires_grad: as usual.
    """
    return _window('hann_window', window_length, periodic, dtype, layout, device, requires_grad,
                   _hamming_body(0.5, 0.5))


def _given(v):
    return not isinstance(v, _Default)


def hamming_window(window_length, periodic=_NO, alpha=_Default(0.54), beta=_Default(0.46), *,
                   dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False):
    """The Hamming window ``alpha - beta cos(2 pi n / (N - 1))`` (``torch.hamming_window``).

    Args:
        window_length, periodic, dtype, device, requires_grad: as in ``hann_window``.
        alpha, beta: the coefficients (0.54 and 0.46); like PyTorch's overloads, ``alpha``
            needs ``periodic`` and ``beta`` needs ``alpha``.
    """
    if (_given(alpha) and not _given(periodic)) or (_given(beta) and not _given(alpha)):
        got = ['int'] + (['bool'] if _given(periodic) else []) + \
            [f'{k}={type(v).__name__}' for k, v in (('alpha', alpha), ('beta', beta)) if _given(v)]
        raise TypeError(f"hamming_window() received an invalid combination of arguments - got "
                        f"({', '.join(got)}), but expected (int window_length, bool periodic, "
                        'float alpha, float beta, *, torch.dtype dtype, torch.layout layout, '
                        'torch.device device, bool pin_memory, bool requires_grad)')
    for v, nm in ((alpha, 'alpha'), (beta, 'beta')):
        if _given(v) and (not isinstance(v, numbers.Real) or isinstance(v, builtins.bool)):
            raise TypeError(f"hamming_window(): argument '{nm}' must be float, not "
                            f'{type(v).__name__}')
    alpha = builtins.float(alpha.value if not _given(alpha) else alpha)
    beta = builtins.float(beta.value if not _given(beta) else beta)
    return _window('hamming_window', window_length, periodic, dtype, layout, device,
                   requires_grad, _hamming_body(alpha, beta))


def _blackman_body(w, r, op, N, opm):
    w = r(w * op(math.pi / (N - 1)))
    a = r(r(np.cos(r(w * op(4)))) * op(0.08))
    b = r(r(np.cos(r(w * op(2)))) * op(0.5))
    return r(r(a - b) + op(0.42))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N-1)) + 0.08 cos(4 pi n / (N-1))``
    (``torch.blackman_window``; arguments as in ``hann_window``)."""
    return _window('blackman_window', window_length, periodic, dtype, layout, device,
                   requires_grad, _blackman_body)


def _bartlett_body(w, r, op, N, opm):
    w = r(w * op(2. / (N - 1)))
    h = ((N - 1) >> 1) + 1
    w[h:] = r(-w[h:] + op(2))
    return w


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The triangular Bartlett window ``1 - |2n / (N - 1) - 1|`` (``torch.bartlett_window``;
    arguments as in ``hann_window``)."""
    return _window('bartlett_window', window_length, periodic, dtype, layout, device,
                   requires_grad, _bartlett_body)


def kaiser_window(window_length, periodic=_NO, beta=_Default(12.0), *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    """The Kaiser window ``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)``, ``a = (N - 1) / 2``
    (``torch.kaiser_window``).

    Args:
        window_length, periodic, dtype, device, requires_grad: as in ``hann_window``.
        beta: the shape parameter (12.0); like PyTorch's overloads it needs ``periodic``.
    """
    if _given(beta) and not _given(periodic):
        raise TypeError(f'kaiser_window() received an invalid combination of arguments - got '
                        f'(int, beta={type(beta).__name__}), but expected (int window_length, bool '
                        'periodic, float beta, *, torch.dtype dtype, torch.layout layout, '
                        'torch.device device, bool pin_memory, bool requires_grad)')
    if _given(beta) and (not isinstance(beta, numbers.Real) or isinstance(beta, builtins.bool)):
        raise TypeError(f"kaiser_window(): argument 'beta' must be float, not "
                        f'{type(beta).__name__}')
    beta = builtins.float(beta.value if not _given(beta) else beta)

    def body(w, r, op, N, opm):
        a, b = opm((N - 1) / 2.0), opm(beta)        # the kernel's opmath constants
        x = b * np.sqrt(np.abs(opm(1) - ((w - a) / a) ** opm(2)))
        return r(np.i0(x.astype(np.float64)).astype(opm) / opm(np.i0(np.float64(b))))
    return _window('kaiser_window', window_length, periodic, dtype, layout, device,
                   requires_grad, body)


# ---------------------------------------------------------------------------- conversion


class Cast(Primitive):
    """dtype conversion; the gradient is cast back to the source dtype by the engine."""
    _name = 'ToCopyBackward0'

    def forward(ctx, xp, x, dtype, copy=False):
        return x.astype(dtype, copy=copy)

    def backward(ctx, g):
        return g, None


class ToDevice(Primitive):
    """Copy to another device; the gradient goes back to the source device."""
    _name = 'ToCopyBackward0'

    def forward(ctx, xp, x, device):
        ctx.src = CPU if type(x) is _ndarray else canonical('cuda:%d' % x.device.id)
        return to_device(x, device)

    def backward(ctx, g):
        return g.to(ctx.src), None


def _parse_to(args, kwargs):
    dtype = kwargs.pop('dtype', None)
    device = kwargs.pop('device', None)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif a is None:
            continue
        else:
            device = a
    return dtype, canonical(device), kwargs.pop('copy', False)


_TO_SIG = ('to() received an invalid combination of arguments - got ({}), but expected one of:\n'
           ' * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, '
           'bool copy = False, *, torch.memory_format memory_format = None)\n'
           ' * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, '
           'torch.memory_format memory_format = None)\n'
           ' * (Tensor tensor, bool non_blocking = False, bool copy = False, *, '
           'torch.memory_format memory_format = None)')


def to(self, *args, non_blocking=False, memory_format=None, **kwargs):
    """``self`` converted to a dtype and/or device: ``to(dtype)``, ``to(device)``,
    ``to(tensor)``, ``to(device, dtype)``, with ``non_blocking``/``copy`` positionally or by
    keyword. Returns ``self`` when nothing changes unless ``copy=True``."""
    bad = [k for k in kwargs if k not in ('dtype', 'device', 'copy')]
    if bad or builtins.sum(isinstance(a, _dtype.dtype) for a in args) > 1 or \
            builtins.sum(isinstance(a, Tensor) for a in args) > 1:
        got = ', '.join([type(a).__name__ if not isinstance(a, _dtype.dtype) else 'torch.dtype'
                         for a in args] + [f'{k}={type(v).__name__}' for k, v in kwargs.items()])
        raise TypeError(_TO_SIG.format(got))
    kwargs = dict(kwargs)
    if args and isinstance(args[-1], builtins.bool) and not isinstance(args[0], builtins.bool):
        flags = [a for a in args if isinstance(a, builtins.bool)]
        args = tuple(a for a in args if not isinstance(a, builtins.bool))
        if len(flags) > 1:
            kwargs['copy'] = flags[1]
    dtype, device, copy = _parse_to(args, kwargs)
    t = self
    if device is not None and device != t.device:
        t = ToDevice.apply(t, device)
        copy = False
    if dtype is not None and t._data.dtype != _dtype.to_np(dtype):
        t = Cast.apply(t, dtype.np)
        copy = False
    if copy:
        t = clone(t)
    return t


class Clone(Primitive):
    def forward(ctx, xp, x):
        from .shape import _clone_array   # keeps a dense input's strides (preserve_format)
        return _clone_array(x)

    def backward(ctx, g):
        return g


def clone(input, *, memory_format=None):
    """A copy of ``input`` that autograd tracks (gradient flows back to input). Like PyTorch's
    ``preserve_format`` the copy keeps a dense input's strides; ``memory_format=
    torch.contiguous_format`` makes it contiguous."""
    if memory_format is not None and 'contiguous_format' in str(memory_format) and \
            not input._data.flags.c_contiguous:
        from .shape import contiguous
        return contiguous(input) if input._data.ndim else Clone.apply(input)
    return Clone.apply(input)


def _conv_method(dt):
    def m(self, memory_format=None):
        return to(self, dt)
    return m


def _cpu(self, memory_format=None):
    return to(self, CPU)


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, canonical('cuda' if device is None else
                              (f'cuda:{device}' if isinstance(device, int) else device)))


def _type_as(self, other):
    return to(self, other.dtype)


def _new_factory(factory):
    def m(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return factory(*size, dtype=dtype or self.dtype, device=device or self.device,
                       requires_grad=requires_grad)
    return m


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kw):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, **kw):
    """A new tensor from ``data`` with ``self``'s dtype and device unless given
    (``Tensor.new_tensor``; tensor data is copied too, as in PyTorch)."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


class _Fill(Primitive):
    """``self.fill_(value)``: the gradient to ``self`` is zero; to a tensor ``value`` it is the
    sum of the incoming gradient (``FillBackward``)."""
    _name = 'FillBackward0'

    def forward(ctx, xp, x, v=None, value=None):
        if v is not None:
            value = v.astype(x.dtype) if v.dtype != x.dtype else v
        else:
            value = xp.asarray(value, dtype=x.dtype)
        return xp.broadcast_to(value, x.shape)      # written into self without a full temporary

    def backward(ctx, g):
        z = _wrap((np if type(g._data) is _ndarray else xp_of(g._data)).zeros(g._data.shape,
                                                                              g._data.dtype))
        return z, (g.sum() if ctx._next[1] is not None else None)


def fill_(self, value):
    """Fill ``self`` with ``value`` (a number or a 0-dim tensor) in place (``Tensor.fill_``)."""
    from ._util import inplace
    if not (_state[0] and (self._rg or (isinstance(value, Tensor) and value._rg))):
        # nothing to record: write straight into the memory (what nn.init does)
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor '
                                   f'with {value._data.ndim} dimensions.')
            value = value.item()
        else:
            value = _check_fits(value, self.dtype)
        self._data[...] = value
        self._vc[0] += 1
        return self
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor with '
                               f'{value._data.ndim} dimensions.')
        if type(value._data) is not type(self._data):
            value = value.to(self.device)
        return inplace(self, _Fill, value)
    v = _check_fits(value, self.dtype)
    return inplace(self, _Fill, None, value=v)


def zero_(self):
    """Fill ``self`` with zeros in place (``Tensor.zero_``)."""
    if not (_state[0] and self._rg):
        self._data[...] = 0
        self._vc[0] += 1
        return self
    from ._util import inplace
    return inplace(self, _Fill, None, value=0)


bind({
    'to': to, 'clone': clone, 'cpu': _cpu, 'cuda': _cuda, 'type_as': _type_as,
    'float': _conv_method(_dtype.float32), 'double': _conv_method(_dtype.float64),
    'half': _conv_method(_dtype.float16), 'bfloat16': _conv_method(_dtype.bfloat16),
    'long': _conv_method(_dtype.int64), 'int': _conv_method(_dtype.int32),
    'short': _conv_method(_dtype.int16), 'char': _conv_method(_dtype.int8),
    'byte': _conv_method(_dtype.uint8), 'bool': _conv_method(_dtype.bool),
    'cfloat': _conv_method(_dtype.complex64), 'cdouble': _conv_method(_dtype.complex128),
    'new_zeros': _new_factory(zeros), 'new_ones': _new_factory(ones),
    'new_empty': _new_factory(empty), 'new_full': _new_full, 'new_tensor': _new_tensor,
    'zero_': zero_, 'fill_': fill_,
})


class Copy(Primitive):
    """``self.copy_(src)``: src broadcast to self's shape and cast to its dtype; the gradient
    goes to src (self's old values get none)."""
    _name = 'CopyBackwards'

    def forward(ctx, xp, x, src):
        if type(src) is not type(x):
            src = to_device(src, CPU if type(x) is _ndarray else canonical(f'cuda:{x.device.id}'))
        return xp.broadcast_to(src.astype(x.dtype, copy=False), x.shape)

    def backward(ctx, g):
        return g.new_zeros(g.shape) if ctx._next[0] is not None else None, g


def copy_(self, src, non_blocking=False):
    """Copy ``src`` into ``self`` in place (broadcasting, casting, across devices)."""
    from ._util import inplace
    if not isinstance(src, Tensor):
        raise TypeError(f'copy_(): argument \'other\' (position 1) must be Tensor, not '
                        f'{type(src).__name__}')
    ds, ss = self._data.shape, src._data.shape
    if ds != ss:
        n = builtins.max(len(ds), len(ss))
        a, b = (1,) * (n - len(ds)) + ds, (1,) * (n - len(ss)) + ss
        for i in builtins.range(n - 1, -1, -1):   # PyTorch reports the last mismatch first
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f'The size of tensor a ({a[i]}) must match the size of tensor '
                                   f'b ({b[i]}) at non-singleton dimension {i}')
        full = tuple(builtins.max(x, y) for x, y in zip(a, b))
        if full != ds:
            raise RuntimeError(f"output with shape {list(ds)} doesn't match the broadcast shape "
                               f'{list(full)}')
    from ..autograd.grad_mode import _state
    if not (_state[0] and (self._rg or src._rg)) and type(src._data) is type(self._data):
        d = self._data
        if d.ndim == 0:
            d[()] = src._data.astype(d.dtype, copy=False)
        else:
            d[...] = src._data
        self._vc[0] += 1
        return self
    return inplace(self, Copy, src)


bind({'copy_': copy_})
