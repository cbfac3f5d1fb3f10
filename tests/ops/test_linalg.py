"""Linear algebra against PyTorch: products, einsum, norms, det/inv/solve, decompositions.

Values, dtypes, shapes and gradients are compared with torch (``compare``); every differentiable
op also gets a float64 finite-difference check and a few get a double-backward check.
"""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, numeric_grad, to_np, torch, needs_torch

pytestmark = needs_torch

R = np.random.RandomState


def rn(*shape, dtype=np.float32, seed=None):
    rng = R(seed) if seed is not None else np.random
    return rng.standard_normal(shape).astype(dtype)


def spd(*shape, dtype=np.float64):
    """A batch of well-conditioned symmetric positive-definite matrices."""
    a = np.random.standard_normal(shape)
    n = shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def sym(*shape, dtype=np.float64):
    a = np.random.standard_normal(shape)
    return ((a + np.swapaxes(a, -1, -2)) / 2).astype(dtype)


def fd_check(fn, *inputs, device='cpu', atol=1e-6, rtol=1e-5, eps=1e-6):
    """Finite differences of ``sum(fn(ember, *x) * w)`` in float64 against ember's backward."""
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    ts = [ember.tensor(x, device=device, requires_grad=True) for x in inputs]
    out = fn(*ts)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    ws = [R(3).standard_normal(tuple(o.shape)) for o in outs]
    loss = None
    for o, w in zip(outs, ws):
        if o.dtype != ember.float64:
            continue
        term = (o * ember.tensor(w, device=device)).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    def f_np(k):
        def f(xk):
            args = [ember.tensor(xk if i == k else inputs[i], device=device)
                    for i in range(len(inputs))]
            with ember.no_grad():
                r = fn(*args)
            rs = r if isinstance(r, (tuple, list)) else (r,)
            return sum(float((to_np(o) * w).sum()) for o, w in zip(rs, ws)
                       if o.dtype == ember.float64)
        return f
    for k, t in enumerate(ts):
        num = numeric_grad(f_np(k), inputs[k].copy(), eps)
        got = to_np(t.grad) if t.grad is not None else np.zeros_like(num)
        np.testing.assert_allclose(got, num, atol=atol, rtol=rtol)


def double_backward(fn, *inputs, device='cpu', rtol=1e-7, atol=1e-9):
    """d/dx of sum(grad(sum(fn(x) * w), x) * v), ember against torch, in float64."""
    res = []
    for lib in (ember, torch):
        xs = [lib.tensor(np.array(x, np.float64), requires_grad=True) for x in inputs]
        if lib is ember:
            xs = [ember.tensor(np.array(x, np.float64), device=device, requires_grad=True)
                  for x in inputs]
        out = fn(lib, *xs)
        w = lib.tensor(R(5).standard_normal(tuple(out.shape)))
        if lib is ember:
            w = w.to(device)
        gs = lib.autograd.grad((out * w).sum(), xs, create_graph=True)
        tot = None
        for g in gs:
            v = lib.tensor(R(6).standard_normal(tuple(g.shape)))
            if lib is ember:
                v = v.to(device)
            term = (g * v).sum()
            tot = term if tot is None else tot + term
        gg = lib.autograd.grad(tot, xs, allow_unused=True)
        res.append([np.zeros(x.shape) if g is None else to_np(g) for g, x in zip(gg, inputs)])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- matmul family


@pytest.mark.parametrize('sa,sb', [
    ((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4,)),
    ((4,), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 5)),
])
def test_matmul_cases(device, sa, sb):
    compare(lambda lib, a, b: lib.matmul(a, b), rn(*sa), rn(*sb), device=device, rtol=1e-4,
            atol=1e-5)
    compare(lambda lib, a, b: a @ b, rn(*sa, dtype=np.float64), rn(*sb, dtype=np.float64),
            device=device)


def test_matmul_noncontiguous_and_ints(device):
    compare(lambda lib, a, b: a.t() @ b[:, ::2], rn(5, 3), rn(5, 8), device=device, rtol=1e-4)
    compare(lambda lib, a, b: a.transpose(1, 2).matmul(b), rn(2, 5, 3), rn(5, 4), device=device,
            rtol=1e-4)
    a = np.arange(6).reshape(2, 3)
    compare(lambda lib, a, b: lib.matmul(a, b), a, a.T.copy(), device=device)


def test_matmul_float32_no_promotion(device):
    a = ember.tensor(rn(3, 4), device=device)
    assert (a @ ember.tensor(rn(4), device=device)).dtype == ember.float32
    assert ember.mm(a, ember.tensor(rn(4, 2), device=device)).dtype == ember.float32


@pytest.mark.parametrize('sa,sb', [((64, 3136), (3200, 128)), ((3,), (4, 5)), ((2, 3), (4,)),
                                   ((2, 2, 3), (4,)), ((3,), (2, 4, 5)), ((2, 2, 3), (2, 4, 5)),
                                   ((2, 2, 3), (4, 5)), ((2, 2, 3), (3, 3, 5)), ((3,), (4,))])
def test_matmul_errors(device, sa, sb):
    e = [ember.zeros(s, device=device) for s in (sa, sb)]
    t = [torch.zeros(s) for s in (sa, sb)]
    with pytest.raises(RuntimeError) as te:
        torch.matmul(*t)
    with pytest.raises(RuntimeError) as ee:
        ember.matmul(*e)
    assert str(ee.value) == str(te.value)


def test_mm_errors(device):
    a = ember.zeros(64, 3136, device=device)
    with pytest.raises(RuntimeError, match=r'mat1 and mat2 shapes cannot be multiplied '
                                           r'\(64x3136 and 3200x128\)'):
        ember.mm(a, ember.zeros(3200, 128, device=device))
    with pytest.raises(RuntimeError, match='expected m1 and m2 to have the same dtype, but got: '
                                           'float != double'):
        ember.mm(ember.zeros(2, 3, device=device), ember.zeros(3, 2, dtype=ember.float64,
                                                              device=device))
    with pytest.raises(RuntimeError, match='same dtype'):
        ember.zeros(2, 3, device=device) @ ember.zeros(3, dtype=ember.float64, device=device)
    with pytest.raises(RuntimeError, match='self must be a matrix'):
        ember.mm(ember.zeros(2, 3, 1), ember.zeros(3, 5))
    with pytest.raises(RuntimeError, match='at least 1D'):
        ember.matmul(ember.tensor(1.0), ember.zeros(3))


def test_bmm_mv_dot(device):
    compare(lambda lib, a, b: lib.bmm(a, b), rn(2, 3, 4), rn(2, 4, 5), device=device, rtol=1e-4)
    compare(lambda lib, a, b: a.mv(b), rn(3, 4), rn(4), device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.dot(a, b), rn(5), rn(5), device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.vdot(a, b), rn(5), rn(5), device=device, rtol=1e-4)
    for bad in [lambda lib: lib.bmm(lib.zeros(2, 3, 4), lib.zeros(2, 5, 6)),
                lambda lib: lib.bmm(lib.zeros(3, 4), lib.zeros(4, 6)),
                lambda lib: lib.mv(lib.zeros(2, 3), lib.zeros(4)),
                lambda lib: lib.dot(lib.zeros(3), lib.zeros(4)),
                lambda lib: lib.dot(lib.zeros(3, 1), lib.zeros(3)),
                lambda lib: lib.dot(lib.zeros(3), lib.zeros(3, dtype=lib.float64))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize('beta,alpha', [(1, 1), (0.5, 2.0), (0, 1.5)])
def test_addmm_family(device, beta, alpha):
    kw = dict(beta=beta, alpha=alpha)
    compare(lambda lib, i, a, b: lib.addmm(i, a, b, **kw), rn(4), rn(3, 5), rn(5, 4),
            device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, i, a, b: i.addmm(a, b, **kw), rn(3, 4), rn(3, 5), rn(5, 4),
            device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, i, a, b: lib.addmv(i, a, b, **kw), rn(3), rn(3, 5), rn(5),
            device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, i, a, b: lib.baddbmm(i, a, b, **kw), rn(1, 4), rn(2, 3, 5),
            rn(2, 5, 4), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, i, a, b: lib.addbmm(i, a, b, **kw), rn(3, 4), rn(2, 3, 5),
            rn(2, 5, 4), device=device, rtol=1e-4, atol=1e-5)


def test_addmm_beta0_ignores_nan(device):
    i = np.full((2, 2), np.nan, np.float32)
    compare(lambda lib, i, a, b: lib.addmm(i, a, b, beta=0), i, rn(2, 3), rn(3, 2),
            device=device, rtol=1e-4)


def test_addmm_inplace_and_errors(device):
    x = rn(3, 4)
    a, b = rn(3, 5), rn(5, 4)
    e = ember.tensor(x, device=device)
    t = torch.tensor(x)
    e.addmm_(ember.tensor(a, device=device), ember.tensor(b, device=device), alpha=2)
    t.addmm_(torch.tensor(a), torch.tensor(b), alpha=2)
    assert_same(e, t, rtol=1e-4)
    for bad in [lambda lib: lib.addmm(lib.zeros(4), lib.zeros(2, 3), lib.zeros(3, 3)),
                lambda lib: lib.addmm(lib.zeros(3), lib.zeros(2, 3),
                                      lib.zeros(3, 3, dtype=lib.float64)),
                lambda lib: lib.addbmm(lib.zeros(3), lib.zeros(2, 2, 3), lib.zeros(3, 3, 3)),
                lambda lib: lib.baddbmm(lib.zeros(3), lib.zeros(2, 2, 3), lib.zeros(3, 3, 3))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


def test_outer_inner_kron_tensordot(device):
    compare(lambda lib, a, b: lib.outer(a, b), rn(3), rn(4), device=device)
    compare(lambda lib, a, b: lib.ger(a, b), rn(3), rn(4, dtype=np.float64), device=device)
    compare(lambda lib, a, b: lib.inner(a, b), rn(2, 3), rn(4, 3), device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.inner(a, b), rn(), rn(4, 3), device=device)
    compare(lambda lib, a, b: lib.kron(a, b), rn(2, 3), rn(4), device=device)
    compare(lambda lib, a, b: lib.kron(a, b), rn(2, 3), rn(2, 2, 2), device=device)
    compare(lambda lib, a, b: lib.tensordot(a, b), rn(2, 3, 4), rn(3, 4, 5), device=device,
            rtol=1e-4)
    compare(lambda lib, a, b: lib.tensordot(a, b, dims=1), rn(2, 3, 4), rn(4, 5),
            device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.tensordot(a, b, dims=([2, 0], [0, 2])), rn(2, 3, 4),
            rn(4, 5, 2), device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.tensordot(a, b, dims=0), rn(2, 3), rn(4), device=device)
    for bad in [lambda lib: lib.tensordot(lib.zeros(2, 3, 4), lib.zeros(4, 4, 5), dims=2),
                lambda lib: lib.tensordot(lib.zeros(2, 3, 4), lib.zeros(4, 4, 5), dims=-1),
                lambda lib: lib.tensordot(lib.zeros(2, 3, 4), lib.zeros(4, 4, 5),
                                          dims=([1], [0, 1])),
                lambda lib: lib.inner(lib.zeros(2, 3), lib.zeros(4, 4)),
                lambda lib: lib.outer(lib.zeros(3), lib.zeros(4, 1))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


def test_products_gradcheck_fd(device):
    fd_check(lambda a, b: a @ b, rn(2, 3, 4), rn(4), device=device)
    fd_check(lambda a, b: a @ b, rn(4), rn(3, 4, 2), device=device)
    fd_check(lambda a, b: a @ b, rn(2, 1, 3, 4), rn(3, 4, 2), device=device)
    fd_check(lambda i, a, b: ember.addmm(i, a, b, beta=0.3, alpha=-2), rn(3), rn(2, 4),
             rn(4, 3), device=device)
    fd_check(lambda i, a, b: ember.addbmm(i, a, b, beta=0.3, alpha=-2), rn(2, 3), rn(2, 2, 4),
             rn(2, 4, 3), device=device)
    fd_check(lambda a, b: ember.kron(a, b), rn(2, 3), rn(3, 2), device=device)


def test_matmul_double_backward(device):
    double_backward(lambda lib, a, b: lib.matmul(a, b), rn(2, 3, 4), rn(4), device=device)
    double_backward(lambda lib, a, b: lib.matmul(a, b) ** 2, rn(3, 4), rn(4, 2), device=device)
    double_backward(lambda lib, i, a, b: lib.baddbmm(i, a, b, alpha=0.5) ** 2, rn(3), rn(2, 2, 4),
                    rn(2, 4, 3), device=device)


# ----------------------------------------------------------------------------- einsum


@pytest.mark.parametrize('eq,shapes', [
    ('ij,jk->ik', [(3, 4), (4, 5)]), ('ij,jk', [(3, 4), (4, 5)]), ('bij,bjk->bik', [(2, 3, 4), (2, 4, 5)]),
    ('ii->i', [(4, 4)]), ('ii', [(4, 4)]), ('ij->', [(3, 4)]), ('ij->ji', [(3, 4)]),
    ('i,j->ij', [(3,), (4,)]), ('...ij,...jk', [(5, 1, 2, 3), (4, 3, 6)]),
    ('b...,b...->b', [(2, 3, 4), (2, 3, 4)]), ('ij,ij->ij', [(1, 3), (2, 3)]),
    ('iij,jk->ik', [(3, 3, 2), (2, 4)]), ('ba', [(3, 4)]), ('i,i,i->', [(5,), (5,), (5,)]),
    ('bhqd,bhkd->bhqk', [(2, 2, 3, 4), (2, 2, 5, 4)]), ('ij,kl->', [(2, 3), (4, 5)]),
    ('a A -> A a', [(2, 3)]),
])
def test_einsum(device, eq, shapes):
    ins = [rn(*s) for s in shapes]
    compare(lambda lib, *x: lib.einsum(eq, *x), *ins, device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, *x: lib.einsum(eq, list(x)), *ins, device=device, rtol=1e-4, atol=1e-5)


def test_einsum_gradcheck_and_double_backward(device):
    fd_check(lambda a, b: ember.einsum('iij,jk->ik', a, b), rn(3, 3, 2), rn(2, 4), device=device)
    fd_check(lambda a, b: ember.einsum('...ij,...jk', a, b), rn(2, 1, 2, 3), rn(3, 3, 2),
             device=device)
    fd_check(lambda a: ember.einsum('iji->j', a), rn(3, 2, 3), device=device)
    double_backward(lambda lib, a, b: lib.einsum('bi,bj->bij', a, b) ** 2, rn(2, 3), rn(2, 4),
                    device=device)


@pytest.mark.parametrize('eq,shapes', [
    ('ij,jk', [(2, 3), (4, 5)]), ('ij,jk->ik', [(2, 3)]), ('ij->ik', [(2, 3)]),
    ('ijk->i', [(2, 3)]), ('ii->i', [(2, 3)]), ('i->ii', [(3,)]), ('i1', [(3,)]),
    ('i', [(3,), (3,)]),
])
def test_einsum_errors(device, eq, shapes):
    with pytest.raises(RuntimeError) as te:
        torch.einsum(eq, *[torch.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError) as ee:
        ember.einsum(eq, *[ember.zeros(s, device=device) for s in shapes])
    assert str(ee.value) == str(te.value)


def test_einsum_dtype_error(device):
    with pytest.raises(RuntimeError, match='expected scalar type Float but found Double'):
        ember.einsum('i,i', ember.zeros(3, device=device),
                     ember.zeros(3, dtype=ember.float64, device=device))


# ----------------------------------------------------------------------------- cross, trace


def test_cross(device):
    compare(lambda lib, a, b: lib.linalg.cross(a, b), rn(4, 3), rn(4, 3), device=device,
            rtol=1e-4)
    compare(lambda lib, a, b: lib.linalg.cross(a, b), rn(1, 3), rn(4, 3), device=device,
            rtol=1e-4)
    compare(lambda lib, a, b: lib.linalg.cross(a, b, dim=0), rn(3, 4), rn(3, 4), device=device,
            rtol=1e-4)
    compare(lambda lib, a, b: lib.cross(a, b, dim=1), rn(2, 3), rn(2, 3), device=device,
            rtol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda lib, a, b: a.cross(b), rn(3, 4), rn(3, 4), device=device, rtol=1e-4)
    fd_check(lambda a, b: ember.linalg.cross(a, b), rn(2, 3), rn(1, 3), device=device)
    for bad in [lambda lib: lib.linalg.cross(lib.zeros(3, 4), lib.zeros(3, 4)),
                lambda lib: lib.linalg.cross(lib.zeros(3), lib.zeros(3, dtype=lib.float64))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


def test_trace(device):
    compare(lambda lib, a: lib.trace(a), rn(3, 4), device=device)
    compare(lambda lib, a: a.trace(), rn(4, 3)[::2], device=device)
    compare(lambda lib, a: lib.trace(a), np.arange(6, dtype=np.int32).reshape(2, 3),
            device=device)
    with pytest.raises(RuntimeError, match='trace: expected a matrix, but got tensor with dim 3'):
        ember.trace(ember.zeros(2, 3, 4, device=device))
    fd_check(lambda a: ember.trace(a) ** 2, rn(3, 3), device=device)


# ----------------------------------------------------------------------------- norms


ORDS = [2, 1, 3, 0.5, 0, -1, float('inf'), -float('inf')]


@pytest.mark.parametrize('ord', ORDS)
def test_vector_norm(device, ord):
    x = rn(3, 4)
    x[0, 1] = 0
    compare(lambda lib, a: lib.linalg.vector_norm(a, ord), x, device=device, rtol=1e-4)
    compare(lambda lib, a: lib.linalg.vector_norm(a, ord, dim=1, keepdim=True), x,
            device=device, rtol=1e-4)
    compare(lambda lib, a: lib.linalg.vector_norm(a.t(), ord, dim=(0,)), x, device=device,
            rtol=1e-4)
    if ord != 0:
        fd_check(lambda a: ember.linalg.vector_norm(a, ord, dim=-1), rn(2, 3) + 0.1,
                 device=device, atol=1e-5)


def test_vector_norm_zero_and_ties(device):
    compare(lambda lib, a: lib.linalg.vector_norm(a, dim=1), np.zeros((2, 3), np.float32),
            device=device)
    x = np.array([[1., -3., 3.], [0, 0, 0]], np.float32)
    compare(lambda lib, a: lib.linalg.vector_norm(a, float('inf'), dim=1), x, device=device)
    compare(lambda lib, a: lib.linalg.vector_norm(a, 3, dim=1), x, device=device)
    compare(lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float64), x, device=device)
    compare(lambda lib, a: lib.linalg.norm(a), rn(2, 3, 4), device=device, rtol=1e-4)
    compare(lambda lib, a: a.norm(), rn(2, 3, 4), device=device, rtol=1e-4)
    compare(lambda lib, a: lib.norm(a, p=1, dim=1), rn(2, 3, 4), device=device, rtol=1e-4)
    double_backward(lambda lib, a: lib.linalg.vector_norm(a, dim=1), rn(2, 3), device=device)
    double_backward(lambda lib, a: lib.linalg.vector_norm(a, 3, dim=0), rn(2, 3), device=device)


@pytest.mark.parametrize('ord', ['fro', 'nuc', 1, -1, 2, -2, float('inf'), -float('inf')])
def test_matrix_norm(device, ord):
    compare(lambda lib, a: lib.linalg.matrix_norm(a, ord), rn(2, 3, 4), device=device,
            rtol=1e-4, atol=1e-5)
    compare(lambda lib, a: lib.linalg.matrix_norm(a, ord, dim=(2, 0), keepdim=True),
            rn(3, 2, 4), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, a: lib.linalg.norm(a, ord), rn(3, 4), device=device, rtol=1e-4,
            atol=1e-5)
    fd_check(lambda a: ember.linalg.matrix_norm(a, ord), rn(2, 3, 4), device=device, atol=1e-5)


def test_norm_errors(device):
    for bad in [lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.long)),
                lambda lib: lib.linalg.vector_norm(lib.zeros(3, 4), dim=(0, 0)),
                lambda lib: lib.linalg.vector_norm(lib.zeros(3, 4, dtype=lib.float64),
                                                   dtype=lib.float32),
                lambda lib: lib.linalg.vector_norm(lib.zeros(0, 4), ord=float('inf')),
                lambda lib: lib.linalg.vector_norm(lib.zeros(0, 4), ord=-1),
                lambda lib: lib.linalg.matrix_norm(lib.zeros(3)),
                lambda lib: lib.linalg.matrix_norm(lib.zeros(3, 3), ord=3),
                lambda lib: lib.linalg.matrix_norm(lib.zeros(3, 3), ord='abc'),
                lambda lib: lib.linalg.matrix_norm(lib.zeros(3, 3), dim=(0, 0)),
                lambda lib: lib.linalg.norm(lib.zeros(2, 3, 4), ord=2),
                lambda lib: lib.linalg.norm(lib.zeros(3), ord='fro'),
                lambda lib: lib.linalg.norm(lib.zeros(2, 3, 4), dim=(0, 1, 2))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)
    with pytest.raises(TypeError):
        ember.linalg.vector_norm(ember.zeros(3), ord='fro')


# ----------------------------------------------------------------------------- det, inv, solve


def test_det_slogdet(device):
    compare(lambda lib, a: lib.linalg.det(a), rn(3, 3), device=device, rtol=1e-4)
    compare(lambda lib, a: lib.det(a), rn(2, 4, 4, dtype=np.float64), device=device)
    compare(lambda lib, a: a.det(), rn(4, 4, dtype=np.float64).T, device=device)
    compare(lambda lib, a: tuple(lib.linalg.slogdet(a)), rn(2, 3, 3, dtype=np.float64),
            device=device)
    compare(lambda lib, a: lib.logdet(a), spd(2, 3, 3), device=device)
    s = ember.linalg.slogdet(ember.tensor(rn(3, 3)))
    assert type(s).__name__ == 'linalg_slogdet' and s.sign.dtype == ember.float32
    fd_check(lambda a: ember.linalg.det(a), rn(2, 3, 3), device=device)
    fd_check(lambda a: ember.linalg.slogdet(a).logabsdet, rn(2, 3, 3), device=device)
    double_backward(lambda lib, a: lib.linalg.det(a), rn(2, 3, 3), device=device)


def test_det_singular_grad(device):
    # The gradient of det is the cofactor matrix, also for singular matrices. (PyTorch's
    # first-order path returns det * A^-T = 0 there; its create_graph path, used here as the
    # oracle, returns the cofactors, which finite differences confirm.)
    a = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
    z = np.zeros((3, 3))
    z[0, 0] = 1
    for m in (a, np.stack([a, rn(3, 3, dtype=np.float64)]), z):
        e = ember.tensor(m, device=device, requires_grad=True)
        t = torch.tensor(m, requires_grad=True)
        assert_same(ember.linalg.det(e), torch.linalg.det(t))
        ge, = ember.autograd.grad(ember.linalg.det(e).sum(), [e])
        gt, = torch.autograd.grad(torch.linalg.det(t).sum(), [t], create_graph=True)
        assert_same(ge, gt, atol=1e-12)
        fd_check(lambda x: ember.linalg.det(x), m, device=device)


def test_inv(device):
    a = rn(2, 4, 4, dtype=np.float64) + 3 * np.eye(4)
    compare(lambda lib, a: lib.linalg.inv(a), a, device=device)
    compare(lambda lib, a: a.inverse(), a.astype(np.float32), device=device, rtol=1e-4)
    compare(lambda lib, a: lib.linalg.inv(a.mT), a, device=device)
    fd_check(lambda a: ember.linalg.inv(a), a, device=device)
    double_backward(lambda lib, a: lib.linalg.inv(a), a, device=device)
    r = ember.linalg.inv_ex(ember.tensor(a, device=device))
    assert r.info.tolist() == [0, 0]


@pytest.mark.parametrize('mat', [
    [[1., 2.], [2., 4.]], [[[1., 0], [0, 1]], [[1., 2.], [2., 4.]]], np.zeros((3, 3)).tolist(),
    [[0., 1., 2.], [0., 2., 4.], [1., 5., 6.]],
    [[1., 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 2], [0, 0, 2, 4]]])
def test_inv_singular(device, mat):
    with pytest.raises(torch.linalg.LinAlgError) as te:
        torch.linalg.inv(torch.tensor(mat))
    with pytest.raises(ember.linalg.LinAlgError) as ee:
        ember.linalg.inv(ember.tensor(mat, device=device))
    assert isinstance(ee.value, RuntimeError)
    assert str(ee.value) == str(te.value)


def test_square_and_dtype_errors(device):
    for bad in [lambda lib: lib.linalg.inv(lib.zeros(2, 3)),
                lambda lib: lib.linalg.inv(lib.ones(2, 2, dtype=lib.long)),
                lambda lib: lib.linalg.det(lib.zeros(3)),
                lambda lib: lib.linalg.det(lib.zeros(2, 3)),
                lambda lib: lib.linalg.slogdet(lib.zeros(2, 3)),
                lambda lib: lib.linalg.cholesky(lib.zeros(2, 3)),
                lambda lib: lib.linalg.eigh(lib.zeros(2, 3)),
                lambda lib: lib.linalg.eigh(lib.zeros(3, 3), UPLO='X'),
                lambda lib: lib.linalg.svd(lib.zeros(3)),
                lambda lib: lib.linalg.qr(lib.zeros(3)),
                lambda lib: lib.linalg.qr(lib.zeros(2, 3), mode='x'),
                lambda lib: lib.linalg.svdvals(lib.ones(3, 3, dtype=lib.long)),
                lambda lib: lib.linalg.pinv(lib.ones(3, 3, dtype=lib.long)),
                lambda lib: lib.linalg.solve(lib.ones(3, 3, dtype=lib.long), lib.zeros(3))]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)


def test_solve(device):
    A = rn(3, 3, dtype=np.float64) + 3 * np.eye(3)
    compare(lambda lib, a, b: lib.linalg.solve(a, b), A, rn(3, dtype=np.float64), device=device)
    compare(lambda lib, a, b: lib.linalg.solve(a, b), A, rn(3, 2, dtype=np.float64),
            device=device)
    compare(lambda lib, a, b: lib.linalg.solve(a, b), np.stack([A, A.T]),
            rn(2, 3, dtype=np.float64), device=device)          # batch of vectors
    compare(lambda lib, a, b: lib.linalg.solve(a, b), np.stack([A, A.T]),
            rn(3, dtype=np.float64), device=device)
    compare(lambda lib, a, b: lib.linalg.solve(a, b), A, rn(4, 3, 2, dtype=np.float64),
            device=device)                                       # broadcast A
    compare(lambda lib, a, b: lib.linalg.solve(a, b, left=False), A, rn(4, 3, dtype=np.float64),
            device=device)
    compare(lambda lib, a, b: lib.linalg.solve(a, b), A.astype(np.float32), rn(3, 2),
            device=device, rtol=1e-4, atol=1e-5)
    fd_check(lambda a, b: ember.linalg.solve(a, b), np.stack([A, A.T]), rn(1, 3, 2),
             device=device)
    double_backward(lambda lib, a, b: lib.linalg.solve(a, b), A, rn(3, 2), device=device)


def test_solve_errors(device):
    sing = [[[1., 0], [0, 1]], [[1., 2.], [2., 4.]]]
    for bad in [lambda lib: lib.linalg.solve(lib.zeros(2, 2), lib.zeros(3)),
                lambda lib: lib.linalg.solve(lib.zeros(2, 2), lib.zeros(3, 2)),
                lambda lib: lib.linalg.solve(lib.zeros(2, 2), lib.zeros(2, 3, dtype=lib.float64)),
                lambda lib: lib.linalg.solve(lib.zeros(4, 2, 2), lib.zeros(3, 2, 1)),
                lambda lib: lib.linalg.solve(lib.zeros(2, 3), lib.zeros(3, 1)),
                lambda lib: lib.linalg.solve(lib.zeros(2, 2), lib.zeros(2, 3), left=False)]:
        with pytest.raises(RuntimeError) as te:
            bad(torch)
        with pytest.raises(RuntimeError) as ee:
            bad(ember)
        assert str(ee.value) == str(te.value)
    for A in (sing[1], sing):
        with pytest.raises(torch.linalg.LinAlgError) as te:
            torch.linalg.solve(torch.tensor(A), torch.ones(2, 1))
        with pytest.raises(ember.linalg.LinAlgError) as ee:
            ember.linalg.solve(ember.tensor(A, device=device), ember.ones(2, 1, device=device))
        assert str(ee.value) == str(te.value)


# ----------------------------------------------------------------------------- decompositions


def test_cholesky(device):
    A = spd(2, 4, 4)
    compare(lambda lib, a: lib.linalg.cholesky(a), A, device=device)
    compare(lambda lib, a: lib.linalg.cholesky(a, upper=True), A, device=device)
    compare(lambda lib, a: lib.linalg.cholesky(a), A.astype(np.float32), device=device,
            rtol=1e-4, atol=1e-5)
    sym_fn = lambda upper: lambda a: ember.linalg.cholesky((a + a.mT) / 2, upper=upper)
    fd_check(sym_fn(False), A, device=device)
    fd_check(sym_fn(True), A, device=device)
    double_backward(lambda lib, a: lib.linalg.cholesky((a + a.mT) / 2), spd(3, 3), device=device)


@pytest.mark.parametrize('mat', [(-np.eye(3)).tolist(), [[1., 2.], [2., 1.]],
                                 [np.eye(2).tolist(), [[1., 2.], [2., 1.]]]])
def test_cholesky_not_pd(device, mat):
    with pytest.raises(torch.linalg.LinAlgError) as te:
        torch.linalg.cholesky(torch.tensor(mat))
    with pytest.raises(ember.linalg.LinAlgError) as ee:
        ember.linalg.cholesky(ember.tensor(mat, device=device))
    assert str(ee.value) == str(te.value)


def _gauge_svd(lib, a, full=False):
    U, S, Vh = lib.linalg.svd(a, full_matrices=full)
    k = S.shape[-1]
    # invariant under the sign freedom of singular vector pairs
    return (U[..., :k] * S.unsqueeze(-2)) @ Vh[..., :k, :], U[..., :k].abs(), S


@pytest.mark.parametrize('shape', [(4, 3), (3, 5), (2, 4, 4)])
def test_svd(device, shape):
    a = rn(*shape, dtype=np.float64)
    compare(lambda lib, a: _gauge_svd(lib, a), a, device=device)
    compare(lambda lib, a: _gauge_svd(lib, a, True), a, device=device)
    compare(lambda lib, a: lib.linalg.svdvals(a), a, device=device)
    compare(lambda lib, a: lib.linalg.svdvals(a), a.astype(np.float32), device=device,
            rtol=1e-4, atol=1e-5)
    U, S, Vh = ember.linalg.svd(ember.tensor(a, device=device), full_matrices=True)
    m, n = shape[-2:]
    assert U.shape[-2:] == (m, m) and Vh.shape[-2:] == (n, n) and S.shape[-1] == min(m, n)
    fd_check(lambda a: _gauge_svd(ember, a)[1], a, device=device, atol=1e-5)
    fd_check(lambda a: ember.linalg.svd(a).S, a, device=device)


def test_torch_svd_old_api(device):
    a = rn(2, 4, 3, dtype=np.float64)
    compare(lambda lib, a: (lambda r: (r.S, (r.U * r.S.unsqueeze(-2)) @ r.V.mT))(lib.svd(a)), a,
            device=device)
    e = ember.svd(ember.tensor(a, device=device), some=False)
    assert type(e).__name__ == 'svd' and e.U.shape == (2, 4, 4) and e.V.shape == (2, 3, 3)
    compare(lambda lib, a: tuple(lib.svd(a, compute_uv=False)), a, device=device)


@pytest.mark.parametrize('shape,mode', [((4, 3), 'reduced'), ((3, 5), 'reduced'),
                                        ((2, 3, 3), 'complete'), ((4, 3), 'complete')])
def test_qr(device, shape, mode):
    a = rn(*shape, dtype=np.float64)
    # (Q R) and |Q|, |R| are invariant to the sign freedom of the factorisation
    fn = lambda lib, a: (lambda q, r: (q @ r, q.abs(), r.abs()))(*lib.linalg.qr(a, mode=mode))
    compare(fn, a, device=device, grad=not (mode == 'complete' and shape[-2] > shape[-1]))
    if not (mode == 'complete' and shape[-2] > shape[-1]):
        fd_check(lambda a: ember.linalg.qr(a, mode=mode).Q.abs(), a, device=device)
        fd_check(lambda a: ember.linalg.qr(a, mode=mode).R, a, device=device)
    r = ember.linalg.qr(ember.tensor(a, device=device), mode='r')
    assert r.Q.shape == (0,)
    assert_same(r.R.abs(), torch.linalg.qr(torch.tensor(a), mode='r').R.abs())


def test_qr_r_not_differentiable(device):
    a = ember.tensor(rn(3, 3), device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        ember.linalg.qr(a, mode='r').R.sum().backward()


@pytest.mark.parametrize('UPLO', ['L', 'U'])
def test_eigh(device, UPLO):
    a = rn(2, 4, 4, dtype=np.float64)   # not symmetric: only one triangle is read
    fn = lambda lib, a: (lambda w, v: (w, v.abs()))(*lib.linalg.eigh(a, UPLO=UPLO))
    compare(fn, a, device=device)
    compare(lambda lib, a: lib.linalg.eigvalsh(a, UPLO=UPLO), a, device=device)
    compare(lambda lib, a: lib.linalg.eigvalsh(a, UPLO=UPLO), a.astype(np.float32),
            device=device, rtol=1e-4, atol=1e-5)
    s = lambda a: (a + a.mT) / 2
    fd_check(lambda a: ember.linalg.eigh(s(a), UPLO=UPLO).eigenvectors.abs(), sym(3, 3),
             device=device, atol=1e-5)
    fd_check(lambda a: ember.linalg.eigvalsh(s(a)), sym(2, 3, 3), device=device)


def test_eigh_double_backward(device):
    double_backward(lambda lib, a: lib.linalg.eigvalsh((a + a.mT) / 2), sym(3, 3),
                    device=device, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('shape', [(3, 5), (5, 3), (2, 4, 4)])
def test_pinv(device, shape):
    a = rn(*shape, dtype=np.float64)
    compare(lambda lib, a: lib.linalg.pinv(a), a, device=device, rtol=1e-8, atol=1e-9)
    compare(lambda lib, a: a.pinverse(), a.astype(np.float32), device=device, rtol=1e-3,
            atol=1e-4)
    fd_check(lambda a: ember.linalg.pinv(a), a, device=device, atol=1e-5)
    s = sym(4, 4)
    compare(lambda lib, a: lib.linalg.pinv(a, hermitian=True), s, device=device, rtol=1e-8,
            atol=1e-9)
    low = rn(4, 2, dtype=np.float64) @ rn(2, 4, dtype=np.float64)    # rank 2
    compare(lambda lib, a: lib.linalg.pinv(a), low, device=device, rtol=1e-6, atol=1e-8)


def test_matrix_rank_power_multidot(device):
    low = np.stack([rn(4, 2, dtype=np.float64) @ rn(2, 5, dtype=np.float64),
                    rn(4, 5, dtype=np.float64)])
    compare(lambda lib, a: lib.linalg.matrix_rank(a), low, device=device)
    compare(lambda lib, a: lib.linalg.matrix_rank(a, atol=1.0, rtol=0.0), low, device=device)
    compare(lambda lib, a: lib.linalg.matrix_rank(a @ a.mT, hermitian=True), low, device=device)
    a = rn(2, 3, 3, dtype=np.float64) + 2 * np.eye(3)
    for n in (0, 1, 3, -2):
        compare(lambda lib, a: lib.linalg.matrix_power(a, n), a, device=device)
    compare(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), rn(3), rn(3, 4), rn(4, 2),
            device=device, rtol=1e-4)
    compare(lambda lib, a, b: lib.linalg.vecdot(a, b), rn(2, 3), rn(3), device=device)


def test_namespace():
    import ember.linalg as L
    for n in L.__all__:
        assert hasattr(torch.linalg, n), n
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


@pytest.mark.filterwarnings('ignore::UserWarning')  # torch's own deprecation warnings
def test_legacy_top_level_api(device):
    a = rn(2, 3, 3, dtype=np.float64)
    compare(lambda lib, a: tuple(lib.slogdet(a)), a, device=device)
    compare(lambda lib, a: tuple(a.slogdet()), a, device=device)
    assert type(ember.slogdet(ember.tensor(a))).__name__ == 'slogdet'
    compare(lambda lib, a: (lambda q, r: q @ r)(*lib.qr(a)), rn(4, 3, dtype=np.float64),
            device=device)
    assert ember.qr(ember.tensor(rn(4, 3)), some=False).Q.shape == (4, 4)
    compare(lambda lib, a: lib.cholesky(a), spd(3, 3), device=device)
    compare(lambda lib, a: a.cholesky(upper=True), spd(3, 3), device=device)
    compare(lambda lib, a: lib.norm(a, p='nuc'), rn(3, 4), device=device, rtol=1e-4)
    compare(lambda lib, a: a.norm(3, dim=(0, 1), keepdim=True), rn(3, 4), device=device,
            rtol=1e-4)
    compare(lambda lib, a: lib.inverse(a), spd(3, 3), device=device)
    compare(lambda lib, a, b: lib.chain_matmul(a, b, a), rn(3, 3), rn(3, 3), device=device,
            rtol=1e-4)
