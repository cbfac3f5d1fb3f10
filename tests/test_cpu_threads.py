"""ember's CPU threads (``ember.backend.cpu``): the chunked ``parallel`` runner, the split GEMM,
and the ops that run on the threads (convolution, batch norm, 2x2 max-pool, ReLU, linear),
checked against PyTorch with ember's pool at two threads and shapes big enough to be split.
"""
import threading

import numpy as np
import pytest

import ember
from ember.backend import cpu
from tests.helpers import needs_torch, torch

pytestmark = pytest.mark.skipif(cpu._blas.set is None,
                                reason="OpenBLAS's thread count is not switchable here")


@pytest.fixture(params=['numba', 'numpy'])
def kernels_on(request, monkeypatch):
    """Each kernel-backed op twice: with the compiled kernels and with NumPy's code."""
    from ember.backend import kernels
    if request.param == 'numba':
        pytest.importorskip('numba')
    monkeypatch.setattr(kernels, 'enabled', request.param == 'numba')
    return request.param


@pytest.fixture
def threads2():
    prev = cpu.num_threads()
    cpu.set_num_threads(2)
    yield
    cpu.set_num_threads(prev)


def test_parallel_covers_the_range_in_chunk_order(threads2):
    seen = []
    lock = threading.Lock()

    def fn(s, e):
        with lock:
            seen.extend(range(s, e))
        return (s, e)
    res = cpu.parallel(1000, fn, work=1 << 30)
    assert len(res) > 1
    assert [r[0] for r in res] == sorted(r[0] for r in res)
    assert res[0][0] == 0 and res[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(res, res[1:]))
    assert sorted(seen) == list(range(1000))


def test_parallel_inline_cases(threads2):
    assert cpu.parallel(1000, lambda s, e: (s, e), work=10) == [(0, 1000)]     # small work
    assert cpu.parallel(1, lambda s, e: (s, e), work=1 << 30) == [(0, 1)]
    inner = cpu.parallel(8, lambda s, e: cpu.parallel(100, lambda a, b: (a, b), work=1 << 30),
                         work=1 << 30)
    assert all(r == [(0, 100)] for r in inner)                                   # nested: inline


def test_parallel_single_thread_runs_inline():
    prev = cpu.num_threads()
    cpu.set_num_threads(1)
    try:
        names = cpu.parallel(100, lambda s, e: threading.current_thread().name, work=1 << 30)
        assert names == [threading.current_thread().name]
    finally:
        cpu.set_num_threads(prev)


def test_parallel_propagates_errors_and_restores_blas(threads2):
    before = cpu._blas.get()

    def fn(s, e):
        if s > 0:
            raise ValueError('chunk failed')
    with pytest.raises(ValueError, match='chunk failed'):
        cpu.parallel(100, fn, work=1 << 30)
    assert cpu._blas.get() == before


def test_workers_use_the_callers_numpy_error_state(threads2):
    with np.errstate(divide='raise', invalid='ignore'):
        states = cpu.parallel(64, lambda s, e: (np.geterr()['divide'], np.geterr()['invalid']),
                              work=1 << 30)
    assert set(states) == {('raise', 'ignore')}


def test_set_num_threads_is_embers_pool():
    prev = ember.get_num_threads()
    try:
        ember.set_num_threads(3)
        assert ember.get_num_threads() == 3 and cpu.num_threads() == 3
        assert cpu._blas.get() == 1               # OpenBLAS stays on one thread under ember
    finally:
        ember.set_num_threads(prev)


@pytest.mark.parametrize('shape', [((300, 200), (200, 150)), ((64, 3136), (3136, 128)),
                                   ((20, 500), (500, 900)), ((3, 4), (4, 5))])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('trans', [False, True])
def test_gemm_matches_numpy(threads2, shape, dtype, trans):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape[0]).astype(dtype)
    b = rng.standard_normal(shape[1]).astype(dtype)
    if trans:                                      # transposed (F-ordered) operands
        a, b = np.asfortranarray(a), np.asfortranarray(b)
    got = cpu.gemm(a, b)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


def _both(fn, arrays, grad_of):
    """Run ``fn(lib, *tensors)`` on ember and torch; return outputs and input gradients."""
    out = []
    for lib in (ember, torch):
        ts = [lib.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
        y = fn(lib, *ts)
        g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
        (y * lib.tensor(g)).sum().backward()
        out.append([y.detach().numpy()] + [ts[i].grad.numpy() for i in grad_of])
    return out


def _close(e, t, rtol=2e-5):
    for a, b in zip(e, t):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * (np.abs(b).max() + 1))


CONVS = [  # (nd, N, C, O, S, K, stride, padding, dilation, groups, transposed)
    (2, 64, 8, 16, 20, 3, 1, 1, 1, 1, False), (2, 64, 8, 16, 20, 3, 2, 1, 1, 2, False),
    (2, 64, 8, 16, 21, 5, 1, 2, 2, 4, False), (1, 64, 8, 16, 200, 3, 1, 1, 1, 1, False),
    (3, 32, 4, 8, 10, 3, 1, 1, 1, 1, False), (2, 64, 16, 8, 12, 3, 2, 1, 1, 2, True),
    (2, 64, 8, 16, 20, 3, 1, 0, 1, 1, False), (2, 64, 8, 16, 20, 1, 1, 0, 1, 1, False),
    (2, 64, 3, 32, 32, 3, 1, 1, 1, 1, False), (2, 64, 96, 128, 8, 3, 1, 1, 1, 1, False)]


@needs_torch
@pytest.mark.parametrize('cfg', CONVS, ids=lambda c: 'x'.join(map(str, c)))
def test_conv_on_threads_matches_torch(threads2, cfg):
    nd, N, C, O, S, K, st, p, d, g, tr = cfg
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C) + (S,) * nd).astype(np.float32)
    w = rng.standard_normal(((C, O // g) if tr else (O, C // g)) + (K,) * nd).astype(np.float32)
    b = rng.standard_normal(O).astype(np.float32)
    name = ('conv_transpose%dd' if tr else 'conv%dd') % nd

    def fn(lib, x, w, b):
        return getattr(lib.nn.functional, name)(x, w, b, stride=st, padding=p, dilation=d,
                                                groups=g)
    e, t = _both(fn, [x, w, b], (0, 1, 2))
    _close(e, t, 5e-5)


@needs_torch
def test_conv_weight_grad_is_deterministic(threads2):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((64, 32, 14, 14)).astype(np.float32))
    w = ember.tensor(rng.standard_normal((64, 32, 3, 3)).astype(np.float32), requires_grad=True)
    grads = []
    for _ in range(3):
        w.grad = None
        ember.nn.functional.conv2d(x, w, padding=1).square().sum().backward()
        grads.append(w.grad.numpy().copy())
    assert all(np.array_equal(grads[0], gr) for gr in grads[1:])


@needs_torch
@pytest.mark.parametrize('shape', [(64, 16, 32, 32), (128, 8, 17, 15), (512, 300)])
@pytest.mark.parametrize('training', [True, False])
def test_batch_norm_on_threads_matches_torch(threads2, kernels_on, shape, training):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 5).astype(np.float32)
    C = shape[1]
    w, b = rng.standard_normal(C).astype(np.float32), rng.standard_normal(C).astype(np.float32)
    rm, rv = rng.standard_normal(C).astype(np.float32), rng.random(C).astype(np.float32) + .5
    stats = {}

    def fn(lib, x, w, b):
        m, v = lib.tensor(rm), lib.tensor(rv)
        y = lib.nn.functional.batch_norm(x, m, v, w, b, training=training, momentum=0.3)
        stats[lib.__name__] = (m.numpy(), v.numpy())
        return y
    e, t = _both(fn, [x, w, b], (0, 1, 2))
    _close(e, t, 1e-4)
    _close(stats['ember'], stats['torch'], 1e-5)


@needs_torch
@pytest.mark.parametrize('shape', [(64, 32, 28, 28), (32, 16, 17, 15), (40, 30, 30)])
def test_max_pool_2x2_on_threads_matches_torch(threads2, kernels_on, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    x[:, :, ::3] = np.round(x[:, :, ::3])            # ties
    e, t = _both(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [x], (0,))
    _close(e, t, 0)


@needs_torch
def test_max_pool_2x2_nan_on_threads(threads2, kernels_on):
    x = np.random.default_rng(0).standard_normal((64, 8, 32, 32)).astype(np.float32)
    x[40, 3, 5, 7] = np.nan
    x[41, 3, 4:6, 6:8] = np.nan                       # several NaNs in one window
    x[42, 3, 4:6, 6:8] = -np.inf                      # all -inf
    x[43, 3, 4, 6:8] = np.inf
    e, t = _both(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [x], (0,))
    for a, b in zip(e, t):
        np.testing.assert_array_equal(a, b)


@needs_torch
def test_relu_on_threads_matches_torch(threads2, kernels_on):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32, 16, 16)).astype(np.float32)
    x[0, 0, 0, :8] = 0
    e, t = _both(lambda lib, x: lib.relu(x), [x], (0,))
    _close(e, t, 0)
    # a non-finite gradient meeting the mask: where(), not inf * 0
    for lib in (ember, torch):
        xt = lib.tensor(x.reshape(-1), requires_grad=True)
        g = np.full(x.size, np.inf, np.float32)
        lib.relu(xt).backward(lib.tensor(g))
        gr = xt.grad.numpy()
        assert not np.isnan(gr).any() and np.isinf(gr).sum() == (x > 0).sum()


@needs_torch
def test_linear_on_threads_matches_torch(threads2):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 784)).astype(np.float32)
    w = (rng.standard_normal((1024, 784)) * .03).astype(np.float32)
    b = rng.standard_normal(1024).astype(np.float32)
    e, t = _both(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [x, w, b], (0, 1, 2))
    _close(e, t, 1e-4)


@needs_torch
@pytest.mark.parametrize('kw', [dict(), dict(weight_decay=0.1), dict(amsgrad=True),
                                dict(maximize=True, weight_decay=0.01)])
@pytest.mark.parametrize('opt', ['Adam', 'AdamW'])
def test_adam_big_parameter_matches_torch(threads2, kernels_on, opt, kw):
    """A parameter big enough for the chunked/compiled update, 30 steps, against torch."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((300, 1000)).astype(np.float32)
    grads = [rng.standard_normal(w0.shape).astype(np.float32) for _ in range(30)]
    res = []
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.tensor(w0.copy()))
        o = getattr(lib.optim, opt)([w], lr=0.01, **kw)
        for g in grads:
            w.grad = lib.tensor(g)
            o.step()
        res.append(w.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('sa,sb', [((32, 8, 64, 32), (32, 8, 32, 64)), ((16, 100, 64), (64, 50)),
                                   ((100, 64), (16, 64, 50)), ((1, 8, 64, 32), (4, 8, 32, 64)),
                                   ((4, 30, 40), (4, 40, 50)), ((6, 5), (5, 4))])
@pytest.mark.parametrize('swap', [False, True])
def test_batched_matmul_matches_numpy(threads2, sa, sb, swap):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    if swap:                       # transposed (non-contiguous) right operand
        b = np.ascontiguousarray(np.swapaxes(b, -1, -2)).swapaxes(-1, -2)
    got = cpu.matmul(a, b)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_lapack_calls_lend_openblas_embers_threads(threads2):
    from unittest import mock
    seen = []
    real = np.linalg.solve

    def spy(*a, **k):
        seen.append(cpu._blas.get())
        return real(*a, **k)
    A = np.random.default_rng(0).standard_normal((50, 50)) + 50 * np.eye(50)
    b = np.ones(50)
    with mock.patch.object(np.linalg, 'solve', spy):
        x = cpu.lapack.solve(A, b)
        y = ember.linalg.solve(ember.tensor(A), ember.tensor(b))
    assert seen == [2, 2] and cpu._blas.get() == 1
    np.testing.assert_allclose(A @ x, b, atol=1e-10)
    np.testing.assert_allclose(y.numpy(), x, atol=1e-10)
    assert cpu.lapack.LinAlgError is np.linalg.LinAlgError


@needs_torch
def test_half_precision_skips_the_kernels(threads2, kernels_on):
    """Kernels are compiled for float32/64 only: float16 must take the NumPy code."""
    x = np.random.default_rng(0).standard_normal((64, 4, 48, 48)).astype(np.float16)
    g = np.ones((64, 4, 24, 24), np.float16)
    res = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(lib.relu(xt), 2)
        y.backward(lib.tensor(g))
        res.append((y.detach().numpy(), xt.grad.numpy()))
    for a, b in zip(*res):
        assert a.dtype == b.dtype == np.float16
        np.testing.assert_array_equal(a, b)
