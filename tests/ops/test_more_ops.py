"""isin, addr, as_strided, the window functions and linalg.solve_triangular against PyTorch:
values, dtypes, shapes, gradients (finite differences in float64) and error types."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, to_np, torch, needs_torch, fd_check

pytestmark = needs_torch


def R(*shape, dtype=np.float32, lo=-2, hi=2):
    return np.random.uniform(lo, hi, shape).astype(dtype)


def both(fn):
    """``fn(lib)`` for ember and torch: the two results, or the two exception types."""
    out = []
    for lib in (ember, torch):
        try:
            out.append(fn(lib))
        except Exception as e:      # noqa: BLE001  (the type is what is compared)
            out.append(type(e))
    return out


def same_error(fn, kind=None):
    """ember raises the exception type torch raises (``kind`` when given)."""
    e, t = both(fn)
    assert isinstance(t, type) and issubclass(t, Exception), f'torch did not raise: {t}'
    assert e is t, f'ember raised {e}, torch {t}'
    if kind is not None:
        assert issubclass(e, kind)


def double_backward(fn, *arrays, device='cpu'):
    """Second-order gradients through ``create_graph=True`` match torch's (float64)."""
    res = []
    for lib in (ember, torch):
        kw = {'device': device} if lib is ember else {}
        xs = [lib.tensor(np.asarray(a, np.float64), requires_grad=True, **kw) for a in arrays]
        out = fn(lib, *xs)
        w = lib.tensor(np.random.RandomState(5).standard_normal(tuple(out.shape)), **kw)
        gs = lib.autograd.grad((out * w).sum(), xs, create_graph=True)
        tot = sum((g * g).sum() for g in gs)
        res.append([to_np(g) for g in lib.autograd.grad(tot, xs)])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


# ============================================================================ isin


@pytest.mark.parametrize('dt', [np.int64, np.int32, np.uint8, np.float32, np.float64, np.float16])
def test_isin_values(device, dt):
    a = np.random.randint(0, 10, (3, 4)).astype(dt)
    b = np.random.randint(0, 10, (5,)).astype(dt)
    for inv in (False, True):
        for uniq in (False, True):
            compare(lambda L, a, b: L.isin(a, b, assume_unique=uniq, invert=inv), a, b,
                    grad=False, device=device)
    compare(lambda L, a, b: L.isin(a, b.reshape(5, 1)), a, b, grad=False, device=device)


def test_isin_scalars_and_promotion(device):
    a = np.arange(6).reshape(2, 3)
    f = np.array([0.1, 2.0, np.nan], np.float32)
    compare(lambda L, a: L.isin(a, 2), a, grad=False, device=device)
    compare(lambda L, a: L.isin(a, 2.5), a, grad=False, device=device)
    compare(lambda L, a: L.isin(2, a), a, grad=False, device=device)
    compare(lambda L, a: L.isin(4.0, a, invert=True), a, grad=False, device=device)
    compare(lambda L, f: L.isin(f, 0.1), f, grad=False, device=device)           # weak scalar
    compare(lambda L, f, g: L.isin(f, g), f, np.array([0.1, np.nan]), grad=False,
            device=device)                                                       # float64 wins
    compare(lambda L, f: L.isin(f, f), f, grad=False, device=device)             # NaN: no match
    compare(lambda L, a, b: L.isin(a, b), a, np.array([2.0, 3.5], np.float32), grad=False,
            device=device)
    compare(lambda L, a, b: L.isin(a, b), a.astype(np.uint8), np.array([-1, 2]), grad=False,
            device=device)
    compare(lambda L, a, b: L.isin(a, b), np.zeros(0, np.float32), np.array([1.0], np.float32),
            grad=False, device=device)
    compare(lambda L, a, b: L.isin(a, b), a, np.zeros(0, np.int64), grad=False, device=device)
    compare(lambda L, a, b: L.isin(a, b), np.array(3), a, grad=False, device=device)


def test_isin_out_and_no_grad():
    x = ember.tensor([1., 2., 3.], requires_grad=True)
    r = ember.isin(x, ember.tensor([2.]))
    assert r.dtype == ember.bool and not r.requires_grad and r.grad_fn is None
    out = ember.empty(3, dtype=ember.bool)
    assert ember.isin(x.detach(), ember.tensor([3.]), out=out) is out
    assert out.tolist() == [False, False, True]
    assert not hasattr(ember.Tensor, 'isin') and not hasattr(torch.Tensor, 'isin')


def test_isin_errors():
    def T(L):
        return L.tensor([1, 2, 3])
    same_error(lambda L: L.isin(L.tensor([True]), T(L)), RuntimeError)
    same_error(lambda L: L.isin(T(L), L.tensor([True])), RuntimeError)
    same_error(lambda L: L.isin(T(L), True), RuntimeError)
    same_error(lambda L: L.isin(L.tensor([1 + 1j]), T(L)), RuntimeError)
    same_error(lambda L: L.isin(T(L), 1 + 0j), RuntimeError)
    same_error(lambda L: L.isin(2, 3), TypeError)
    same_error(lambda L: L.isin([1, 2], T(L)), TypeError)
    same_error(lambda L: L.isin(T(L), None), TypeError)
    same_error(lambda L: L.isin(T(L), T(L), invert=1), TypeError)
    with pytest.raises(RuntimeError, match='Unsupported input type encountered for isin'):
        ember.isin(ember.tensor([1.]), ember.tensor([True]))


# ============================================================================ addr


@pytest.mark.parametrize('ishape', [(3, 4), (4,), (3, 1), (1, 4), (1, 1), ()])
def test_addr_values_grads(device, ishape):
    compare(lambda L, m, a, b: L.addr(m, a, b), R(*ishape), R(3), R(4), device=device)
    compare(lambda L, m, a, b: L.addr(m, a, b, beta=0.5, alpha=-2), R(*ishape), R(3), R(4),
            device=device)
    compare(lambda L, m, a, b: m.addr(a, b, beta=0, alpha=3), R(*ishape), R(3), R(4),
            device=device)


def test_addr_dtypes(device):
    i = np.arange(6).reshape(2, 3)
    compare(lambda L, m, a, b: L.addr(m, a, b, beta=2, alpha=3), i, np.arange(2), np.arange(3),
            device=device)
    compare(lambda L, m, a, b: L.addr(m, a, b), i.astype(np.int32), np.arange(2).astype(np.int8),
            np.arange(3).astype(np.int32), device=device)
    compare(lambda L, m, a, b: L.addr(m, a, b), R(2, 3), np.arange(2), R(3), grad=False,
            device=device)     # (torch's backward fails on the int vector)
    m, a, b = R(2, 3), R(2, dtype=np.float64), R(3)
    compare(lambda L, m, a, b: L.addr(m, a, b), m, a, b, grad=False, device=device)
    # mixed dtypes: torch's backward refuses them; ember's gradients equal the float64 ones
    es = [ember.tensor(v, device=device, requires_grad=True) for v in (m, a, b)]
    ts = [torch.tensor(v.astype(np.float64), requires_grad=True) for v in (m, a, b)]
    ember.addr(*es, alpha=2).sum().backward()
    torch.addr(*ts, alpha=2).sum().backward()
    for e, t in zip(es, ts):
        assert e.grad.dtype == e.dtype
        np.testing.assert_allclose(to_np(e.grad), to_np(t.grad), rtol=1e-6)
    compare(lambda L, m, a, b: L.addr(m, a, b, alpha=0.5), R(2, 3, dtype=np.float16),
            R(2, dtype=np.float16), R(3, dtype=np.float16), grad=False, device=device)
    bm = np.array([[True, False, False], [False, False, True]])
    bv1, bv2 = np.array([True, False]), np.array([True, False, True])
    for beta, alpha in ((1, 1), (0, True), (False, 1), (2, 0)):
        compare(lambda L, m, a, b: L.addr(m, a, b, beta=beta, alpha=alpha), bm, bv1, bv2,
                grad=False, device=device)


def test_addr_beta_zero_ignores_nan(device):
    m = np.full((2, 3), np.nan, np.float32)
    compare(lambda L, m, a, b: L.addr(m, a, b, beta=0), m, R(2), R(3), device=device)


def test_addr_inplace_and_out(device):
    compare(lambda L, m, a, b: (m * 1).addr_(a, b, beta=2, alpha=0.5), R(3, 4), R(3), R(4),
            device=device)
    m = ember.tensor(R(3, 4), device=device)
    a, b = ember.tensor(R(3), device=device), ember.tensor(R(4), device=device)
    want = ember.addr(m, a, b)
    assert m.addr_(a, b) is m
    assert_same(m, want)
    out = ember.empty(3, 4, device=device)
    assert ember.addr(m, a, b, out=out) is out
    r = ember.addr(ember.ones(3, 4, requires_grad=True), a, b)
    assert type(r.grad_fn).__name__ == 'AddrBackward0'


def test_addr_gradcheck():
    fd_check(lambda m, a, b: ember.addr(m, a, b, beta=0.7, alpha=-1.3), R(3, 1), R(3), R(4))
    double_backward(lambda L, m, a, b: L.addr(m, a, b, beta=0.7, alpha=2) ** 2,
                    R(3, 4), R(3), R(4))


def test_addr_errors():
    def t(L, *s, dt=None):
        return L.ones(*s) if dt is None else L.ones(*s, dtype=getattr(L, dt))
    same_error(lambda L: L.addr(t(L, 2, 3), t(L, 2, 1), t(L, 3)), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 3), t(L, 2), t(L, 1, 3)), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2), t(L, 2), t(L, 3)), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 1, 3), t(L, 2), t(L, 3)), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 3, dt='int64'), t(L, 2, dt='int64'), t(L, 3, dt='int64'),
                                beta=0.5), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 3, dt='int64'), t(L, 2, dt='int64'), t(L, 3, dt='int64'),
                                alpha=1.5), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 3, dt='int64'), t(L, 2, dt='int64'), t(L, 3, dt='int64'),
                                beta=True), RuntimeError)
    same_error(lambda L: L.addr(t(L, 2, 3), t(L, 2), t(L, 3), beta=1j), RuntimeError)
    same_error(lambda L: L.addr(2.0, t(L, 2), t(L, 3)), TypeError)
    same_error(lambda L: t(L, 1, 3).addr_(t(L, 2), t(L, 3)), RuntimeError)
    same_error(lambda L: t(L, 2, 3, dt='int64').addr_(t(L, 2), t(L, 3)), RuntimeError)
    with pytest.raises(RuntimeError, match='Expected 1-D argument vec1'):
        ember.addr(ember.ones(2, 3), ember.ones(2, 1), ember.ones(3))


# ============================================================================ as_strided


AS_CASES = [
    ((3, 3), (1, 1), None), ((3, 3), (1, 1), 5), ((2, 2), (3, 1), 1), ((2, 2), (0, 0), None),
    ((), (), 9), ((0, 3), (1, 1), 100), ((4,), (2,), 1), ((2, 3), (1, 2), None),
]


@pytest.mark.parametrize('size,stride,off', AS_CASES)
def test_as_strided_values(device, size, stride, off):
    e, t = both(lambda L: L.arange(10., device=device) if L is ember else L.arange(10.))
    re = ember.as_strided(e, size, stride, off)
    rt = torch.as_strided(t, size, stride, off)
    assert_same(re, rt)
    assert re.stride() == rt.stride()
    if 0 not in size:
        assert re.storage_offset() == rt.storage_offset()
    assert_same(e.as_strided(size, stride, off), t.as_strided(size, stride, off))


def test_as_strided_view_semantics(device):
    for L in (ember, torch):
        kw = {'device': device} if L is ember else {}
        x = L.arange(10., **kw)
        s = x[2:]
        assert s.as_strided((3,), (1,)).tolist() == [2., 3., 4.]      # default: s's offset
        assert s.as_strided((3,), (1,), 0).tolist() == [0., 1., 2.]   # the whole storage
        v = x.as_strided((2,), (3,), 1)
        v.mul_(-1)                                                    # writes reach x
        assert x.tolist() == [0., -1., 2., 3., -4., 5., 6., 7., 8., 9.]
        assert v.data_ptr() == x.data_ptr() + 4
        z = L.zeros(6, **kw)
        z.as_strided((3,), (2,)).fill_(1.)
        assert z.tolist() == [1., 0., 1., 0., 1., 0.]
        assert x.t().as_strided((2,), (1,)).tolist() == [0., -1.]
        w = L.arange(12., **kw).reshape(3, 4).unfold(1, 2, 1)        # a view of a window view
        assert w.as_strided((3,), (1,), 2).tolist() == [2., 3., 4.]
        assert L.as_strided(x.int(), (2,), (1,)).dtype == L.int32


AS_GRAD = [
    lambda L, x: x.as_strided((3, 3), (1, 1)),                   # overlapping windows
    lambda L, x: L.as_strided(x * 2, (2, 2), (0, 1), 3).exp(),
    lambda L, x: (x * 1)[3:].as_strided((5,), (1,), 0),          # reaches before the view
    lambda L, x: (x * 1)[3:].as_strided((3,), (2,), 1),
    lambda L, x: x.reshape(3, 4).t().as_strided((2, 2), (4, 1), 1),
    lambda L, x: x.reshape(3, 4)[:, 1:].as_strided((3, 3), (1, 1), 2),
    lambda L, x: x.reshape(3, 4).as_strided((3, 4), (4, 1)),     # the identity
    lambda L, x: x[:1].expand(3, 4).as_strided((3,), (0,)),      # overlapping input
]


@pytest.mark.parametrize('k', range(len(AS_GRAD)))
def test_as_strided_grads(device, k):
    compare(AS_GRAD[k], R(12), device=device)
    compare(AS_GRAD[k], R(12, dtype=np.float64), device=device)


def test_as_strided_gradcheck_and_double_backward():
    fd_check(lambda x: ember.as_strided(x, (3, 3), (2, 1), 1) ** 2, R(12))
    fd_check(lambda x: x.t().as_strided((4, 2), (1, 3)) * 3, R(3, 4))
    double_backward(lambda L, x: (x * 1).as_strided((3, 3), (1, 1), 2) ** 3, R(10))


def test_as_strided_inplace_under_autograd():
    x = R(6).astype(np.float64)
    grads = []
    for L in (ember, torch):
        a = L.tensor(x, requires_grad=True)
        b = a * 1
        b.as_strided((2,), (2,), 1).mul_(3)
        (b * L.arange(6.).double()).sum().backward()
        grads.append(a.grad)
    assert_same(*grads)


def test_as_strided_errors():
    def x(L):
        return L.arange(10.)
    same_error(lambda L: L.as_strided(x(L), (3, 3), (1, 1), 6), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), (), (), 10), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), (3,), (-1,), 5), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), (3, 3), (1,)), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), (-1, 3), (1, 1)), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), (3,), (1,), -1), RuntimeError)
    same_error(lambda L: L.as_strided(x(L), 3, 1), TypeError)
    same_error(lambda L: L.as_strided(x(L), (3,), 1), TypeError)
    same_error(lambda L: L.as_strided(x(L), (3.0,), (1,)), TypeError)
    same_error(lambda L: L.ones(1).expand(4).as_strided((2,), (1,)), RuntimeError)
    with pytest.raises(RuntimeError, match='out of bounds for storage of size 40'):
        ember.as_strided(ember.arange(10.), (3, 3), (1, 1), 8)


# ============================================================================ windows

WINDOWS = ['hann_window', 'hamming_window', 'blackman_window', 'bartlett_window', 'kaiser_window']


@pytest.mark.parametrize('name', WINDOWS)
@pytest.mark.parametrize('n', [0, 1, 2, 3, 5, 16, 101])
def test_window_values(device, name, n):
    for periodic in (True, False):
        for dt in ('float32', 'float64', 'float16', 'bfloat16'):
            e = getattr(ember, name)(n, periodic, dtype=getattr(ember, dt), device=device)
            t = getattr(torch, name)(n, periodic, dtype=getattr(torch, dt))
            assert_same(e, t, atol=1e-6)
            assert e.device.type == device
        assert_same(getattr(ember, name)(n, device=device), getattr(torch, name)(n), atol=1e-6)
        assert_same(getattr(ember, name)(n, periodic=periodic),
                    getattr(torch, name)(n, periodic=periodic), atol=1e-6)


def test_window_parameters():
    for args in ((7, True, 0.5), (7, False, 0.5, 0.3), (8, True, 1)):
        assert_same(ember.hamming_window(*args), torch.hamming_window(*args), atol=1e-6)
    assert_same(ember.hamming_window(6, True, alpha=0.6, beta=0.2),
                torch.hamming_window(6, True, alpha=0.6, beta=0.2), atol=1e-6)
    for args in ((7, True, 5.0), (8, False, 0.0), (9, False, -1.0), (1, False, 3.0), (12, True, 2)):
        assert_same(ember.kaiser_window(*args), torch.kaiser_window(*args), atol=1e-6)
    assert_same(ember.kaiser_window(10, periodic=True, beta=3.0),
                torch.kaiser_window(10, periodic=True, beta=3.0), atol=1e-6)
    assert_same(ember.kaiser_window(10, dtype=ember.float64),
                torch.kaiser_window(10, dtype=torch.float64), rtol=1e-9, atol=1e-12)


def test_window_default_dtype_and_grad():
    for name in WINDOWS:
        f = getattr(ember, name)
        assert f(5).dtype == ember.float32 and not f(5).requires_grad
        w = f(5, requires_grad=True)
        assert w.requires_grad and w.is_leaf
        assert f(ember.tensor(5)).shape == (5,)
        prev = ember.get_default_dtype()
        ember.set_default_dtype(ember.float64)
        try:
            assert f(5).dtype == ember.float64
        finally:
            ember.set_default_dtype(prev)


@pytest.mark.parametrize('name', WINDOWS)
def test_window_errors(name):
    same_error(lambda L: getattr(L, name)(-1), RuntimeError)
    same_error(lambda L: getattr(L, name)(5, dtype=L.int64), RuntimeError)
    same_error(lambda L: getattr(L, name)(0, dtype=L.int64), RuntimeError)
    same_error(lambda L: getattr(L, name)(5.0), TypeError)
    same_error(lambda L: getattr(L, name)(True), TypeError)
    same_error(lambda L: getattr(L, name)(5, 1), TypeError)
    same_error(lambda L: getattr(L, name)(5, dtype=L.complex64), NotImplementedError)
    with pytest.raises(RuntimeError, match=f'{name} requires non-negative window_length, got '
                                           'window_length=-3'):
        getattr(ember, name)(-3)


def test_window_overload_errors():
    same_error(lambda L: L.hamming_window(5, alpha=0.5), TypeError)
    same_error(lambda L: L.hamming_window(5, True, beta=0.2), TypeError)
    same_error(lambda L: L.kaiser_window(5, beta=5.0), TypeError)


# ============================================================================ solve_triangular


def tri(*shape, dtype=np.float32):
    """Well-conditioned matrices (the solver reads one triangle)."""
    a = np.random.uniform(-1, 1, shape)
    n = shape[-1]
    a[..., np.arange(n), np.arange(n)] = np.random.uniform(1, 2, shape[:-1]) * \
        np.random.choice([-1, 1], shape[:-1])
    return a.astype(dtype)


@pytest.mark.parametrize('upper', [True, False])
@pytest.mark.parametrize('left', [True, False])
@pytest.mark.parametrize('unit', [False, True])
def test_solve_triangular_values_grads(device, upper, left, unit):
    def f(L, A, B):
        return L.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit)
    bs = (4, 3) if left else (3, 4)
    compare(f, tri(4, 4), R(*bs), device=device, rtol=1e-4, atol=1e-5)
    compare(f, tri(4, 4, dtype=np.float64), R(*bs, dtype=np.float64), device=device)
    bb = (2, 1, 4, 3) if left else (2, 1, 3, 4)
    compare(f, tri(3, 4, 4, dtype=np.float64), R(*bb, dtype=np.float64), device=device)
    compare(f, tri(2, 1, 4, 4, dtype=np.float64), R(3, *bs, dtype=np.float64), device=device)


def test_solve_triangular_gradcheck():
    for upper, left, unit in ((True, True, False), (False, False, True), (False, True, False)):
        bs = (3, 2) if left else (2, 3)
        fd_check(lambda A, B: ember.linalg.solve_triangular(A, B, upper=upper, left=left,
                                                            unitriangular=unit),
                 tri(3, 3), R(*bs), atol=1e-5)
        fd_check(lambda A, B: ember.linalg.solve_triangular(A, B, upper=upper, left=left),
                 tri(2, 3, 3), R(1, *bs), atol=1e-5)
    A = ember.tensor(tri(3, 3, dtype=np.float64), requires_grad=True)
    B = ember.tensor(R(3, 2, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda A, B: ember.linalg.solve_triangular(A, B, upper=False), (A, B))
    double_backward(lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True),
                    tri(3, 3), R(3, 2))
    double_backward(lambda L, A, B: L.linalg.solve_triangular(A, B, upper=False, left=False,
                                                              unitriangular=True),
                    tri(3, 3), R(2, 3))


def test_solve_triangular_special_inputs(device):
    def f(L, A, B):
        return L.linalg.solve_triangular(A, B, upper=True)
    compare(f, np.zeros((2, 2), np.float32), np.ones((2, 3), np.float32), grad=False,
            device=device)                                                  # singular: inf/nan
    compare(lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True, unitriangular=True),
            np.zeros((2, 2), np.float32), np.ones((2, 3), np.float32), device=device)
    compare(f, np.array([[np.nan, 1.], [0., 3.]], np.float32), np.ones((2, 3), np.float32),
            grad=False, device=device)
    compare(f, np.ones((0, 0), np.float32), np.ones((0, 3), np.float32), device=device)
    compare(f, tri(2, 2), np.ones((2, 0), np.float32), device=device)
    compare(f, tri(3, 3).astype(np.complex64), R(3, 2).astype(np.complex64), grad=False,
            device=device, rtol=1e-4, atol=1e-5)


def test_solve_triangular_dtypes():
    A, B = tri(3, 3), R(3, 2)
    for da, db in ((np.float64, np.float32), (np.float32, np.float64), (np.float32, np.int64),
                   (np.float64, np.float16)):
        compare(lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True), A.astype(da),
                (B * 4).astype(db), grad=False, rtol=1e-5, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True), A,
                B.astype(np.complex64), grad=False)
    out = ember.empty(3, 2)
    r = ember.linalg.solve_triangular(ember.tensor(A), ember.tensor(B), upper=True, out=out)
    assert r is out
    assert not hasattr(ember, 'solve_triangular') and not hasattr(torch, 'solve_triangular')
    assert hasattr(ember, 'addr') and hasattr(ember, 'as_strided') and hasattr(ember, 'isin')


def test_solve_triangular_errors():
    def st(L, a, b, **kw):
        kw.setdefault('upper', True)
        return L.linalg.solve_triangular(a, b, **kw)
    same_error(lambda L: st(L, L.ones(2, 2), L.ones(2)), RuntimeError)
    same_error(lambda L: st(L, L.ones(2, 2), L.ones(3, 2)), RuntimeError)
    same_error(lambda L: st(L, L.ones(2, 2), L.ones(2, 3), left=False), RuntimeError)
    same_error(lambda L: st(L, L.ones(2, 3), L.ones(2, 3)), RuntimeError)
    same_error(lambda L: st(L, L.ones(3), L.ones(3, 1)), RuntimeError)
    same_error(lambda L: st(L, L.ones(4, 2, 2, 2), L.ones(3, 2, 5)), RuntimeError)
    for dt in ('int64', 'int32', 'float16', 'bool', 'bfloat16'):
        same_error(lambda L: st(L, L.ones(2, 2, dtype=getattr(L, dt)), L.ones(2, 3)),
                   NotImplementedError)
    same_error(lambda L: st(L, L.ones(2, 2), L.ones(2, 3), upper=1), TypeError)
    same_error(lambda L: L.linalg.solve_triangular(L.ones(2, 2), L.ones(2, 3)), TypeError)
    same_error(lambda L: L.linalg.solve_triangular(L.ones(2, 2), L.ones(2, 3), True), TypeError)
    same_error(lambda L: st(L, L.ones(2, 2), L.ones(2, 3), out=L.empty(2, 3, dtype=L.float64)),
               RuntimeError)
    with pytest.raises(RuntimeError, match=r'Incompatible shapes of A and B for the equation '
                                           r'AX = B \(2x2 and 3x2\)'):
        ember.linalg.solve_triangular(ember.ones(2, 2), ember.ones(3, 2), upper=True)
