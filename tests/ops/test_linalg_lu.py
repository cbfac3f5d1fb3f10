"""LU: linalg.lu / lu_factor / lu_factor_ex / lu_solve, torch.lu_unpack, torch.lu and Tensor.lu
against PyTorch (values, int32 pivots, infos, gradients, errors) and finite differences."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import needs_torch, torch, assert_same, to_np, fd_check

pytestmark = needs_torch

DTYPES = ['float32', 'float64', 'complex64', 'complex128']
SHAPES = [(4, 4), (3, 5), (5, 3), (2, 3, 4, 4), (2, 3, 6), (1, 1), (0, 3, 3), (2, 0, 3)]
TOL = {'float32': (1e-4, 1e-5), 'float64': (1e-10, 1e-12),
       'complex64': (1e-4, 1e-5), 'complex128': (1e-10, 1e-12)}


def _arr(shape, dtype, seed=0, shift=0.0):
    rng = np.random.RandomState(seed)
    a = rng.standard_normal(shape)
    if 'complex' in dtype:
        a = a + 1j * rng.standard_normal(shape)
    if shift and len(shape) >= 2 and shape[-1] == shape[-2]:
        a = a + shift * np.eye(shape[-1])
    return a.astype(dtype)


def _both(a, device, grad=False):
    return (ember.tensor(a, device=device, requires_grad=grad),
            torch.tensor(a, requires_grad=grad))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
def test_lu_factor_ex_values(shape, dtype, device):
    a = _arr(shape, dtype)
    e, t = _both(a, device)
    re, rt = ember.linalg.lu_factor_ex(e), torch.linalg.lu_factor_ex(t)
    assert type(re).__name__ == 'linalg_lu_factor_ex' and re._fields == ('LU', 'pivots', 'info')
    assert_same(re.LU, rt.LU, *TOL[dtype])
    assert_same(re.pivots, rt.pivots)      # int32, 1-based, identical row swaps
    assert_same(re.info, rt.info)
    re2, rt2 = ember.linalg.lu_factor(e), torch.linalg.lu_factor(t)
    assert re2._fields == ('LU', 'pivots')
    assert_same(tuple(re2), tuple(rt2), *TOL[dtype])


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
def test_linalg_lu_values(shape, dtype, device):
    a = _arr(shape, dtype, seed=1)
    e, t = _both(a, device)
    re, rt = ember.linalg.lu(e), torch.linalg.lu(t)
    assert type(re).__name__ == 'linalg_lu' and re._fields == ('P', 'L', 'U')
    assert_same(tuple(re), tuple(rt), *TOL[dtype])
    if a.size:
        np.testing.assert_allclose(to_np(re.P @ re.L @ re.U), a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('n', [33, 70])
def test_blocked_path_matches(n, device):
    """Sizes past one panel (32 columns) take the blocked path; pivots still match LAPACK."""
    a = _arr((2, n, n + 5), 'float64', seed=n)
    e, t = _both(a, device)
    assert_same(tuple(ember.linalg.lu_factor_ex(e)), tuple(torch.linalg.lu_factor_ex(t)),
                1e-9, 1e-11)
    a = _arr((n + 7, n), 'complex128', seed=n)
    e, t = _both(a, device)
    assert_same(tuple(ember.linalg.lu_factor_ex(e)), tuple(torch.linalg.lu_factor_ex(t)),
                1e-9, 1e-11)


def test_singular_infos(device):
    A = np.array([[1., 2, 3], [2, 4, 6], [1, 1, 1]])
    b = np.stack([np.eye(3), A, np.zeros((3, 3))])
    e, t = _both(b, device)
    assert_same(tuple(ember.linalg.lu_factor_ex(e)), tuple(torch.linalg.lu_factor_ex(t)))
    assert to_np(ember.linalg.lu_factor_ex(e).info).tolist() == [0, 3, 1]
    assert_same(tuple(ember.linalg.lu(e)), tuple(torch.linalg.lu(t)))
    # torch.lu with get_infos reports infos instead of raising
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert_same(ember.lu(e, get_infos=True), torch.lu(t, get_infos=True))
        assert_same(ember.lu(e), torch.lu(t))
    for fn, name in ((lambda l, x: l.linalg.lu_factor(x), 'torch.linalg.lu_factor'),
                     (lambda l, x: l.linalg.lu_factor_ex(x, check_errors=True),
                      'torch.linalg.lu_factor_ex')):
        with pytest.raises(RuntimeError) as te:
            fn(torch, t)
        with pytest.raises(RuntimeError) as ee:
            fn(ember, e)
        assert str(ee.value) == str(te.value)
        assert '(Batch element 1): U[3,3] is zero' in str(ee.value) and name in str(ee.value)
    with pytest.raises(RuntimeError, match=r'^torch.linalg.lu_factor: U\[1,1\] is zero'):
        ember.linalg.lu_factor(ember.zeros(2, 2, device=device))


@pytest.mark.parametrize('dtype', DTYPES)
def test_lu_unpack(dtype, device):
    a = _arr((2, 4, 3), dtype, seed=2)
    LUt, pt = torch.linalg.lu_factor(torch.tensor(a))
    LUe, pe = ember.tensor(to_np(LUt), device=device), ember.tensor(to_np(pt), device=device)
    r = ember.lu_unpack(LUe, pe)
    assert type(r).__name__ == 'lu_unpack' and r._fields == ('P', 'L', 'U')
    assert_same(tuple(r), tuple(torch.lu_unpack(LUt, pt)))
    for ud, up in ((False, True), (True, False), (False, False)):
        assert_same(tuple(ember.lu_unpack(LUe, pe, ud, up)),
                    tuple(torch.lu_unpack(LUt, pt, unpack_data=ud, unpack_pivots=up)))
    piv = torch.tensor([3, 3, 3], dtype=torch.int32)
    assert_same(tuple(ember.lu_unpack(ember.eye(3, device=device), ember.tensor(piv.numpy()))),
                tuple(torch.lu_unpack(torch.eye(3), piv)))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('left', [True, False])
@pytest.mark.parametrize('adjoint', [False, True])
def test_lu_solve_values(dtype, left, adjoint, device):
    A = _arr((2, 4, 4), dtype, seed=3, shift=3.0)
    B = _arr((3, 1, 4, 2) if left else (3, 1, 2, 4), dtype, seed=4)     # batch dims broadcast
    LUt, pt = torch.linalg.lu_factor(torch.tensor(A))
    LUe, pe = ember.linalg.lu_factor(ember.tensor(A, device=device))
    xe = ember.linalg.lu_solve(LUe, pe, ember.tensor(B, device=device), left=left,
                               adjoint=adjoint)
    xt = torch.linalg.lu_solve(LUt, pt, torch.tensor(B), left=left, adjoint=adjoint)
    assert_same(xe, xt.resolve_conj(), *TOL[dtype])


def test_deprecated_lu_and_method(device):
    a = _arr((2, 3, 3), 'float32', seed=5)
    e, t = _both(a, device)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert_same(e.lu(), t.lu(), 1e-5, 1e-6)
        assert_same(e.lu(get_infos=True), t.lu(get_infos=True), 1e-5, 1e-6)
        assert_same(ember.lu(e, True, True), torch.lu(t, True, True), 1e-5, 1e-6)
    r = ember.lu(e)
    assert type(r) is tuple and len(r) == 2 and r[1].dtype == ember.int32


def _grads(lib, fn, arrays, device, create_graph=False):
    xs = [lib.tensor(a, requires_grad=True, **({'device': device} if lib is ember else {}))
          for a in arrays]
    ys = fn(lib, *xs)
    ys = ys if isinstance(ys, (tuple, list)) else (ys,)
    loss = 0
    for i, y in enumerate(ys):
        if y.numel() and y.requires_grad:
            w = lib.tensor(np.cos(np.arange(y.numel()) + i).reshape(tuple(y.shape)),
                           **({'device': device} if lib is ember else {})).to(y.dtype)
            z = (y * w).sum()
            loss = loss + (z.real + 2 * z.imag if y.is_complex() else z)
    return xs, lib.autograd.grad(loss, xs, create_graph=create_graph)


def _check_grads(fn, arrays, device, tol=(1e-8, 1e-10)):
    _, ge = _grads(ember, fn, arrays, device)
    _, gt = _grads(torch, fn, arrays, device)
    for e, t in zip(ge, gt):
        assert_same(e, t.resolve_conj(), *tol)


GRAD_SHAPES = [(4, 4), (3, 5), (5, 3), (2, 4, 4), (2, 3, 5), (2, 5, 3)]


@pytest.mark.parametrize('dtype', ['float64', 'complex128'])
@pytest.mark.parametrize('shape', GRAD_SHAPES)
def test_lu_grads(shape, dtype, device):
    a = _arr(shape, dtype, seed=6)
    _check_grads(lambda l, x: tuple(l.linalg.lu(x))[1:], [a], device)
    _check_grads(lambda l, x: l.linalg.lu(x).U, [a], device)
    _check_grads(lambda l, x: l.linalg.lu_factor(x).LU, [a], device)
    _check_grads(lambda l, x: l.linalg.lu_factor_ex(x).LU, [a], device)
    # lu_unpack is differentiable w.r.t. LU_data
    _check_grads(lambda l, x: tuple(l.lu_unpack(x, l.linalg.lu_factor_ex(x.detach()).pivots))[1:],
                 [a], device)


def test_lu_grads_float32(device):
    a = _arr((2, 4, 4), 'float32', seed=7, shift=2.0)
    _check_grads(lambda l, x: tuple(l.linalg.lu(x))[1:], [a], device, (1e-3, 1e-4))


@pytest.mark.parametrize('dtype', ['float64', 'complex128'])
@pytest.mark.parametrize('left', [True, False])
@pytest.mark.parametrize('adjoint', [False, True])
def test_lu_solve_grads(dtype, left, adjoint, device):
    A = _arr((2, 4, 4), dtype, seed=8, shift=3.0)
    B = _arr((3, 1, 4, 2) if left else (3, 1, 2, 4), dtype, seed=9)
    piv = torch.linalg.lu_factor(torch.tensor(A)).pivots.numpy()
    LU = torch.linalg.lu_factor(torch.tensor(A)).LU.numpy()

    def f(l, LU, B):
        p = l.tensor(piv, **({'device': device} if l is ember else {}))
        return l.linalg.lu_solve(LU, p, B, left=left, adjoint=adjoint)
    _check_grads(f, [LU, B], device)
    # through lu_factor: the gradient reaches A along both paths
    _check_grads(lambda l, A, B: l.linalg.lu_solve(*l.linalg.lu_factor(A), B, left=left,
                                                   adjoint=adjoint), [A, B], device)


def test_double_backward_matches_torch(device):
    A = _arr((3, 3), 'float64', seed=10, shift=2.0)

    def run(lib):
        xs, (g,) = _grads(lib, lambda l, x: tuple(l.linalg.lu(x))[1:], [A], device,
                          create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), xs)
        return gg
    assert_same(run(ember), run(torch), 1e-8, 1e-10)


@pytest.mark.parametrize('shape', [(3, 3), (2, 4), (4, 2)])
def test_fd_lu(shape, device):
    a = _arr(shape, 'float64', seed=11, shift=2.0)
    fd_check(lambda x: ember.linalg.lu(x).L, a, device=device)
    fd_check(lambda x: ember.linalg.lu(x).U, a, device=device)
    fd_check(lambda x: ember.linalg.lu_factor(x).LU, a, device=device)


def test_fd_lu_solve(device):
    A = _arr((3, 3), 'float64', seed=12, shift=3.0)
    B = _arr((3, 2), 'float64', seed=13)
    for left, adj in ((True, False), (True, True), (False, False), (False, True)):
        b = B if left else B.T
        fd_check(lambda a, b: ember.linalg.lu_solve(*ember.linalg.lu_factor(a), b, left=left,
                                                    adjoint=adj), A, b, device=device)


def test_errors(device):
    a = ember.randn(3, 3, device=device)
    for fn in (lambda: ember.linalg.lu_factor(a, pivot=False),
               lambda: ember.linalg.lu(a, pivot=False),
               lambda: ember.linalg.lu_factor_ex(a, pivot=False)):
        if device == 'cpu':
            with pytest.raises(RuntimeError, match='LU without pivoting is not implemented on '
                                                   'the CPU'):
                fn()
    with pytest.raises(NotImplementedError, match='"lu_cpu" not implemented for \'Long\''):
        ember.linalg.lu_factor(ember.ones(3, 3, dtype=ember.int64))
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        ember.linalg.lu_factor(ember.ones(3, 3, dtype=ember.float16))
    with pytest.raises(RuntimeError, match=r'torch.lu_factor: Expected tensor with 2 or more '
                                           r'dimensions. Got size: \[3\] instead'):
        ember.linalg.lu_factor(ember.ones(3))
    with pytest.raises(RuntimeError, match='^linalg.lu: Expected tensor with 2 or more'):
        ember.linalg.lu(ember.ones(3))
    LU, piv = ember.linalg.lu_factor(ember.randn(2, 3, 3, device=device))
    cases = [
        (lambda: ember.linalg.lu_solve(LU, piv, ember.randn(4, 3, 2)),
         'The size of tensor a (4) must match the size of tensor b (2) at non-singleton '
         'dimension 0'),
        (lambda: ember.linalg.lu_solve(LU, piv, ember.randn(2, 4, 2)),
         'linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)'),
        (lambda: ember.linalg.lu_solve(LU, piv, ember.randn(2, 2, 4), left=False),
         'linalg.lu_solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 2x4)'),
        (lambda: ember.linalg.lu_solve(LU, piv.long(), ember.randn(2, 3, 2)),
         'linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32'),
        (lambda: ember.linalg.lu_solve(LU, piv, ember.randn(2, 3, 2).double()),
         'linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type Float '
         'and B of type Double instead'),
        (lambda: ember.linalg.lu_solve(LU[..., :2], piv, ember.randn(2, 3, 2)),
         'torch.linalg.lu_solve: A must be batches of square matrices, but they are 3 by 2 '
         'matrices'),
        (lambda: ember.linalg.lu_solve(LU, piv[..., :2], ember.randn(2, 3, 2)),
         'linalg.lu_solve: Number of pivots per batch should be same as the dimension of the '
         'matrix'),
        (lambda: ember.linalg.lu_solve(LU, piv[0], ember.randn(2, 3, 2)),
         'linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got '
         'pivots with shape [3] instead'),
        (lambda: ember.lu_unpack(LU, piv.long()),
         'torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.'),
        (lambda: ember.lu_unpack(LU[..., :2, :], ember.tensor([[3, 3], [3, 3]],
                                                              dtype=ember.int32)),
         'pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.'),
    ]
    for fn, msg in cases:
        with pytest.raises(RuntimeError) as ei:
            fn()
        assert str(ei.value).startswith(msg), str(ei.value)


def test_lu_solve_errors_match_torch():
    LUt, pt = torch.linalg.lu_factor(torch.randn(2, 3, 3))
    LUe, pe = ember.tensor(LUt.numpy()), ember.tensor(pt.numpy())
    for fn in (lambda l, LU, p: l.linalg.lu_solve(LU, p, l.ones(2, 4, 2)),
               lambda l, LU, p: l.linalg.lu_solve(LU, p, l.ones(2, 3, 2, dtype=l.float64)),
               lambda l, LU, p: l.linalg.lu_solve(LU, p.long(), l.ones(2, 3, 2))):
        with pytest.raises(RuntimeError) as te:
            fn(torch, LUt, pt)
        with pytest.raises(RuntimeError) as ee:
            fn(ember, LUe, pe)
        assert str(ee.value) == str(te.value)


def test_deprecation_warning_text():
    import ember.ops.linalg as L
    L._LU_WARNED[0] = False
    with pytest.warns(UserWarning, match='torch.lu is deprecated in favor of '
                                         'torch.linalg.lu_factor'):
        ember.lu(ember.eye(2))
