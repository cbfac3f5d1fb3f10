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
           'empty_like', 'scalar_tensor', 'empty_strided', 'complex', 'polar']

_ndarray = np.ndarray


def _xp(device):
    """Array module for a canonical device."""
    if device is None or device.type == 'cpu':
        return np
    from ..backend import cuda
    return cuda.xp()


def _on(arr, device):
    """Put a freshly made NumPy array on ``device``."""
    if device is None or device.type == 'cpu':
        return arr
    return to_device(arr, device)


def _shape_arg(size):
    """``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([2, 3])`` all mean shape (2, 3)."""
    if len(size) == 1 and not isinstance(size[0], (numbers.Integral, Tensor)):
        size = size[0]
    try:
        shape = tuple(builtins.int(s) for s in size)
    except TypeError:
        raise TypeError(f'size must be a sequence of ints, got {size!r}') from None
    for s in shape:
        if s < 0:
            raise RuntimeError(f'Trying to create tensor with negative dimension {s}: {list(shape)}')
    return shape


def _infer_dtype(arr, data):
    """dtype a ``tensor(data)`` call infers: Python floats -> default dtype, ints -> int64."""
    k = arr.dtype.kind
    if k == 'f' and not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.float64:
        return _dtype.get_default_dtype().np
    if k == 'c' and not isinstance(data, (np.ndarray, np.generic)):
        return np.complex128 if _dtype.get_default_dtype() is _dtype.float64 else np.complex64
    if k in 'iu' and not isinstance(data, (np.ndarray, np.generic)):
        return np.int64
    if k in 'OUS':
        raise TypeError(f"can't convert np.ndarray of type numpy.object_. The only supported types "
                        'are: float64, float32, float16, complex64, complex128, int64, int32, int16, '
                        'int8, uint8, and bool.' if k == 'O' else
                        f'new(): invalid data type \'{arr.dtype.name}\'')
    _dtype.from_np(arr.dtype)
    return arr.dtype


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
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _nested_tensors_to_list(data)
    if type(data).__module__.startswith('cupy'):
        arr = data.copy() if copy else data
        if dtype is not None:
            arr = arr.astype(dtype.np, copy=False)
        return to_device(arr, device) if device is not None else arr
    try:
        arr = np.array(data, copy=copy) if isinstance(data, np.ndarray) else np.asarray(data)
    except ValueError as e:
        raise ValueError(f'expected sequence of length ... ({e})') from None
    if dtype is not None:
        arr = arr.astype(_dtype.to_np(dtype), copy=False)
    else:
        want = _infer_dtype(arr, data)
        if arr.dtype != want:
            arr = arr.astype(want)
    if not isinstance(data, np.ndarray) and not arr.flags.writeable:
        arr = arr.copy()
    return _on(arr, device)


def _has_tensor(seq):
    for x in seq:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)):
            return _has_tensor(x)
        return False
    return False


def _nested_tensors_to_list(seq):
    if isinstance(seq, Tensor):
        return seq.detach().cpu().numpy()
    if isinstance(seq, (list, tuple)):
        items = [_nested_tensors_to_list(x) for x in seq]
        if items and all(isinstance(i, np.ndarray) for i in items):
            return np.stack(items)
        return items
    return seq


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (list, scalar, array or tensor). Floats get the default
    dtype, ints int64, bools bool (``torch.tensor``)."""
    dev = canonical(device)
    t = _wrap(_array_from(data, dtype, dev, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a tensor or NumPy array when it can."""
    dev = canonical(device)
    if isinstance(data, Tensor):
        t = data
        if dtype is not None and t.dtype is not dtype:
            t = t.to(dtype)
        if dev is not None and t.device != dev:
            t = t.to(dev)
        return t
    if isinstance(data, np.ndarray) and (dev is None or dev.type == 'cpu'):
        _dtype.from_np(data.dtype)
        if dtype is None or data.dtype == dtype.np:
            return _wrap(data)
    return _wrap(_array_from(data, dtype, dev, copy=False))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype, device) if not copy else tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray``; it keeps the array's dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f'expected np.ndarray (got {type(ndarray).__name__})')
    _dtype.from_np(ndarray.dtype)
    if ndarray.dtype.byteorder == '>':
        raise ValueError('given numpy array has byte order different from the native byte order. '
                         'Conversion between byte orders is currently not supported.')
    return _wrap(ndarray)


def _factory(fill):
    def make(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False, memory_format=None):
        shape = _shape_arg(size)
        dt = dtype or _dtype.get_default_dtype()
        dev = canonical(device)
        t = _wrap(fill(_xp(dev), shape, _dtype.to_np(dt), dev))
        if requires_grad:
            t.requires_grad_(True)
        if out is not None:
            out._data = t._data
            return out
        return t
    return make


def _with_device(f):
    def g(xp, shape, dt, dev):
        if dev is not None and dev.index is not None and xp is not np:
            with xp.cuda.Device(dev.index):
                return f(xp, shape, dt)
        return f(xp, shape, dt)
    return g


zeros = _factory(_with_device(lambda xp, s, d: xp.zeros(s, d)))
zeros.__name__, zeros.__doc__ = 'zeros', 'A tensor of zeros of the given shape.'
ones = _factory(_with_device(lambda xp, s, d: xp.ones(s, d)))
ones.__name__, ones.__doc__ = 'ones', 'A tensor of ones of the given shape.'
empty = _factory(_with_device(lambda xp, s, d: xp.empty(s, d)))
empty.__name__, empty.__doc__ = 'empty', 'An uninitialised tensor of the given shape.'


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """A tensor of ``fill_value``; its dtype is inferred from the value when not given."""
    if dtype is None:
        dtype = _dtype.scalar_type(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    shape = _shape_arg((size,) if isinstance(size, numbers.Integral) else tuple(size))
    dev = canonical(device)
    t = _wrap(_on(np.full(shape, fill_value, _dtype.to_np(dtype)), dev))
    if requires_grad:
        t.requires_grad_(True)
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


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments,
    else the default float dtype (``torch.arange``)."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError('step must be nonzero')
    if (end - start) * step < 0:
        raise RuntimeError('upper bound and larger bound inconsistent with step sign')
    if dtype is None:
        dtype = (_dtype.int64 if all(isinstance(v, numbers.Integral) for v in vals)
                 else _dtype.get_default_dtype())
    n = builtins.max(0, math.ceil((end - start) / step))
    if dtype.is_floating_point:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(_dtype.to_np(dtype))
    else:
        arr = np.arange(start, start + n * step, step)[:n].astype(dtype.np)
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **kw):
    """Deprecated ``torch.range``: like arange but includes ``end``; float by default."""
    if end is None:
        start, end = 0, start
    n = builtins.int(math.floor((end - start) / step)) + 1
    dt = dtype or _dtype.get_default_dtype()
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(_dtype.to_np(dt))
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    dt = dtype or _dtype.get_default_dtype()
    step = (end - start) / (steps - 1) if steps > 1 else 0
    idx = np.arange(steps, dtype=np.float64)
    half = steps // 2
    # PyTorch fills the first half from start and the second half back from end
    vals = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if dt.is_floating_point:
        arr = vals.astype(_dtype.to_np(dt))
    else:
        arr = np.trunc(vals).astype(dt.np)
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    dt = dtype or _dtype.get_default_dtype()
    e = linspace(start, end, steps, dtype=_dtype.float64)._data
    arr = np.power(base, e).astype(_dtype.to_np(dt))
    t = _wrap(_on(arr, canonical(device)))
    return t.requires_grad_(True) if requires_grad else t


def _like(fill):
    def make(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None, **kw):
        d = input._data
        dt = _dtype.to_np(dtype) if dtype is not None else d.dtype
        dev = canonical(device)
        if dev is None or dev == input.device:
            xp = np if type(d) is _ndarray else xp_of(d)
            arr = fill(xp, d.shape, dt, kw)
        else:
            arr = to_device(fill(np, d.shape, dt, kw), dev)
        t = _wrap(arr)
        return t.requires_grad_(True) if requires_grad else t
    return make


zeros_like = _like(lambda xp, s, d, kw: xp.zeros(s, d))
zeros_like.__name__, zeros_like.__doc__ = 'zeros_like', 'Zeros with the shape (and dtype, device) of input.'
ones_like = _like(lambda xp, s, d, kw: xp.ones(s, d))
ones_like.__name__, ones_like.__doc__ = 'ones_like', 'Ones with the shape (and dtype, device) of input.'
empty_like = _like(lambda xp, s, d, kw: xp.empty(s, d))
empty_like.__name__ = 'empty_like'


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` everywhere, with input's shape (and dtype, device)."""
    return _like(lambda xp, s, d, kw: xp.full(s, fill_value, d))(
        input, dtype=dtype, device=device, requires_grad=requires_grad)


def complex(real, imag, *, out=None):
    return _wrap(real._data + 1j * imag._data)


def polar(abs, angle, *, out=None):
    return _wrap(abs._data * np.exp(1j * angle._data))


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


def to(self, *args, non_blocking=False, memory_format=None, **kwargs):
    """``self`` converted to a dtype and/or device (``to(dtype)``, ``to(device)``,
    ``to(tensor)``, ``to(device, dtype)``); returns ``self`` when nothing changes."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
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
        return x.copy()

    def backward(ctx, g):
        return g


def clone(input, *, memory_format=None):
    """A copy of ``input`` that autograd tracks (gradient flows back to input)."""
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
    return tensor(data, dtype=dtype or (self.dtype if not isinstance(data, Tensor) else data.dtype),
                  device=device or self.device, requires_grad=requires_grad)


def _to_fill(fill):
    def m(self, value=None):
        from ._util import inplace
        return inplace(self, _Fill, value=value, fill=fill)
    return m


class _Fill(Primitive):
    differentiable = True

    def forward(ctx, xp, x, value=None, fill=None):
        return fill(xp, x, value)

    def backward(ctx, g):
        return g * 0


def _fill_value(xp, x, v):
    return xp.full(x.shape, v.item() if isinstance(v, Tensor) else v, x.dtype)


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
    'zero_': _to_fill(lambda xp, x, v: xp.zeros(x.shape, x.dtype)),
    'fill_': lambda self, value: _to_fill(_fill_value)(self, value),
})
