"""``ember.fft`` against ``torch.fft``: values, dtypes, shapes, gradients (real and complex
inputs), norm modes, odd/even lengths, ``n``/``s`` padding and trimming, ``out=``, errors, and
finite differences / double backward in float64."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, fd_check, needs_torch, to_np, torch

pytestmark = needs_torch

ONE_D = ['fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft']
N_D = ['fft2', 'ifft2', 'rfft2', 'irfft2', 'fftn', 'ifftn', 'rfftn', 'irfftn', 'hfft2', 'ihfft2',
       'hfftn', 'ihfftn']
REAL_ONLY = {'rfft', 'ihfft', 'rfft2', 'ihfft2', 'rfftn', 'ihfftn'}
NORMS = [None, 'backward', 'ortho', 'forward']


def rnd(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == 'c':
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def resolved(t):
    return t.resolve_conj() if isinstance(t, torch.Tensor) and t.is_conj() else t


def check(fn, x, device='cpu', grad=True, rtol=None, atol=None, grtol=None, gatol=None):
    """Run ``fn(lib, t)`` on ember and torch: values, dtype, shape, and (``grad``) the
    gradient of a real loss (``view_as_real`` of complex outputs times fixed weights)."""
    e = ember.tensor(x, device=device, requires_grad=grad)
    t = torch.tensor(x, requires_grad=grad)
    eo, to = fn(ember, e), resolved(fn(torch, t))
    low = np.dtype(x.dtype) in (np.float32, np.complex64)
    tol = (1e-4, 1e-4) if low else (1e-10, 1e-10)
    assert_same(eo, to, rtol or tol[0], atol or tol[1])
    if not grad:
        return
    w = np.random.RandomState(7).standard_normal(tuple(to.shape) + ((2,) if to.is_complex() else ()))
    w = w.astype(np.float32 if low else np.float64)
    er = ember.view_as_real(eo) if eo.is_complex() else eo
    tr = torch.view_as_real(to) if to.is_complex() else to
    (er * ember.tensor(w, device=device)).sum().backward()
    (tr * torch.tensor(w)).sum().backward()
    assert_same(e.grad, resolved(t.grad), grtol or rtol or tol[0] * 10, gatol or atol or tol[1] * 10)


# ---------------------------------------------------------------------------- values + gradients


@pytest.mark.parametrize('name', ONE_D)
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize('norm', NORMS)
def test_one_dim_transforms(name, dtype, norm, device):
    if name in REAL_ONLY and np.dtype(dtype).kind == 'c':
        pytest.skip('real inputs only')
    x = rnd((3, 8), dtype)
    for n in (None, 8, 5, 11, 1 if name not in ('irfft', 'hfft') else 2):
        check(lambda L, t: getattr(L.fft, name)(t, n=n, norm=norm), x, device)


@pytest.mark.parametrize('name', ONE_D)
def test_one_dim_odd_lengths_and_dims(name, device):
    x = rnd((5, 7, 3), np.float64, seed=1)
    for dim in (0, 1, -1, -2):
        check(lambda L, t: getattr(L.fft, name)(t, dim=dim), x, device)
        check(lambda L, t: getattr(L.fft, name)(t, n=6, dim=dim, norm='ortho'), x, device)


@pytest.mark.parametrize('name', N_D)
@pytest.mark.parametrize('dtype', [np.float32, np.complex128])
@pytest.mark.parametrize('norm', [None, 'ortho', 'forward'])
def test_multi_dim_transforms(name, dtype, norm, device):
    if name in REAL_ONLY and np.dtype(dtype).kind == 'c':
        pytest.skip('real inputs only')
    x = rnd((2, 5, 6), dtype, seed=2)
    nd = not name.endswith('2')
    cases = [{}, {'s': (4, 7)}, {'s': (6, -1)}, {'dim': (0, 2)}, {'dim': (2, 0), 's': (3, 4)}]
    if nd:
        cases += [{'s': (3,)}, {'dim': 1}, {'s': (2, 3, 4)}, {'dim': (1, 0, 2), 's': (3, -1, 5)}]
    for kw in cases:
        check(lambda L, t: getattr(L.fft, name)(t, norm=norm, **kw), x, device)


def test_real_input_to_complex_transforms_and_promotion(device):
    x = np.arange(6).reshape(2, 3)
    for name in ('fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft', 'fftn', 'irfftn', 'rfft2'):
        check(lambda L, t: getattr(L.fft, name)(t), x, device, grad=False)
        check(lambda L, t: getattr(L.fft, name)(t), x.astype(bool), device, grad=False)
    with _dd():
        torch.set_default_dtype(torch.float64)
        try:
            check(lambda L, t: L.fft.fft(t), x, device, grad=False)
        finally:
            torch.set_default_dtype(torch.float32)


class _dd:
    def __enter__(self):
        self.old = ember.get_default_dtype()
        ember.set_default_dtype(ember.float64)

    def __exit__(self, *a):
        ember.set_default_dtype(self.old)


def test_zero_dim_and_empty_dims(device):
    x = np.array(1.5, np.float32)
    check(lambda L, t: L.fft.fftn(t), x, device)
    check(lambda L, t: L.fft.ifftn(t), x.astype(np.complex64), device)


def test_roundtrips(device):
    x = rnd((4, 9), np.float64, seed=3)
    e = ember.tensor(x, device=device)
    for norm in NORMS:
        np.testing.assert_allclose(to_np(ember.fft.irfft(ember.fft.rfft(e, norm=norm), n=9,
                                                         norm=norm)), x, atol=1e-12)
        np.testing.assert_allclose(to_np(ember.fft.ifft(ember.fft.fft(e, norm=norm),
                                                        norm=norm)).real, x, atol=1e-12)
        np.testing.assert_allclose(to_np(ember.fft.hfft(ember.fft.ihfft(e, norm=norm), n=9,
                                                        norm=norm)), x, atol=1e-12)
        np.testing.assert_allclose(to_np(ember.fft.irfftn(ember.fft.rfftn(e, norm=norm),
                                                          s=x.shape, norm=norm)), x, atol=1e-12)


# ---------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize('fn', [
    lambda x: ember.view_as_real(ember.fft.fft(x, n=7)),
    lambda x: ember.view_as_real(ember.fft.ifft(x, norm='ortho')),
    lambda x: ember.view_as_real(ember.fft.rfft(x, n=5)),
    lambda x: ember.view_as_real(ember.fft.ihfft(x, norm='forward')),
    lambda x: ember.view_as_real(ember.fft.rfftn(x, s=(3, 4))),
    lambda x: ember.fft.irfft(x),
    lambda x: ember.fft.irfft(x, n=7),
    lambda x: ember.fft.hfft(x, n=5, norm='ortho'),
    lambda x: ember.fft.irfftn(x, s=(2, 6)),
], ids=['fft', 'ifft', 'rfft', 'ihfft', 'rfftn', 'irfft', 'irfft_odd', 'hfft', 'irfftn'])
def test_finite_differences_real_input(fn, device):
    fd_check(fn, rnd((3, 6), np.float64, seed=4), device=device, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('fn', [
    lambda z: ember.fft.fft(z),
    lambda z: ember.fft.ifftn(z, s=(2, 5)),
    lambda z: ember.fft.irfft(z, n=8),
    lambda z: ember.fft.irfft(z, n=7),
    lambda z: ember.fft.hfft(z),
], ids=['fft', 'ifftn', 'irfft_even', 'irfft_odd', 'hfft'])
def test_finite_differences_complex_input(fn, device):
    """Complex inputs parametrised by their (real, imag) pairs: checks the conjugate-Wirtinger
    gradient convention against finite differences."""
    def f(xr):
        out = fn(ember.view_as_complex(xr))
        return ember.view_as_real(out) if out.is_complex() else out
    fd_check(f, rnd((3, 5, 2), np.float64, seed=5), device=device, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name,kw,dtype', [
    ('fft', {}, np.float64), ('fft', {'n': 5}, np.complex128), ('rfft', {}, np.float64),
    ('irfft', {'n': 7}, np.complex128), ('hfft', {}, np.complex128), ('ihfft', {}, np.float64),
    ('rfftn', {'s': (3, 4)}, np.float64)])
def test_double_backward(name, kw, dtype, device):
    x = rnd((3, 6), dtype, seed=6)

    def run(L, t):
        y = getattr(L.fft, name)(t, **kw).resolve_conj()
        y = L.view_as_real(y) if y.is_complex() else y
        w = L.tensor(np.random.RandomState(2).standard_normal(tuple(y.shape)))
        if L is ember:
            w = w.to(device)
        loss = (y * y * w).sum()
        g, = L.autograd.grad(loss, t, create_graph=True)
        g = g.resolve_conj()
        gr = L.view_as_real(g) if g.is_complex() else g
        gg, = L.autograd.grad((gr * gr).sum(), t)
        return g, gg

    e = ember.tensor(x, device=device, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (eg, egg), (tg, tgg) = run(ember, e), run(torch, t)
    assert_same(eg, resolved(tg), 1e-9, 1e-9)
    assert_same(egg, resolved(tgg), 1e-9, 1e-9)


# ---------------------------------------------------------------------------- out=


def test_out(device):
    x = rnd((2, 6), np.float32)
    e = ember.tensor(x, device=device)
    out = ember.empty(2, 6, dtype=ember.complex64, device=device)
    r = ember.fft.fft(e, out=out)
    assert r is out
    assert_same(out, torch.fft.fft(torch.tensor(x)))
    out = ember.empty(2, 4, dtype=ember.complex128, device=device)
    ember.fft.rfft(e, out=out)
    assert_same(out, torch.fft.rfft(torch.tensor(x)).to(torch.complex128))
    out = ember.empty(2, 10, device=device)
    ember.fft.irfft(e.to(ember.complex64), out=out)
    assert_same(out, torch.fft.irfft(torch.tensor(x).to(torch.complex64)))
    out = ember.empty(0, dtype=ember.complex64, device=device)
    ember.fft.fft2(e, out=out)          # a zero-element out is resized silently
    assert_same(out, torch.fft.fft2(torch.tensor(x)))
    with pytest.raises(RuntimeError, match='expects a complex output tensor'):
        ember.fft.fft(e, out=ember.empty(2, 6, device=device))
    with pytest.raises(RuntimeError):
        torch.fft.fft(torch.tensor(x), out=torch.empty(2, 6))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ember.fft.fft(e.requires_grad_(), out=ember.empty(2, 6, dtype=ember.complex64,
                                                          device=device))


# ---------------------------------------------------------------------------- errors


def _same_error(fn, device='cpu', x=None):
    x = rnd((4, 6), np.float32) if x is None else x
    with pytest.raises(Exception) as te:
        fn(torch, torch.tensor(x))
    with pytest.raises(Exception) as ee:
        fn(ember, ember.tensor(x, device=device))
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    return str(ee.value), str(te.value)


@pytest.mark.parametrize('fn', [
    lambda L, t: L.fft.fft(t, norm='foo'),
    lambda L, t: L.fft.fftn(t, norm='BACKWARD'),
    lambda L, t: L.fft.fft(t, n=0),
    lambda L, t: L.fft.rfft(t, n=-1),
    lambda L, t: L.fft.fft(t, dim=2),
    lambda L, t: L.fft.fft(t, dim=(0,)),
    lambda L, t: L.fft.fftn(t, s=(2, 3), dim=(0,)),
    lambda L, t: L.fft.fftn(t, dim=(0, -2)),
    lambda L, t: L.fft.fftn(t, s=(2, 3, 4)),
    lambda L, t: L.fft.fftn(t, s=(0, 3)),
    lambda L, t: L.fft.fft2(t[0]),
    lambda L, t: L.fft.irfft(t[:, :1]),
    lambda L, t: L.fft.hfft(t[:, :1]),
    lambda L, t: L.fft.rfft(t.to(L.complex64)),
    lambda L, t: L.fft.rfftn(t.to(L.complex64)),
    lambda L, t: L.fft.ihfft(t.to(L.complex128)),
    lambda L, t: L.fft.ihfftn(t.to(L.complex128)),
    lambda L, t: L.fft.rfft2(t.to(L.complex128)),
    lambda L, t: L.fft.fft(t.to(L.float16)),
    lambda L, t: L.fft.rfft(t.to(L.float16)),
    lambda L, t: L.fft.fft([1.0, 2.0]),
])
def test_errors_match_torch(fn, device):
    e, t = _same_error(fn, device)
    if any(k in t for k in ('Invalid', 'expects a real', 'Unsupported', 'unique', 'same length',
                            'Only supports', 'Dimension out of range')):
        assert e == t


def test_zero_dim_errors(device):
    _same_error(lambda L, t: L.fft.fft(t), device, np.array(1.0, np.float32))
    _same_error(lambda L, t: L.fft.rfft(t), device, np.array(1.0, np.float32))


def test_missing_name_raises_not_implemented():
    with pytest.raises(NotImplementedError, match='torch.fft.no_such_fn'):
        ember.fft.no_such_fn
    assert not hasattr(ember.fft, 'no_such_fn')


# ---------------------------------------------------------------------------- helpers


@pytest.mark.parametrize('n', [1, 4, 5, 8, 9])
@pytest.mark.parametrize('d', [1.0, 0.1, 3])
def test_fftfreq(n, d, device):
    for dtype in (None, 'float64'):
        kw = {} if dtype is None else {'dtype': getattr(ember, dtype)}
        tkw = {} if dtype is None else {'dtype': getattr(torch, dtype)}
        assert_same(ember.fft.fftfreq(n, d, device=device, **kw), torch.fft.fftfreq(n, d, **tkw))
        assert_same(ember.fft.rfftfreq(n, d, device=device, **kw), torch.fft.rfftfreq(n, d, **tkw))


def test_fftfreq_options(device):
    r = ember.fft.fftfreq(4, requires_grad=True, device=device)
    assert r.requires_grad and r.is_leaf
    assert_same(ember.fft.fftfreq(0, device=device), torch.fft.fftfreq(0))
    with pytest.raises(RuntimeError, match='floating point or complex'):
        ember.fft.fftfreq(5, dtype=ember.int64)
    with pytest.raises(RuntimeError):
        torch.fft.fftfreq(5, dtype=torch.int64)
    with pytest.raises(NotImplementedError):        # torch's arange has no complex kernel
        torch.fft.fftfreq(5, dtype=torch.complex64)
    with pytest.raises(NotImplementedError):
        ember.fft.fftfreq(5, dtype=ember.complex64)
    out = ember.empty(5, device=device)
    assert ember.fft.fftfreq(5, 2.0, out=out) is out
    assert_same(out, torch.fft.fftfreq(5, 2.0))


@pytest.mark.parametrize('name', ['fftshift', 'ifftshift'])
def test_fftshift(name, device):
    x = rnd((4, 5, 3), np.float64)
    for dim in (None, 0, 1, -1, (0, 2), (1,)):
        check(lambda L, t: getattr(L.fft, name)(t, dim=dim), x, device)
    check(lambda L, t: getattr(L.fft, name)(t), np.arange(7), device, grad=False)
    y = ember.fft.ifftshift(ember.fft.fftshift(ember.tensor(x, device=device)))
    np.testing.assert_array_equal(to_np(y), x)
    check(lambda L, t: L.fft.fftshift(L.fft.fftfreq(7)) + t, np.zeros(7, np.float32), device)


# ---------------------------------------------------------------------------- the launcher


def test_launcher_resolves_torch_fft_and_special(tmp_path):
    script = tmp_path / 'prog.py'
    script.write_text('import torch\n'
                      'import torch.fft\n'
                      'import torch.special as sp\n'
                      'from torch import special\n'
                      'from torch.fft import rfft, irfft\n'
                      'x = torch.arange(8.0)\n'
                      'print(torch.fft.__name__, special.__name__, sp is special)\n'
                      'print(irfft(rfft(x), n=8).allclose(x), torch.fft.fft(x).dtype)\n'
                      'print(round(special.expit(torch.tensor(0.0)).item(), 3))\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))] +
        [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    r = subprocess.run([sys.executable, '-m', 'ember.run', str(script)], capture_output=True,
                       text=True, timeout=120, cwd=str(tmp_path), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ['ember.fft ember.special True', 'True torch.complex64', '0.5']
