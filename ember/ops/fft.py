"""Discrete Fourier transforms (``torch.fft``): the ops behind ``ember.fft``.

Three primitives do the transforms, as PyTorch's ``_fft_c2c``, ``_fft_r2c`` and ``_fft_c2r``:
forward through ``xp.fft`` (NumPy or CuPy), backward the adjoint transform written with these
same primitives (so double backward works). Gradients follow PyTorch: a linear map's gradient
is its adjoint applied to the incoming gradient (the conjugate Wirtinger convention); r2c takes
the real part of the adjoint, c2r weights the non-self-conjugate bins of its one-sided input by 2.
``n``/``s`` padding and trimming is its own differentiable step (``FftResize``).
"""
import builtins
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._util import Primitive, float_input, wrap_dim, _tname
from .pointwise import _out
from .extra import real as _real, conj_physical as _conj
from .shape import roll as _roll

__all__ = ['fft', 'ifft', 'rfft', 'irfft', 'fft2', 'ifft2', 'rfft2', 'irfft2', 'fftn', 'ifftn',
           'rfftn', 'irfftn', 'hfft', 'ihfft', 'hfft2', 'ihfft2', 'hfftn', 'ihfftn', 'fftfreq',
           'rfftfreq', 'fftshift', 'ifftshift']

_NORMS = ('backward', 'ortho', 'forward')
# the adjoint of a transform with one normalization is the opposite transform with this one
_SWAP = {'backward': 'forward', 'forward': 'backward', 'ortho': 'ortho'}
_R2C = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_C2R = {v: k for k, v in _R2C.items()}


# ---------------------------------------------------------------------------- primitives


class FftC2C(Primitive):
    """Complex-to-complex transform over ``dims`` (forward or inverse)."""
    _name = 'FftC2CBackward0'

    def forward(ctx, xp, x, dims=(), norm='backward', forward=True):
        ctx.dims, ctx.norm, ctx.fwd = dims, norm, forward
        if not dims:
            return x.copy()
        f = xp.fft.fftn if forward else xp.fft.ifftn
        return f(x, axes=dims, norm=norm).astype(x.dtype, copy=False)

    def backward(ctx, g):
        return FftC2C.apply(g, dims=ctx.dims, norm=_SWAP[ctx.norm], forward=not ctx.fwd)


class FftR2C(Primitive):
    """Real-to-complex forward transform over ``dims``; ``onesided`` keeps the
    ``n // 2 + 1`` non-redundant bins of the last of ``dims`` (rfft)."""
    _name = 'FftR2CBackward0'

    def forward(ctx, xp, x, dims=(), norm='backward', onesided=True):
        ctx.dims, ctx.norm, ctx.onesided = dims, norm, onesided
        ct = _R2C[np.dtype(x.dtype)]
        if not dims:
            return x.astype(ct)
        ctx.n = x.shape[dims[-1]]
        f = xp.fft.rfftn if onesided else xp.fft.fftn
        return f(x, axes=dims, norm=norm).astype(ct, copy=False)

    def backward(ctx, g):
        dims = ctx.dims
        if not dims:
            return _real(g).contiguous()
        if ctx.onesided:        # the dropped bins get zero gradient
            g = FftResize.apply(g, dims=(dims[-1],), sizes=(ctx.n,))
        return _real(FftC2C.apply(g, dims=dims, norm=_SWAP[ctx.norm], forward=False)).contiguous()


class FftC2R(Primitive):
    """Complex-to-real inverse transform over ``dims`` of a one-sided (Hermitian) input whose
    last transformed dim has ``n // 2 + 1`` entries; ``n`` is the output length there."""
    _name = 'FftC2RBackward0'

    def forward(ctx, xp, x, dims=(), norm='backward', n=1):
        ctx.dims, ctx.norm, ctx.n = dims, norm, n
        s = [x.shape[d] for d in dims[:-1]] + [n]
        return xp.fft.irfftn(x, s=s, axes=dims, norm=norm).astype(_C2R[np.dtype(x.dtype)],
                                                                   copy=False)

    def backward(ctx, g):
        dims, n = ctx.dims, ctx.n
        gi = FftR2C.apply(g, dims=dims, norm=_SWAP[ctx.norm], onesided=True)
        half = n // 2 + 1
        twice = n - half        # bins 1..twice stand for themselves and their mirror images
        if twice > 0:
            gd = gi._data
            xp = np if type(gd) is np.ndarray else __import__('cupy')
            shape = [1] * gd.ndim
            shape[dims[-1]] = half
            w = xp.ones(half, _C2R[np.dtype(gd.dtype)])
            w[1:1 + twice] = 2
            gi = gi * _wrap(w.reshape(shape))
        return gi


class FftResize(Primitive):
    """Zero-pad or trim ``dims`` to ``sizes`` (from the start), as ``n``/``s`` do."""
    _name = 'FftResizeBackward0'

    def forward(ctx, xp, x, dims=(), sizes=()):
        old = tuple(x.shape[d] for d in dims)
        ctx.dims, ctx.old = dims, old
        shape = list(x.shape)
        src = [slice(None)] * x.ndim
        for d, s in zip(dims, sizes):
            shape[d] = s
            src[d] = slice(0, builtins.min(s, x.shape[d]))
        src = tuple(src)
        if all(s <= o for s, o in zip(sizes, old)):
            return x[src].copy()
        out = xp.zeros(shape, x.dtype)
        out[src] = x[src]
        return out

    def backward(ctx, g):
        return FftResize.apply(g, dims=ctx.dims, sizes=ctx.old)


class ToComplex(Primitive):
    """A real tensor as complex (zero imaginary part); its gradient is the real part."""
    _name = 'ToCopyBackward0'

    def forward(ctx, xp, x):
        return x.astype(_R2C[np.dtype(x.dtype)])

    def backward(ctx, g):
        return _real(g).contiguous()


# ---------------------------------------------------------------------------- argument handling


def _norm(norm):
    if norm is None:
        return 'backward'
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _input(x, fn):
    """``x`` as a floating/complex tensor (integers promote to the default float dtype)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f'{type(x).__name__}')
    k = x._data.dtype.kind
    if k in 'biu':
        return float_input(x)
    if x.dtype in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f'Unsupported dtype {_tname(x.dtype)}')
    return x


def _complex(x):
    return x if x.is_complex() else ToComplex.apply(x)


def _real_only(x, fn):
    if x.is_complex():
        if fn == 'ihfftn':
            raise RuntimeError('Only supports floating-point dtypes, but found: '
                               f'{_tname(x.dtype)}')
        kind = 'real-valued' if fn == 'rfftn' else 'real'
        raise RuntimeError(f'{fn} expects a {kind} input tensor, but got {_tname(x.dtype)}')


def _check_n(n):
    if n < 1:
        raise RuntimeError(f'Invalid number of data points ({n}) specified')


def _dim1(x, n, dim, fn):
    """The (dims, sizes) of a 1-D transform: ``n`` (None or int) along ``dim`` (an int)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"fft_{fn}(): argument 'dim' must be int, not {type(dim).__name__}")
    d = wrap_dim(int(dim), x.ndim)
    if n is not None:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"fft_{fn}(): argument 'n' must be int, not {type(n).__name__}")
        n = int(n)
        _check_n(n)
    return (d,), (n,)


def _dimn(x, s, dim):
    """PyTorch's canonical (dims, sizes) of an n-D transform; a size None keeps the input's."""
    ndim = x.ndim
    if isinstance(s, numbers.Integral):
        s = (s,)
    if isinstance(dim, numbers.Integral):
        dim = (dim,)
    if s is not None:
        s = [int(v) for v in s]
    if dim is not None:
        dims = [wrap_dim(int(d), ndim) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError('FFT dims must be unique')
        if s is not None and len(s) != len(dims):
            raise RuntimeError('When given, dim and shape arguments must have the same length')
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(f'Got shape with {len(s)} values but input tensor only has {ndim} '
                               'dimensions.')
        dims = list(range(ndim - len(s), ndim))
    else:
        dims = list(range(ndim))
    sizes = [None] * len(dims)
    if s is not None:
        for i, v in enumerate(s):
            if v != -1:
                _check_n(v)
                sizes[i] = v
    return tuple(dims), tuple(sizes)


def _resize(x, dims, sizes):
    """``x`` padded/trimmed along ``dims`` to ``sizes`` (None: as is); no-op when unchanged."""
    shape = x._data.shape
    todo = [(d, s) for d, s in zip(dims, sizes) if s is not None and s != shape[d]]
    if not todo:
        return x
    return FftResize.apply(x, dims=tuple(d for d, _ in todo), sizes=tuple(s for _, s in todo))


def _fft_out(r, out, fn):
    if out is None:
        return r
    if r.is_complex() and not out.is_complex():
        raise RuntimeError(f'{fn} expects a complex output tensor, but got {_tname(out.dtype)}')
    if not r.is_complex() and out.is_complex():
        raise RuntimeError(f'{fn} expects a floating point output tensor, but got '
                           f'{_tname(out.dtype)}')
    return _out(r, out)


# ---------------------------------------------------------------------------- transforms


def _c2c(x, dims, sizes, norm, forward, fn):
    """fft/ifft/fftn/ifftn: complex output; a real input goes through r2c (two-sided)."""
    x = _resize(x, dims, sizes)
    norm = _norm(norm)
    if x.is_complex():
        return FftC2C.apply(x, dims=dims, norm=norm, forward=forward)
    if forward:
        return FftR2C.apply(x, dims=dims, norm=norm, onesided=False)
    # ifft of a real signal = conj(fft(x)) scaled as the inverse: r2c with the swapped norm
    return _conj(FftR2C.apply(x, dims=dims, norm=_SWAP[norm], onesided=False))


def _r2c(x, dims, sizes, norm, fn):
    _real_only(x, fn)
    if not dims:
        raise RuntimeError(f'{fn} must transform at least one axis')
    x = _resize(x, dims, sizes)
    return FftR2C.apply(x, dims=dims, norm=_norm(norm), onesided=True)


def _c2r(x, dims, sizes, norm, fn):
    """irfft/irfftn: the last of ``dims`` gives ``n`` (default ``2 * (m - 1)``) outputs."""
    if not dims:
        raise RuntimeError(f'{fn} must transform at least one axis')
    n = sizes[-1] if sizes[-1] is not None else 2 * (x._data.shape[dims[-1]] - 1)
    _check_n(n)
    x = _resize(_complex(x), dims, sizes[:-1] + (n // 2 + 1,))
    return FftC2R.apply(x, dims=dims, norm=_norm(norm), n=n)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """One-dimensional discrete Fourier transform along ``dim`` (``torch.fft.fft``).

    Args:
        n: signal length: the input is zero-padded or trimmed to it along ``dim``.
        dim: the dimension to transform.
        norm: ``'backward'`` (no scaling), ``'ortho'`` (``1/sqrt(n)``) or ``'forward'`` (``1/n``).
    Real inputs give complex outputs (float32 -> complex64, float64 -> complex128).
    """
    x = _input(input, 'fft')
    dims, sizes = _dim1(x, n, dim, 'fft')
    return _fft_out(_c2c(x, dims, sizes, norm, True, 'fft'), out, 'fft')


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of ``fft`` (``norm='backward'`` scales by ``1/n``)."""
    x = _input(input, 'ifft')
    dims, sizes = _dim1(x, n, dim, 'ifft')
    return _fft_out(_c2c(x, dims, sizes, norm, False, 'ifft'), out, 'ifft')


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional FFT over ``dim`` (all dims, or the last ``len(s)``, by default).

    Args:
        s: signal sizes per transformed dim (-1 keeps the input's size).
        dim: the dimensions to transform.
        norm: as ``fft``, with ``n`` the product of the signal sizes.
    """
    x = _input(input, 'fftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2c(x, dims, sizes, norm, True, 'fftn'), out, 'fftn')


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of ``fftn``."""
    x = _input(input, 'ifftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2c(x, dims, sizes, norm, False, 'ifftn'), out, 'ifftn')


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional FFT: ``fftn`` over the last two dims by default."""
    x = _input(input, 'fft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2c(x, dims, sizes, norm, True, 'fft2'), out, 'fft2')


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Inverse of ``fft2``."""
    x = _input(input, 'ifft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2c(x, dims, sizes, norm, False, 'ifft2'), out, 'ifft2')


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """FFT of a real signal, keeping the ``n // 2 + 1`` non-negative frequencies.

    Args: as ``fft``; complex inputs raise RuntimeError as in PyTorch.
    """
    x = _input(input, 'rfft')
    dims, sizes = _dim1(x, n, dim, 'rfft')
    return _fft_out(_r2c(x, dims, sizes, norm, 'rfft'), out, 'rfft')


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of ``rfft``: a real signal of length ``n`` (default ``2 * (m - 1)``) from its
    one-sided spectrum (the imaginary parts of the zero and Nyquist bins are ignored)."""
    x = _input(input, 'irfft')
    dims, sizes = _dim1(x, n, dim, 'irfft')
    return _fft_out(_c2r(x, dims, sizes, norm, 'irfft'), out, 'irfft')


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional FFT of a real signal, one-sided along the last transformed dim."""
    x = _input(input, 'rfftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_r2c(x, dims, sizes, norm, 'rfftn'), out, 'rfftn')


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of ``rfftn`` (the last transformed dim defaults to ``2 * (m - 1)`` outputs)."""
    x = _input(input, 'irfftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2r(x, dims, sizes, norm, 'irfftn'), out, 'irfftn')


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """``rfftn`` over the last two dims by default."""
    x = _input(input, 'rfft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_r2c(x, dims, sizes, norm, 'rfftn'), out, 'rfft2')


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """``irfftn`` over the last two dims by default."""
    x = _input(input, 'irfft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_c2r(x, dims, sizes, norm, 'irfftn'), out, 'irfft2')


def _hfft(x, dims, sizes, norm, fn):
    # the FFT of a Hermitian signal given by its one-sided half: irfft of the conjugate,
    # scaled as a forward transform
    return _c2r(_conj(_complex(x)), dims, sizes, _SWAP[_norm(norm)], fn)


def _ihfft(x, dims, sizes, norm, fn):
    _real_only(x, fn)
    return _conj(_r2c(x, dims, sizes, _SWAP[_norm(norm)], fn))


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """FFT of a Hermitian-symmetric signal given by its one-sided half: a real output of
    length ``n`` (default ``2 * (m - 1)``); the inverse of ``ihfft``."""
    x = _input(input, 'hfft')
    dims, sizes = _dim1(x, n, dim, 'hfft')
    return _fft_out(_hfft(x, dims, sizes, norm, 'hfft'), out, 'hfft')


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of ``hfft``: the one-sided inverse FFT of a real signal (``conj(rfft) / n``)."""
    x = _input(input, 'ihfft')
    dims, sizes = _dim1(x, n, dim, 'ihfft')
    return _fft_out(_ihfft(x, dims, sizes, norm, 'ihfft'), out, 'ihfft')


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional ``hfft``: one-sided (Hermitian) along the last transformed dim."""
    x = _input(input, 'hfftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_hfft(x, dims, sizes, norm, 'hfftn'), out, 'hfftn')


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional ``ihfft``, the inverse of ``hfftn``."""
    x = _input(input, 'ihfftn')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_ihfft(x, dims, sizes, norm, 'ihfftn'), out, 'ihfftn')


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """``hfftn`` over the last two dims by default."""
    x = _input(input, 'hfft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_hfft(x, dims, sizes, norm, 'hfftn'), out, 'hfft2')


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """``ihfftn`` over the last two dims by default."""
    x = _input(input, 'ihfft2')
    dims, sizes = _dimn(x, s, dim)
    return _fft_out(_ihfft(x, dims, sizes, norm, 'ihfftn'), out, 'ihfft2')


# ---------------------------------------------------------------------------- helpers


def _freq(n, d, k, dtype, device, requires_grad, out, fn):
    from .creation import arange
    dt = dtype or _dtype.get_default_dtype()
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f'{fn} requires a floating point or complex dtype')
    if dt.is_complex:       # PyTorch builds it with arange, which has no complex kernel
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{_tname(dt)}\'')
    r = arange(k, dtype=dt, device=device)
    a = r._data
    if k:
        if fn == 'fftfreq':
            a[(n + 1) // 2:] -= n
        a *= a.dtype.type(1.0 / (n * d))
    if out is not None:
        return _out(r, out)
    if requires_grad:
        r.requires_grad_(True)
    return r


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point ``fft``: ``[0, 1, ..., -2, -1] / (d * n)``.

    Args:
        n: the signal length.
        d: the sample spacing (``1 / sampling rate``).
    """
    return _freq(n, d, n, dtype, device, requires_grad, out, 'fftfreq')


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point ``rfft``: ``[0, 1, ..., n // 2] / (d * n)``."""
    return _freq(n, d, n // 2 + 1, dtype, device, requires_grad, out, 'rfftfreq')


def _shift(input, dim, inverse):
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{'i' if inverse else ''}fftshift(): argument 'input' (position 1) "
                        f'must be Tensor, not {type(input).__name__}')
    shape = input._data.shape
    if dim is None:
        dims = list(range(len(shape)))
    elif isinstance(dim, numbers.Integral):
        dims = [wrap_dim(int(dim), len(shape))]
    else:
        dims = [wrap_dim(int(d), len(shape)) for d in dim]
    if not dims:
        return input.clone()
    shifts = [(shape[d] + 1) // 2 if inverse else shape[d] // 2 for d in dims]
    return _roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero-frequency bin to the centre: roll each dim by ``n // 2`` (all dims by
    default)."""
    return _shift(input, dim, False)


def ifftshift(input, dim=None):
    """Inverse of ``fftshift``: roll each dim by ``-(n // 2)``."""
    return _shift(input, dim, True)
