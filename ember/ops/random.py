"""Random sampling: generators, seeding and the random factories and in-place samplers.

``Generator`` mirrors ``torch.Generator``. On the CPU it wraps NumPy's PCG64 bit generator
(``numpy.random.Generator``); its state is a ``uint8`` tensor, as in PyTorch, that
``set_state`` replays exactly. On CUDA it is counter based like PyTorch's Philox generator:
the state is ``(seed, offset)`` and every draw uses a CuPy Philox stream keyed by both.
Numbers are reproducible for a seed but are not bit-identical to PyTorch's.

As in PyTorch, the sampling ops are differentiable with a zero gradient (``normal``,
``bernoulli``, ``poisson`` and the in-place ``uniform_``/``normal_``... on non-leaf tensors).
"""
import builtins
import contextlib
import math
import numbers
import os

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, bind
from ..backend import canonical, CPU, device as _device_cls
from ._util import Primitive, inplace
from .creation import _shape_arg

__all__ = ['Generator', 'default_generator', 'manual_seed', 'seed', 'initial_seed',
           'get_rng_state', 'set_rng_state', 'rand', 'rand_like', 'randn', 'randn_like',
           'randint', 'randint_like', 'randperm', 'normal', 'bernoulli', 'multinomial', 'poisson']

_ndarray = np.ndarray
_DEFAULT_SEED = 67280421310721     # PyTorch's default CPU seed
_M64 = (1 << 64) - 1


def _check_seed(seed):
    """A seed as PyTorch takes it: anything ``int()`` accepts in [-2**63, 2**64); negatives wrap."""
    s = builtins.int(seed)
    if not -(1 << 63) <= s <= _M64:
        raise ValueError('Overflow when unpacking long long')
    return s & _M64


def _nondeterministic_seed():
    return builtins.int.from_bytes(os.urandom(8), 'little') & ((1 << 63) - 1)


def _mix(seed, offset):
    """A 64-bit key from (seed, offset): SplitMix64's finaliser over their combination."""
    z = (seed * 0x9E3779B97F4A7C15 + offset + 0x632BE59BD9B4E019) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _to_bytes(vals):
    """Non-negative ints, 16 bytes each little-endian, as a uint8 array."""
    return np.frombuffer(b''.join(builtins.int(v).to_bytes(16, 'little') for v in vals), np.uint8)


def _from_bytes(arr, n):
    b = arr.tobytes()
    return [builtins.int.from_bytes(b[16 * i:16 * (i + 1)], 'little') for i in builtins.range(n)]


class Generator:
    """A pseudo-random number generator (``torch.Generator``).

    Args:
        device: ``'cpu'`` (NumPy PCG64) or a CUDA device (counter-based CuPy Philox).

    ``manual_seed(s)`` reseeds and returns the generator; ``get_state()``/``set_state(t)``
    save and replay it exactly.
    """

    def __init__(self, device='cpu'):
        dev = canonical(device)
        if dev.type not in ('cpu', 'cuda'):
            raise RuntimeError(f'Generator: unsupported device type {dev.type!r}')
        self._dev = dev
        self._cuda = dev.type == 'cuda'
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        return self._dev

    def __repr__(self):
        return f'<torch._C.Generator object at {hex(id(self))}>'

    def manual_seed(self, seed):
        """Seed the generator (ints in [-2**63, 2**64); negatives wrap) and return it."""
        if not isinstance(seed, numbers.Integral) or isinstance(seed, builtins.bool):
            raise RuntimeError(f'manual_seed expected a long, but got {type(seed).__name__}')
        s = _check_seed(seed)
        self._seed = s
        self._offset = 0
        if not self._cuda:
            self._bg = np.random.Generator(np.random.PCG64(s))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the seed used."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator's state as a ``uint8`` CPU tensor (``set_state`` restores it)."""
        if self._cuda:
            return _wrap(_to_bytes((self._seed, self._offset)).copy())
        st = self._bg.bit_generator.state
        return _wrap(_to_bytes((st['state']['state'], st['state']['inc'], st['has_uint32'],
                                st['uinteger'], self._seed)).copy())

    def set_state(self, new_state):
        """Restore a state returned by ``get_state``; returns the generator."""
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError('RNG state must be a torch.ByteTensor')
        arr = new_state._data
        arr = arr if type(arr) is _ndarray else arr.get()
        arr = np.ascontiguousarray(arr).reshape(-1)
        n = 2 if self._cuda else 5
        if arr.size != 16 * n:
            kind = 'CUDAGeneratorImplState' if self._cuda else 'CPUGeneratorImplState'
            raise RuntimeError(f'Expected a {kind} of size {16 * n} but found the input RNG state '
                               f'size to be {arr.size}')
        v = _from_bytes(arr, n)
        if self._cuda:
            self._seed, self._offset = v[0] & _M64, v[1]
            return self
        self._seed = v[4] & _M64
        bg = np.random.PCG64()
        bg.state = {'bit_generator': 'PCG64', 'state': {'state': v[0], 'inc': v[1]},
                    'has_uint32': v[2], 'uinteger': v[3]}
        self._bg = np.random.Generator(bg)
        return self

    # the array-level sources every sampler draws from ------------------------------------
    def _src(self):
        """The sampling object for one draw: NumPy's Generator, or a fresh CuPy Philox stream
        keyed by (seed, offset) whose offset then advances."""
        if not self._cuda:
            return self._bg
        import cupy
        from cupy.cuda import curand
        off = self._offset
        self._offset = off + 1
        with cupy.cuda.Device(self._dev.index or 0):
            return cupy.random.RandomState(_mix(self._seed, off) >> 1,
                                           method=curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)


default_generator = Generator()
_cuda_generators = {}


def _default_for(dev):
    if dev is None or dev.type == 'cpu':
        return default_generator
    g = _cuda_generators.get(dev.index)
    if g is None:
        g = _cuda_generators[dev.index] = Generator(dev)
        g.manual_seed(default_generator.initial_seed())
    return g


def _gen(generator, dev):
    """The generator to draw from for a tensor on ``dev``."""
    if generator is None:
        return _default_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, not {type(generator).__name__}")
    want = 'cpu' if dev is None else dev.type
    if generator._dev.type != want:
        raise RuntimeError(f"Expected a '{want}' device type for generator but found "
                           f"'{generator._dev.type}'")
    return generator


def manual_seed(seed):
    """Seed the default generators of every device; returns the CPU default generator."""
    s = _check_seed(seed)
    default_generator.manual_seed(s)
    for g in _cuda_generators.values():
        g.manual_seed(s)
    return default_generator


def seed():
    """Seed the default generators non-deterministically; returns the 64-bit seed."""
    s = _nondeterministic_seed()
    manual_seed(s)
    return s


def initial_seed():
    """The initial seed of the default CPU generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default CPU generator's state as a ``uint8`` tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default CPU generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller='fork_rng', _devices_kw='devices',
             device_type='cuda'):
    """Within the block the RNG may be used freely; on exit the CPU generator (and the
    given CUDA devices' generators; all created ones when ``devices`` is None) are restored."""
    if not enabled:
        yield
        return
    cpu = default_generator.get_state()
    idx = list(_cuda_generators) if devices is None else \
        [canonical(d if not isinstance(d, builtins.int) else f'cuda:{d}').index for d in devices]
    cuda = {i: _default_for(_device_cls('cuda', i)).get_state() for i in idx}
    try:
        yield
    finally:
        default_generator.set_state(cpu)
        for i, st in cuda.items():
            _cuda_generators[i].set_state(st)


# ---------------------------------------------------------------------------- array samplers
# These draw raw arrays on the generator's device; other modules (dropout, init...) may use them.

_MANT = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}
if _dtype._BF16 is not None:
    _MANT[_dtype._BF16] = 8


def _is_float(npdt):
    return npdt.kind in 'fV' or npdt == _dtype._BF16


def uniform_array(gen, shape, npdt):
    """Uniform [0, 1) samples of float dtype ``npdt`` (complex: both parts) from ``gen``."""
    npdt = np.dtype(npdt)
    if npdt.kind == 'c':
        r = uniform_array(gen, shape + (2,), np.float32 if npdt.itemsize == 8 else np.float64)
        return r.view(npdt).reshape(shape)
    src = gen._src()
    if npdt == np.float32 or npdt == np.float64:
        if gen._cuda:
            return src.random_sample(shape, dtype=npdt)
        return src.random(shape, dtype=npdt)
    # float16 / bfloat16: whole multiples of 2**-mantissa, so rounding never reaches 1.0
    u = src.random_sample(shape, dtype=np.float32) if gen._cuda else \
        src.random(shape, dtype=np.float32)
    m = _MANT[npdt]
    xp = _xp_of_src(gen)
    return (xp.floor(u * np.float32(2 ** m)) * np.float32(2.0 ** -m)).astype(npdt)


def normal_array(gen, shape, npdt):
    """Standard normal samples of float dtype ``npdt`` (complex: variance 1/2 per part)."""
    npdt = np.dtype(npdt)
    if npdt.kind == 'c':
        rdt = np.float32 if npdt.itemsize == 8 else np.float64
        r = normal_array(gen, shape + (2,), rdt) * rdt(math.sqrt(0.5))
        return r.view(npdt).reshape(shape)
    src = gen._src()
    dt = npdt if npdt == np.float32 or npdt == np.float64 else np.dtype(np.float32)
    z = src.standard_normal(shape, dtype=dt)
    return z if dt == npdt else z.astype(npdt)


def integer_array(gen, low, high, shape):
    """int64 samples uniform on the integers ``low <= v <= high`` (inclusive)."""
    src = gen._src()
    if gen._cuda:
        if high < (1 << 63) - 1:
            return src.randint(low, high + 1, shape, dtype=np.int64)
        # CuPy's randint takes an exclusive int64 bound: shift the range down by one
        return src.randint(low - 1, high, shape, dtype=np.int64) + 1
    return src.integers(low, high, shape, dtype=np.int64, endpoint=True)


def _xp_of_src(gen):
    if not gen._cuda:
        return np
    import cupy
    return cupy


# ---------------------------------------------------------------------------- helpers

_CNAME = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
          'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
          'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}
_CTYPE = {'int64': 'long', 'int32': 'int', 'int16': 'short', 'int8': 'signed char',
          'uint8': 'unsigned char', 'bool': 'bool'}
_CTYPE_LONG = {'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char',
               'uint8': 'unsigned char', 'bool': 'bool'}


def _num(v):
    """A number as PyTorch's C++ messages print it (``-1``, ``1.5``, ``1e-07``)."""
    return f'{v:g}' if isinstance(v, float) else str(v)


def _dt_name(npdt):
    return _CNAME[_dtype.from_np(npdt).name]


def _need_float(npdt, kernel, complex_ok=True):
    if not (_is_float(npdt) or (complex_ok and npdt.kind == 'c')):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dt_name(npdt)}\'')


def _finish(arr, dev, requires_grad, out=None):
    if dev is not None and dev.type != 'cpu' and type(arr) is _ndarray:
        from ..backend import to_device
        arr = to_device(arr, dev)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from .pointwise import _out
        return _out(t, out)
    return t


def _size(args, size, fn):
    if size is not None:
        if args:
            raise TypeError(f'{fn}() received an invalid combination of arguments - got both '
                            'positional sizes and size=')
        args = (size,)
    return _shape_arg(args, fn)


class _Sample(Primitive):
    """A random draw ``fn(xp, *arrays)``; PyTorch defines its gradient as zero everywhere."""
    _name = 'RandomBackward0'

    def forward(ctx, xp, *arrays, fn=None):
        ctx.n = len(arrays)
        return fn(xp, *arrays)

    def backward(ctx, g):
        z = _wrap(_zeros(g._data))
        return tuple(z for _ in builtins.range(ctx.n))


def _zeros(a):
    return (np if type(a) is _ndarray else __import__('cupy')).zeros(a.shape, a.dtype)


def _named(name):
    return type(name.replace('Backward', '_'), (_Sample,), {'_name': name})


_NormalTT, _NormalTF, _NormalFT = _named('NormalBackward3'), _named('NormalBackward1'), \
    _named('NormalBackward2')
_Bernoulli, _Poisson = _named('BernoulliBackward0'), _named('PoissonBackward0')
_Uniform_, _Normal_, _Random_ = _named('UniformBackward0'), _named('NormalBackward0'), \
    _named('RandomBackward0')
_Exponential_, _Geometric_ = _named('ExponentialBackward0'), _named('GeometricBackward0')
_LogNormal_, _Cauchy_ = _named('LogNormalBackward0'), _named('CauchyBackward0')
_Bernoulli_ = _named('BernoulliBackward1')


def _fill_(self, prim, fn):
    """Overwrite ``self`` with ``fn(xp, self_array)`` (the in-place samplers)."""
    return inplace(self, prim, fn=fn)


# ---------------------------------------------------------------------------- factories

def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Uniform samples on [0, 1) of the given shape (``torch.rand``); default float dtype.

    Args:
        size: ints or one sequence of ints.
        generator: the Generator to draw from (default: the device's default generator).
    """
    shape = _size(size, kw.pop('size', None), 'rand')
    dt = _dtype.to_np(dtype or _dtype.get_default_dtype())
    _need_float(dt, 'check_uniform_bounds')
    dev = canonical(device)
    return _finish(uniform_array(_gen(generator, dev), shape, dt), dev, requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Standard normal samples of the given shape (``torch.randn``); default float dtype."""
    shape = _size(size, kw.pop('size', None), 'randn')
    dt = _dtype.to_np(dtype or _dtype.get_default_dtype())
    _need_float(dt, 'normal_kernel_cpu')
    dev = canonical(device)
    return _finish(normal_array(_gen(generator, dev), shape, dt), dev, requires_grad, out)


def _like_args(input, dtype, device):
    dt = input._data.dtype if dtype is None else _dtype.to_np(dtype)
    dev = canonical(device) if device is not None else input.device
    return dt, dev


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """``rand`` with the shape (and dtype, device) of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    _need_float(dt, 'check_uniform_bounds')
    return _finish(uniform_array(_gen(generator, dev), input._data.shape, dt), dev, requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """``randn`` with the shape (and dtype, device) of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    _need_float(dt, 'normal_kernel_cpu')
    return _finish(normal_array(_gen(generator, dev), input._data.shape, dt), dev, requires_grad)


def _check_int_arg(v, name, pos, fn):
    if isinstance(v, Tensor) and v.numel() == 1 and v._data.dtype.kind in 'iub':
        return builtins.int(v.item())
    if not isinstance(v, numbers.Integral):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not "
                        f'{type(v).__name__}')
    return builtins.int(v)


def _int_bounds(npdt):
    """Inclusive [min, max] values ``random_`` may produce for a dtype (floats: +-2**mantissa)."""
    if npdt.kind == 'b':
        return 0, 1
    if npdt.kind in 'iu':
        i = np.iinfo(npdt)
        return builtins.int(i.min), builtins.int(i.max)
    m = _MANT.get(npdt, 53)
    return -(1 << m), 1 << m


def _check_range(lo, hi_incl, npdt, fn='random_'):
    """PyTorch's bounds checks for ``[lo, hi_incl]`` in dtype ``npdt``."""
    if lo > hi_incl:
        raise RuntimeError(f"{fn} expects 'from' to be less than 'to', but got from={lo} >= "
                           f'to={hi_incl + 1}')
    if npdt.kind in 'iub':
        mn, mx = _int_bounds(npdt)
        name = _CTYPE[_dtype.from_np(npdt).name]
        if not mn <= lo <= mx:
            raise RuntimeError(f'from is out of bounds for {name}')
        if not mn <= hi_incl <= mx:
            raise RuntimeError(f'to - 1 is out of bounds for {name}')


def _draw_ints(gen, lo, hi_incl, shape, npdt):
    a = integer_array(gen, lo, hi_incl, shape)
    return a if a.dtype == npdt else a.astype(npdt)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None):
    """Integers uniform on [low, high) of the given shape (``torch.randint(low=0, high, size)``);
    int64 unless ``dtype`` is given."""
    args = list(args)
    if size is None and args and not isinstance(args[-1], (numbers.Integral, Tensor)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None and args:
        low = args.pop()
    if args or high is None or size is None:
        if size is None and high is not None and args == [] and isinstance(high, numbers.Integral) \
                and low is not None:
            raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, "
                            'not int')
        raise TypeError('randint() received an invalid combination of arguments - expected '
                        '(int high, tuple of ints size) or (int low, int high, tuple of ints size)')
    if isinstance(size, numbers.Integral):
        raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, not int")
    lo = 0 if low is None else _check_int_arg(low, 'low', 1, 'randint')
    hi = _check_int_arg(high, 'high', 2 if low is not None else 1, 'randint')
    shape = _shape_arg((size,))
    dt = _dtype.to_np(dtype or _dtype.int64)
    _check_range(lo, hi - 1, dt)
    dev = canonical(device)
    return _finish(_draw_ints(_gen(generator, dev), lo, hi - 1, shape, dt), dev, requires_grad,
                   out)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """``randint`` with the shape (and dtype, device) of ``input``: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    lo = _check_int_arg(low, 'low', 2, 'randint_like')
    hi = _check_int_arg(high, 'high', 3, 'randint_like')
    dt, dev = _like_args(input, dtype, device)
    _check_range(lo, hi - 1, dt)
    return _finish(_draw_ints(_gen(generator, dev), lo, hi - 1, input._data.shape, dt), dev,
                   requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of ``0 .. n-1`` (``torch.randperm``); int64 by default."""
    n = _check_int_arg(n, 'n', 1, 'randperm')
    if n < 0:
        raise RuntimeError(f'Trying to create tensor with negative dimension {n}: [{n}]')
    dt = _dtype.to_np(dtype or _dtype.int64)
    if dt.kind in 'iub' and n > 0 and n - 1 > _int_bounds(dt)[1]:
        raise RuntimeError(f'value cannot be converted to type {dt.name}_t without overflow')
    dev = canonical(device)
    g = _gen(generator, dev)
    p = g._src().permutation(n)
    if p.dtype != dt:
        p = p.astype(dt)
    return _finish(p, dev, requires_grad, out)


def _bshape(a, b):
    """The broadcast shape of two shapes, with PyTorch's error."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = builtins.max(len(a), len(b))
        pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in builtins.range(n - 1, -1, -1):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                raise RuntimeError(f'The size of tensor a ({pa[i]}) must match the size of tensor '
                                   f'b ({pb[i]}) at non-singleton dimension {i}') from None
        raise


def _check_std_tensor(s):
    if s.size and builtins.bool((s < 0).any()):
        raise RuntimeError('normal expects all elements of std >= 0.0')


def _check_std(std, what='normal expects std >= 0.0, but found std'):
    if std < 0:
        raise RuntimeError(f'{what} {_num(std)}')


_NORMAL_SIG = ('normal() received an invalid combination of arguments - got ({}), but expected '
               'one of:\n * (Tensor mean, Tensor std, *, torch.Generator generator = None, '
               'Tensor out = None)\n * (Tensor mean, float std = 1, *, torch.Generator generator '
               '= None, Tensor out = None)\n * (float mean, Tensor std, *, torch.Generator '
               'generator = None, Tensor out = None)\n * (float mean, float std, tuple of ints '
               'size, *, torch.Generator generator = None, Tensor out = None, torch.dtype dtype = '
               'None, torch.layout layout = None, torch.device device = None, bool pin_memory = '
               'False, bool requires_grad = False)')


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """Normal samples with the given mean and standard deviation (``torch.normal``).

    Overloads, as in PyTorch: ``normal(Tensor mean, Tensor std)`` (broadcast),
    ``normal(Tensor mean, float std=1)``, ``normal(float mean, Tensor std)`` and
    ``normal(float mean, float std, size)``. The gradient to mean and std is zero, as in PyTorch.
    """
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError(_NORMAL_SIG.format(f'{type(mean).__name__}, {type(std).__name__}'))
        _check_std(std)
        shape = _shape_arg((size,) if not isinstance(size, numbers.Integral) else (size,))
        dt = _dtype.to_np(dtype or _dtype.get_default_dtype())
        _need_float(dt, 'normal_kernel_cpu')
        dev = canonical(device)
        z = normal_array(_gen(generator, dev), shape, dt)
        if std != 1:
            z *= dt.type(std)
        if mean != 0:
            z += dt.type(mean)
        return _finish(z, dev, requires_grad, out)
    if size is not None:
        names = ', '.join('Tensor' if isinstance(v, Tensor) else type(v).__name__
                          for v in (mean, std, size))
        raise TypeError(_NORMAL_SIG.format(names))
    if tm and ts:
        dt = mean._data.dtype          # PyTorch: the output takes mean's dtype
        _need_float(dt, 'normal_kernel_cpu')
        shape = _bshape(mean._data.shape, std._data.shape)
        _check_std_tensor(std._data)
        g = _gen(generator, mean.device)

        def f(xp, m, s):
            return (normal_array(g, shape, dt) * s + m).astype(dt, copy=False)
        r = _NormalTT.apply(mean, std, fn=f)
    elif tm:
        dt = mean._data.dtype
        _need_float(dt, 'normal_kernel_cpu')
        _check_std(std)
        g = _gen(generator, mean.device)

        def f(xp, m):
            z = normal_array(g, m.shape, dt)
            z *= dt.type(std)
            z += m
            return z
        r = _NormalTF.apply(mean, fn=f)
    else:
        dt = std._data.dtype
        _need_float(dt, 'normal_kernel_cpu')
        _check_std_tensor(std._data)
        g = _gen(generator, std.device)

        def f(xp, s):
            z = normal_array(g, s.shape, dt)
            z *= s
            z += dt.type(mean)
            return z
        r = _NormalFT.apply(std, fn=f)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


_P_MSG = ('Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message '
          'be improved?  If so, please report an enhancement request to PyTorch.)')


def _check_p_array(p):
    if p.size and not builtins.bool(((p >= 0) & (p <= 1)).all()):
        raise RuntimeError(_P_MSG)


def _check_p(p, fn='bernoulli_'):
    if not 0 <= p <= 1:
        raise RuntimeError(f'{fn} expects p to be in [0, 1], but got p={_num(p)}')


def _bern(g, shape, p, dt):
    """0/1 samples (dtype ``dt``) that are 1 with probability ``p`` (array or float)."""
    udt = np.float64 if (getattr(p, 'dtype', None) == np.float64 or dt == np.float64) \
        else np.float32
    return (uniform_array(g, shape, udt) < p).astype(dt)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with probability ``input`` (or ``p`` everywhere when given), in
    ``input``'s dtype and shape (``torch.bernoulli``). Gradient: zero."""
    dt = input._data.dtype
    g = _gen(generator, input.device)
    if p is None:
        _need_float(dt, 'bernoulli_tensor_cpu_p_', complex_ok=False)
        _check_p_array(input._data)
        r = _Bernoulli.apply(input, fn=lambda xp, x: _bern(g, x.shape, x, dt))
    else:
        if isinstance(p, Tensor):
            return bernoulli_(empty_like_(input), p, generator=generator)
        _check_p(p)
        r = _Bernoulli.apply(input, fn=lambda xp, x: _bern(g, x.shape, p, dt))
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


def empty_like_(t):
    d = t._data
    return _wrap((np if type(d) is _ndarray else __import__('cupy')).empty(d.shape, d.dtype))


def _check_prob_rows(xp, p):
    ok = xp.isfinite(p) & (p >= 0)
    if p.size and not builtins.bool(ok.all()):
        raise RuntimeError('probability tensor contains either `inf`, `nan` or element < 0')


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``num_samples`` category indices per row drawn with the (unnormalised) probabilities in
    each row of ``input`` (1-D or 2-D), with or without replacement (``torch.multinomial``).

    Without replacement it uses the exponential race (the ``k`` smallest ``E_i / p_i``), which
    draws in the same law as sequential sampling; with replacement, inverse-CDF lookups.
    """
    d = input._data
    if d.ndim not in (1, 2):
        raise RuntimeError('prob_dist must be 1 or 2 dim')
    if not _is_float(d.dtype):
        raise RuntimeError(f'multinomial only supports floating-point dtypes for input, got: '
                           f'{_dt_name(d.dtype)}')
    k = _check_int_arg(num_samples, 'num_samples', 2, 'multinomial')
    if k <= 0:
        raise RuntimeError('cannot sample n_sample <= 0 samples')
    n = d.shape[-1]
    if not replacement and k > n:
        raise RuntimeError('cannot sample n_sample > prob_dist.size(-1) samples without '
                           'replacement')
    xp = np if type(d) is _ndarray else __import__('cupy')
    p = d.reshape(-1, n).astype(np.float64)
    rows = p.shape[0]
    _check_prob_rows(xp, p)
    tot = p.sum(axis=1)
    if rows and builtins.bool((tot <= 0).any()):
        raise RuntimeError('invalid multinomial distribution (sum of probabilities <= 0)')
    g = _gen(generator, input.device)
    if rows == 0:
        idx = xp.zeros((0, k), np.int64)
    elif not replacement:
        e = -xp.log1p(-uniform_array(g, p.shape, np.float64))   # Exp(1), > 0
        with np.errstate(divide='ignore'):
            key = e / p          # p == 0 -> inf: chosen only after every positive category
        if k < n:
            part = xp.argpartition(key, k - 1, axis=1)[:, :k]
            order = xp.argsort(xp.take_along_axis(key, part, 1), axis=1, kind='stable')
            idx = xp.take_along_axis(part, order, 1)
        else:
            idx = xp.argsort(key, axis=1, kind='stable')
        idx = idx.astype(np.int64, copy=False)
    else:
        cdf = xp.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        u = uniform_array(g, (rows, k), np.float64)
        off = xp.arange(rows, dtype=np.float64)[:, None]
        flat = (cdf + off).ravel()
        idx = xp.searchsorted(flat, (u + off).ravel(), side='right').reshape(rows, k)
        idx -= (xp.arange(rows, dtype=np.int64) * n)[:, None]
        # guard rounding at the top: never beyond the last positive category
        last = n - 1 - xp.argmax((p > 0)[:, ::-1], axis=1)
        idx = xp.minimum(idx, last[:, None]).astype(np.int64, copy=False)
    if d.ndim == 1:
        idx = idx.reshape(k)
    r = _wrap(idx)
    if out is not None:
        from .pointwise import _out
        return _out(r, out)
    return r


def poisson(input, generator=None):
    """Poisson samples with rates ``input``, in ``input``'s dtype (``torch.poisson``).
    Gradient: zero."""
    d = input._data
    _need_float(d.dtype, 'poisson_cpu', complex_ok=False)
    if d.size and builtins.bool((d < 0).any()):
        raise RuntimeError('invalid Poisson rate, expected rate to be non-negative')
    g = _gen(generator, input.device)

    def f(xp, lam):
        src = g._src()
        lam64 = lam.astype(np.float64)
        r = src.poisson(lam64, lam.shape) if g._cuda else src.poisson(lam64)
        return xp.asarray(r).astype(lam.dtype)
    return _Poisson.apply(input, fn=f)


# ---------------------------------------------------------------------------- in-place samplers

def _self_gen(self, generator):
    return _gen(generator, self.device)


def _affine(u, scale, shift, dt):
    """``u * scale + shift`` computed in at least float32 and returned in dtype ``dt``."""
    if u.dtype != np.float32 and u.dtype != np.float64:
        u = u.astype(np.float32)
    if scale != 1:
        u *= u.dtype.type(scale)
    if shift != 0:
        u += u.dtype.type(shift)
    return u.astype(dt, copy=False)


def _calc_dt(dt):
    """The dtype continuous draws are made in: the tensor's own, or float32 for 16-bit floats."""
    return dt if dt == np.float64 or dt == np.float32 or dt.kind == 'c' else np.dtype(np.float32)


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
    """Fill ``self`` with samples uniform on [from, to) (``Tensor.uniform_(from=0, to=1)``)."""
    a = kw.pop('from', a)
    b = kw.pop('to', b)
    dt = self._data.dtype
    _need_float(dt, 'check_uniform_bounds')
    if a > b:
        raise RuntimeError('uniform_ expects to return a [from, to) range, but found '
                           f'from={_num(a)} > to={_num(b)}')
    g = _self_gen(self, generator)
    return _fill_(self, _Uniform_,
                  lambda xp, x: _affine(uniform_array(g, x.shape, _calc_dt(dt)), b - a, a, dt))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill ``self`` with normal samples (``Tensor.normal_(mean=0, std=1)``)."""
    dt = self._data.dtype
    _need_float(dt, 'normal_kernel_cpu')
    _check_std(std)
    g = _self_gen(self, generator)
    return _fill_(self, _Normal_,
                  lambda xp, x: _affine(normal_array(g, x.shape, _calc_dt(dt)), std, mean, dt))


def random_(self, *args, generator=None, **kw):
    """Fill ``self`` with integers uniform on [from, to - 1] (``Tensor.random_(from=0, to=None)``).

    ``random_()`` spans the dtype (floats: [0, 2**mantissa]); ``random_(to)`` is [0, to - 1];
    ``random_(from, None)`` runs up to the dtype's maximum.
    """
    if 'from' in kw:
        args = (kw.pop('from'),) + args
    if 'to' in kw:
        args = args + (kw.pop('to'),) if args else (0, kw.pop('to'))
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    dt = self._data.dtype
    mn, mx = _int_bounds(dt)
    if len(args) == 0:
        lo, hi = 0, mx
    elif len(args) == 1:
        lo, hi = 0, _check_int_arg(args[0], 'to', 1, 'random_') - 1
    else:
        lo = _check_int_arg(args[0], 'from', 1, 'random_')
        hi = mx if args[1] is None else _check_int_arg(args[1], 'to', 2, 'random_') - 1
    _check_range(lo, hi, dt)
    g = _self_gen(self, generator)
    return _fill_(self, _Random_, lambda xp, x: _draw_ints(g, lo, hi, x.shape, dt))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill ``self`` with exponential samples of rate ``lambd``."""
    dt = self._data.dtype
    if not _is_float(dt):
        raise RuntimeError('Exponential distribution is a continuous probability distribution. '
                           f'dtype must be a floating point but you specified {_dt_name(dt)}')
    if not lambd > 0:
        raise RuntimeError(f'exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}')
    g = _self_gen(self, generator)

    def f(xp, x):
        u = uniform_array(g, x.shape, _calc_dt(dt))
        e = -xp.log1p(-u)
        return _affine(e, 1.0 / lambd, 0, dt)
    return _fill_(self, _Exponential_, f)


def geometric_(self, p, *, generator=None):
    """Fill ``self`` with geometric samples: trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f'geometric_ expects p to be in (0, 1), but got p={_num(p)}')
    dt = self._data.dtype
    g = _self_gen(self, generator)

    def f(xp, x):
        u = uniform_array(g, x.shape, np.float64)
        k = xp.ceil(xp.log1p(-u) / math.log1p(-p))
        return xp.maximum(k, 1).astype(dt)
    return _fill_(self, _Geometric_, f)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill ``self`` with ``exp(N(mean, std))`` samples."""
    dt = self._data.dtype
    _need_float(dt, 'log_normal_cpu', complex_ok=False)
    if not std > 0:
        raise RuntimeError(f'log_normal_ expects std > 0.0, but found std={_num(std)}')
    g = _self_gen(self, generator)

    def f(xp, x):
        z = _affine(normal_array(g, x.shape, _calc_dt(dt)), std, mean, _calc_dt(dt))
        return xp.exp(z).astype(dt, copy=False)
    return _fill_(self, _LogNormal_, f)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill ``self`` with Cauchy samples ``median + sigma * tan(pi * (u - 1/2))``."""
    dt = self._data.dtype
    if not _is_float(dt):
        raise RuntimeError('Cauchy distribution is a continuous probability distribution. dtype '
                           f'must be a floating point but you specified {_CTYPE_LONG[dt.name]}')
    if not sigma > 0:
        raise RuntimeError(f'cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}')
    g = _self_gen(self, generator)

    def f(xp, x):
        cd = _calc_dt(dt)
        u = uniform_array(g, x.shape, cd)
        c = xp.tan(cd.type(math.pi) * (u - cd.type(0.5)))
        return _affine(c, sigma, median, dt)
    return _fill_(self, _Cauchy_, f)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill ``self`` with 0/1 samples that are 1 with probability ``p`` (float, or a tensor
    broadcastable to ``self``)."""
    dt = self._data.dtype
    g = _self_gen(self, generator)
    if isinstance(p, Tensor):
        pd = p._data
        if pd.shape != self._data.shape:
            try:
                bs = np.broadcast_shapes(pd.shape, self._data.shape)
            except ValueError:
                bs = None
            if bs != self._data.shape:
                _expand_error(self._data.shape, pd.shape)
        _check_p_array(pd)
        pdt = pd.dtype if _is_float(pd.dtype) else np.dtype(np.float64)
        if pdt != np.float64 and pdt != np.float32:
            pdt = np.dtype(np.float32)
        pv = pd.astype(pdt, copy=False)
        return _fill_(self, _Bernoulli_,
                      lambda xp, x: (uniform_array(g, x.shape, pdt) < pv).astype(dt))
    _check_p(p)
    return _fill_(self, _Bernoulli_, lambda xp, x: _bern(g, x.shape, p, dt))


def _expand_error(target, shape):
    n = len(target)
    ps = (1,) * (n - len(shape)) + tuple(shape)
    for i in builtins.range(n - 1, -1, -1):
        if ps[i] != target[i] and ps[i] != 1:
            raise RuntimeError(f'The expanded size of the tensor ({target[i]}) must match the '
                               f'existing size ({ps[i]}) at non-singleton dimension {i}.  Target '
                               f'sizes: {list(target)}.  Tensor sizes: {list(shape)}')
    raise RuntimeError(f'expand: the number of sizes provided ({n}) must be greater or equal to '
                       f'the number of dimensions in the tensor ({len(shape)})')


def _bernoulli_method(self, *args, generator=None, **kw):
    if 'p' in kw:
        args = (kw.pop('p'),) + args
    return bernoulli(self, *args, generator=generator)


bind({
    'uniform_': uniform_, 'normal_': normal_, 'random_': random_, 'exponential_': exponential_,
    'geometric_': geometric_, 'log_normal_': log_normal_, 'cauchy_': cauchy_,
    'bernoulli_': bernoulli_, 'bernoulli': _bernoulli_method, 'multinomial': multinomial,
})
