"""Complex gradients of the decompositions (cholesky, svd / svdvals / pinv, qr, eigh / eigvalsh,
lu) follow PyTorch (conjugate Wirtinger convention): checked against torch with real-valued
losses (gauge-invariant ones for svd / eigh, as torch requires) and against central finite
differences in complex128 (``grad = dL/dRe + i dL/dIm``)."""
import numpy as np
import pytest

import ember
from tests.helpers import needs_torch, torch, assert_same, to_np

pytestmark = needs_torch

TOL = {'complex64': (2e-3, 2e-4), 'complex128': (1e-8, 1e-10)}
DTYPES = ['complex64', 'complex128']


def _cplx(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _hpd(shape, dtype, seed=0):
    a = _cplx(shape, 'complex128', seed)
    n = shape[-1]
    return (a @ np.swapaxes(a.conj(), -1, -2) + n * np.eye(n)).astype(dtype)


def _loss(ys, kind):
    ys = ys if isinstance(ys, (tuple, list)) else (ys,)
    tot = 0
    for i, y in enumerate(ys):
        w = 1.0 + 0.5 * i
        if not y.is_complex():
            tot = tot + (y * y).sum() * w if kind == 'sq' else tot + y.sum() * w
        elif kind == 'sq':
            tot = tot + (y * y.conj()).real.sum() * w
        else:
            tot = tot + (y.real.sum() + y.imag.sum()) * w
    return tot


def _grad(lib, fn, a, kind, device='cpu'):
    x = lib.tensor(a, requires_grad=True, **({'device': device} if lib is ember else {}))
    y = fn(lib, x)
    g, = lib.autograd.grad(_loss(y, kind), [x])
    return y, g


def check(fn, a, device, kind='ri', dtype='complex128'):
    """ember's value and gradient of ``_loss(fn(x))`` equal torch's."""
    rtol, atol = TOL[dtype]
    ye, ge = _grad(ember, fn, a, kind, device)
    yt, gt = _grad(torch, fn, a, kind)
    ye = ye if isinstance(ye, (tuple, list)) else (ye,)
    yt = yt if isinstance(yt, (tuple, list)) else (yt,)
    for e, t in zip(ye, yt):
        assert_same(e, t.resolve_conj(), rtol, atol)
    assert_same(ge, gt.resolve_conj(), rtol, atol)


def fd_complex(fn, a, kind='ri', eps=1e-6, tol=1e-6):
    """ember's gradient against central differences over the real and imaginary parts."""
    a = np.asarray(a, np.complex128)
    _, g = _grad(ember, fn, a, kind)

    def f(v):
        return float(to_np(_loss(fn(ember, ember.tensor(v)), kind)))
    num = np.zeros_like(a)
    it = np.nditer(a, flags=['multi_index'])
    for _ in it:
        i = it.multi_index
        for step in (1, 1j):
            v = a.copy()
            v[i] += eps * step
            fp = f(v)
            v[i] -= 2 * eps * step
            fm = f(v)
            num[i] += (fp - fm) / (2 * eps) * step
    np.testing.assert_allclose(to_np(g), num, rtol=tol, atol=tol)


SHAPES = {'square': (3, 3), 'wide': (3, 5), 'tall': (5, 3), 'batched': (2, 4, 4)}


# ----------------------------------------------------------------------------- cholesky

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('upper', [False, True])
@pytest.mark.parametrize('kind', ['ri', 'sq'])
def test_cholesky(dtype, upper, kind, device):
    check(lambda l, x: l.linalg.cholesky(x, upper=upper), _hpd((2, 4, 4), dtype), device, kind,
          dtype)
    # a Hermitian input built from a general matrix: the gradient reaches all of it
    check(lambda l, x: l.linalg.cholesky(x @ x.mH + 4 * l.eye(4, dtype=x.dtype), upper=upper),
          _cplx((4, 4), dtype, 1), device, kind, dtype)


def test_cholesky_fd():
    fd_complex(lambda l, x: l.linalg.cholesky(x @ x.mH + 3 * l.eye(3, dtype=x.dtype)),
               _cplx((3, 3), 'complex128', 2))


# ----------------------------------------------------------------------------- svd, pinv

def _svd(l, x):
    return l.linalg.svd(x, full_matrices=False)


SVD_LOSSES = {
    'svdvals': lambda l, x: l.linalg.svdvals(x),
    'S': lambda l, x: _svd(l, x).S,
    'recon': lambda l, x: (lambda r: (r.U * r.S.to(x.dtype).unsqueeze(-2)) @ r.Vh)(_svd(l, x)),
    'UUh': lambda l, x: (lambda r: r.U @ r.U.mH)(_svd(l, x)),
    'VVh': lambda l, x: (lambda r: r.Vh.mH @ r.Vh)(_svd(l, x)),
    'abs_all': lambda l, x: (lambda r: (r.U.abs(), r.S, r.Vh.abs()))(_svd(l, x)),
    'U_Vh_phase_free': lambda l, x: (lambda r: (r.U[..., :1] @ r.Vh[..., :1, :]))(_svd(l, x)),
    'full_recon': lambda l, x: (lambda r, k: (r.U[..., :k] * r.S.to(x.dtype).unsqueeze(-2))
                                @ r.Vh[..., :k, :])(l.linalg.svd(x), min(x.shape[-2:])),
    'pinv': lambda l, x: l.linalg.pinv(x),
}


@pytest.mark.parametrize('dtype', DTYPES)
def test_pinv_hermitian(dtype, device):
    check(lambda l, x: l.linalg.pinv(x, hermitian=True), _hpd((2, 3, 3), dtype, 4), device,
          'ri', dtype)


@pytest.mark.parametrize('name', ['recon', 'UUh', 'pinv'])
def test_svd_fd(name):
    fd_complex(SVD_LOSSES[name], _cplx((3, 2), 'complex128', 5))


# ----------------------------------------------------------------------------- qr

QR_LOSSES = {
    'QR': lambda l, x: tuple(l.linalg.qr(x)),
    'Q': lambda l, x: l.linalg.qr(x).Q,
    'R': lambda l, x: l.linalg.qr(x).R,
}


RECT_LOSSES = dict(SVD_LOSSES, **{'qr_' + k: v for k, v in QR_LOSSES.items()})


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', list(SHAPES))
@pytest.mark.parametrize('name', list(RECT_LOSSES))
def test_svd_family_and_qr(name, shape, dtype, device):
    """svd / svdvals / pinv and qr on square, wide, tall and batched complex matrices."""
    for kind in ('ri', 'sq'):
        check(RECT_LOSSES[name], _cplx(SHAPES[shape], dtype, 3), device, kind, dtype)


def test_qr_complete_wide(device):
    check(lambda l, x: tuple(l.linalg.qr(x, mode='complete')), _cplx((3, 5), 'complex128', 8),
          device)


@pytest.mark.parametrize('shape', [(3, 3), (2, 4), (4, 2)])
def test_qr_fd(shape):
    fd_complex(QR_LOSSES['QR'], _cplx(shape, 'complex128', 9))


# ----------------------------------------------------------------------------- eigh

EIGH_LOSSES = {
    'eigvalsh': lambda l, x: l.linalg.eigvalsh(x),
    'eigvalsh_U': lambda l, x: l.linalg.eigvalsh(x, UPLO='U'),
    'L': lambda l, x: l.linalg.eigh(x).eigenvalues,
    'recon': lambda l, x: (lambda r: (r[1] * r[0].to(x.dtype).unsqueeze(-2)) @ r[1].mH)(
        l.linalg.eigh(x)),
    'abs_V': lambda l, x: (lambda r: (r[0], r[1].abs()))(l.linalg.eigh(x)),
    'projector': lambda l, x: (lambda V: V[..., :2] @ V[..., :2].mH)(l.linalg.eigh(x)[1]),
}


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', list(EIGH_LOSSES))
def test_eigh(name, dtype, device):
    for kind in ('ri', 'sq'):
        check(EIGH_LOSSES[name], _hpd((2, 4, 4), dtype, 10), device, kind, dtype)
    # through a Hermitian input built from a general matrix
    check(lambda l, x: EIGH_LOSSES[name](l, x + x.mH), _cplx((3, 3), dtype, 11), device, 'ri',
          dtype)


@pytest.mark.parametrize('name', ['eigvalsh', 'recon', 'projector'])
def test_eigh_fd(name):
    fd_complex(lambda l, x: EIGH_LOSSES[name](l, x + x.mH), _cplx((3, 3), 'complex128', 12))


@pytest.mark.parametrize('op', ['svd', 'eigh'])
def test_gauge_dependent_loss_raises(op, device):
    """A loss depending on the phase of complex singular / eigen vectors raises, as in torch."""
    a = _hpd((3, 3), 'complex128', 13)
    msg = ('svd_backward: The singular vectors' if op == 'svd' else
           'linalg_eigh_backward: The eigenvectors') + ' in the complex case are specified up to'
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True, **({'device': device} if lib is ember else {}))
        V = lib.linalg.svd(x)[0] if op == 'svd' else lib.linalg.eigh(x)[1]
        with pytest.raises(RuntimeError, match=msg):
            V.real.sum().backward()


# ----------------------------------------------------------------------------- lu

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', list(SHAPES))
def test_lu(shape, dtype, device):
    for kind in ('ri', 'sq'):
        check(lambda l, x: tuple(l.linalg.lu(x))[1:], _cplx(SHAPES[shape], dtype, 14), device,
              kind, dtype)
        check(lambda l, x: l.linalg.lu_factor(x).LU, _cplx(SHAPES[shape], dtype, 15), device,
              kind, dtype)


@pytest.mark.parametrize('shape', [(3, 3), (2, 4), (4, 2)])
def test_lu_fd(shape):
    fd_complex(lambda l, x: tuple(l.linalg.lu(x))[1:], _cplx(shape, 'complex128', 16))


def test_lu_solve_fd():
    b = _cplx((3, 2), 'complex128', 18)
    fd_complex(lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(b), adjoint=True),
               _cplx((3, 3), 'complex128', 17) + 3 * np.eye(3))


# ----------------------------------------------------------------------------- real unchanged

@pytest.mark.parametrize('name', ['recon', 'UUh', 'pinv', 'svdvals'])
def test_real_svd_still_matches(name, device):
    a = np.random.RandomState(19).standard_normal((2, 4, 3))
    ye, ge = _grad(ember, SVD_LOSSES[name], a, 'ri', device)
    yt, gt = _grad(torch, SVD_LOSSES[name], a, 'ri')
    assert_same(ge, gt, 1e-8, 1e-10)
