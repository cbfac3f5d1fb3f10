"""Reductions against PyTorch: values, dtypes, shapes, gradients (first and second order),
finite differences, ties/NaN/zeros, non-contiguous inputs and PyTorch's exceptions."""
import math
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, numeric_grad, needs_torch, torch, to_np

pytestmark = needs_torch

NAN = float('nan')
INF = float('inf')


def _rand(*shape, dtype=np.float32, seed=0):
    return np.random.RandomState(seed).standard_normal(shape).astype(dtype)


def _distinct(*shape, dtype=np.float32, seed=0):
    """Values with no ties (selection ops pick a unique element)."""
    n = int(np.prod(shape))
    return (np.random.RandomState(seed).permutation(n) * 0.37 - n * 0.15).astype(dtype).reshape(shape)


def _lib_w(lib, w, device):
    return lib.tensor(w, device=device) if lib is ember else lib.tensor(w)


def _outputs(out):
    return [o for o in (out if isinstance(out, (tuple, list)) else (out,))
            if o.dtype.is_floating_point]


def gradcheck(fn, *arrays, device='cpu', eps=1e-6, rtol=1e-5, atol=1e-6):
    """ember's gradient of ``sum(fn(x) * w)`` equals central finite differences (float64)."""
    arrays = [np.asarray(a, np.float64) for a in arrays]
    rng = np.random.RandomState(7)
    xs = [ember.tensor(a, device=device, requires_grad=True) for a in arrays]
    outs = _outputs(fn(ember, *xs))
    ws = [rng.standard_normal(tuple(o.shape)) for o in outs]
    loss = sum((o * ember.tensor(w, device=device)).sum() for o, w in zip(outs, ws))
    grads = ember.autograd.grad(loss, xs, allow_unused=True)
    for i, a in enumerate(arrays):
        def f(v, i=i):
            args = [ember.tensor(v if j == i else arrays[j], device=device)
                    for j in range(len(arrays))]
            return builtins_sum(float((to_np(o) * w).sum()) for o, w in
                                zip(_outputs(fn(ember, *args)), ws))
        num = numeric_grad(f, a.copy(), eps)
        got = np.zeros_like(a) if grads[i] is None else to_np(grads[i])
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol)


builtins_sum = sum


def gradgrad(fn, *arrays, device='cpu', **kw):
    """Double backward against torch: differentiate ``grad(sum(fn(x) * w), x)`` once more."""
    rng = np.random.RandomState(3)

    def second(lib, *xs):
        outs = _outputs(fn(lib, *xs))
        ws = [rng.standard_normal(tuple(o.shape)) for o in outs] if lib is ember else second.ws
        second.ws = ws
        loss = builtins_sum((o * _lib_w(lib, w, device)).sum() for o, w in zip(outs, ws))
        return lib.autograd.grad(loss, xs, create_graph=True)[0]
    arrays = [np.asarray(a, np.float64) for a in arrays]
    e, t = compare(second, *arrays, device=device, **kw)
    assert e.requires_grad == t.requires_grad, 'the gradient is not differentiable'
    return e, t


def raises(fn, exc, *arrays, match=None, device='cpu'):
    """``fn(lib, *tensors)`` raises ``exc`` in torch and in ember."""
    with pytest.raises(exc, match=match):
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(exc, match=match):
        fn(ember, *[ember.tensor(a, device=device) for a in arrays])


# ---------------------------------------------------------------------------- sum / mean / prod

@pytest.mark.parametrize('dim,keepdim', [(None, False), (0, False), (1, True), (-1, False),
                                         ((0, 2), False), ((0, 2), True), ([], False)])
def test_sum_mean_dims(device, dim, keepdim):
    x = _rand(3, 4, 5)
    compare(lambda L, a: L.sum(a, dim, keepdim) if dim is not None else L.sum(a), x, device=device)
    if dim is not None:
        compare(lambda L, a: a.mean(dim, keepdim), x, device=device)
        compare(lambda L, a: a.sum(dim=dim, keepdim=keepdim), x, device=device)


@pytest.mark.parametrize('dt', ['bool', 'uint8', 'int8', 'int32', 'int64', 'float16', 'float64'])
def test_sum_dtypes(device, dt):
    x = (np.arange(12).reshape(3, 4) % 5).astype(dt)
    compare(lambda L, a: L.sum(a), x, device=device)
    compare(lambda L, a: a.sum(1), x, device=device)
    compare(lambda L, a: L.sum(a, 0, dtype=L.float64), x, device=device)
    compare(lambda L, a: L.nansum(a, 0), x, device=device)


def test_sum_dtype_kwarg_grad(device):
    compare(lambda L, a: a.sum(1, dtype=L.float64), _rand(3, 4), device=device)
    compare(lambda L, a: a.sum(dtype=L.int32), _rand(3, 4) * 5, device=device, grad=False)


def test_mean_int_raises(device):
    raises(lambda L, a: a.mean(), RuntimeError, np.arange(3), match='could not infer output dtype')
    compare(lambda L, a: a.mean(dtype=L.float32), np.arange(6).reshape(2, 3), device=device)
    compare(lambda L, a: L.mean(a, 0, dtype=L.float64), _rand(2, 3), device=device)
    raises(lambda L, a: a.mean(dtype=L.int64), RuntimeError, _rand(3), match='Optional dtype')


def test_mean_empty_is_nan(device):
    compare(lambda L, a: a.mean(0), np.zeros((0, 3), np.float32), device=device)
    compare(lambda L, a: a.sum(0), np.zeros((0, 3), np.float32), device=device)


def test_half_precision_accumulates(device):
    x = (np.ones(4096) * 0.1).astype(np.float16)
    compare(lambda L, a: a.sum(), x, device=device, grad=False, rtol=1e-3)
    compare(lambda L, a: a.mean(), x, device=device, grad=False)
    compare(lambda L, a: a.cumsum(0), x, device=device, grad=False, rtol=1e-3)


def test_noncontiguous_and_broadcast(device):
    x = _rand(4, 6)
    compare(lambda L, a: a.t().sum(0), x, device=device)
    compare(lambda L, a: a[:, ::2].mean(1), x, device=device)
    compare(lambda L, a: a.t().cumsum(1), x, device=device)
    compare(lambda L, a: a.t()[1:].sort(0).values, x, device=device)
    compare(lambda L, a: a.t().max(1).values, x, device=device)
    compare(lambda L, a: a.t().std(0), x, device=device)
    compare(lambda L, a: a.t().cumprod(0), x, device=device)
    compare(lambda L, a: a[::2].logsumexp(1), x, device=device)
    y = _rand(1, 6)
    compare(lambda L, a: a.expand(4, 6).sum(0), y, device=device)
    compare(lambda L, a: a.expand(4, 6).amax(0), y, device=device)
    compare(lambda L, a: a.expand(3, 6).cummax(0).values, y, device=device)
    compare(lambda L, a: a.t().median(0).values, x, device=device)


def test_prod(device):
    x = _rand(3, 4) + 2
    compare(lambda L, a: a.prod(), x, device=device)
    compare(lambda L, a: a.prod(1), x, device=device)
    compare(lambda L, a: a.prod(0, keepdim=True), x, device=device)
    compare(lambda L, a: L.prod(a, -1, dtype=L.float64), x, device=device)
    compare(lambda L, a: a.prod(1), np.arange(6, dtype=np.int32).reshape(2, 3), device=device)
    compare(lambda L, a: a.prod(), np.array([True, True]), device=device)
    raises(lambda L, a: L.prod(a, (0, 1)), TypeError, x)


@pytest.mark.parametrize('zeros', [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (0, 3)], [(2, 0), (2, 3), (1, 1)]])
def test_prod_with_zeros(device, zeros):
    x = _rand(3, 4, dtype=np.float64) + 2
    for i, j in zeros:
        x[i, j] = 0
    compare(lambda L, a: a.prod(1), x, device=device)
    compare(lambda L, a: a.prod(0), x, device=device)
    compare(lambda L, a: a.prod(), x, device=device)
    gradcheck(lambda L, a: a.prod(1), x, device=device)
    gradgrad(lambda L, a: a.prod(1), x, device=device)
    gradgrad(lambda L, a: a.prod(), x[:2], device=device)


def test_sum_mean_prod_gradcheck(device):
    x = _rand(2, 3, 4, dtype=np.float64)
    gradcheck(lambda L, a: a.sum((0, 2)), x, device=device)
    gradcheck(lambda L, a: a.mean(1, keepdim=True), x, device=device)
    gradcheck(lambda L, a: a.prod(2), x, device=device)
    gradgrad(lambda L, a: a.prod(2), x, device=device)
    gradgrad(lambda L, a: a.prod(), x[0], device=device)


def test_nansum_nanmean(device):
    x = _rand(3, 4)
    x[0, 1] = x[2, 2] = NAN
    x[1] = NAN
    compare(lambda L, a: L.nansum(a), x, device=device)
    compare(lambda L, a: L.nansum(a, 1, keepdim=True), x, device=device)
    compare(lambda L, a: a.nanmean(1), x, device=device)
    compare(lambda L, a: L.nanmean(a, (0, 1)), x, device=device)
    raises(lambda L, a: L.nanmean(a), RuntimeError, np.arange(3), match='nanmean')
    gradcheck(lambda L, a: L.nansum(a, 0), x.astype(np.float64), device=device)
    gradgrad(lambda L, a: L.nanmean(a, 1) ** 2, x.astype(np.float64), device=device)


# ---------------------------------------------------------------------------- max / min family

def test_max_min_dim(device):
    x = _distinct(3, 4, 5)
    for name in ('max', 'min'):
        compare(lambda L, a: getattr(L, name)(a, 1), x, device=device)
        compare(lambda L, a: getattr(a, name)(dim=-1, keepdim=True), x, device=device)
        compare(lambda L, a: getattr(a, name)(), x, device=device)
        compare(lambda L, a: getattr(L, 'arg' + name)(a, 2), x, device=device)
        compare(lambda L, a: getattr(L, 'arg' + name)(a), x, device=device)
        compare(lambda L, a: getattr(L, 'arg' + name)(a, keepdim=True), x, device=device)
        compare(lambda L, a: getattr(L, 'arg' + name)(a, 0, True), x, device=device)
    r = ember.max(ember.tensor(x), 1)
    assert type(r).__name__ == 'max' and r.values is r[0] and r.indices.dtype == ember.int64


def test_max_ties_route_to_first_index(device):
    x = np.array([[1., 3, 3, 2], [5, 5, 5, 5], [0, -1, 0, -2]], np.float32)
    compare(lambda L, a: a.max(1), x, device=device)
    compare(lambda L, a: a.min(1), x, device=device)
    compare(lambda L, a: a.max(0, keepdim=True), x, device=device)


def test_max_all_and_amax_split_ties(device):
    x = np.array([[1., 3, 3, 2], [3, 0, 1, 3]], np.float32)
    compare(lambda L, a: a.max(), x, device=device)
    compare(lambda L, a: a.min(), x, device=device)
    compare(lambda L, a: a.amax(), x, device=device)
    compare(lambda L, a: a.amax(1), x, device=device)
    compare(lambda L, a: L.amin(a, (0, 1), keepdim=True), x, device=device)
    compare(lambda L, a: L.amax(a, 0), x, device=device)


def test_max_nan(device):
    x = np.array([[1., NAN, 3, NAN], [0, 1, 2, 3]], np.float32)
    compare(lambda L, a: a.max(1), x, device=device)
    compare(lambda L, a: a.min(1), x, device=device)
    compare(lambda L, a: a.max(), x, device=device)
    compare(lambda L, a: a.amax(1), x, device=device)
    compare(lambda L, a: a.argmax(), x, device=device)
    compare(lambda L, a: a.argmin(1), x, device=device)


def test_max_binary(device):
    a, b = _distinct(3, 4), _distinct(4, seed=1)
    compare(lambda L, x, y: L.max(x, y), a, b, device=device)
    compare(lambda L, x, y: x.min(y), a, b, device=device)
    compare(lambda L, x, y: L.max(x, y.double()), a, b, device=device)


@pytest.mark.parametrize('dt', ['bool', 'uint8', 'int32', 'int64', 'float16'])
def test_max_dtypes(device, dt):
    x = (np.array([[3, 1, 4, 1], [5, 0, 2, 6]]) % 3).astype(dt)
    compare(lambda L, a: a.max(1), x, device=device, grad=False)
    compare(lambda L, a: a.min(), x, device=device, grad=False)
    compare(lambda L, a: a.amax(0), x, device=device, grad=False)
    if dt == 'bool':
        raises(lambda L, a: a.argmax(1), RuntimeError, x, match='bool')
    else:
        compare(lambda L, a: a.argmax(1), x, device=device, grad=False)


def test_aminmax(device):
    x = np.array([[1., 3, 3, 2], [3, 0, 1, 0]], np.float32)
    compare(lambda L, a: L.aminmax(a), x, device=device)
    compare(lambda L, a: L.aminmax(a, dim=1), x, device=device)
    compare(lambda L, a: a.aminmax(dim=0, keepdim=True), x, device=device)
    compare(lambda L, a: L.aminmax(a, keepdim=True), x, device=device)
    r = ember.aminmax(ember.tensor(x))
    assert type(r).__name__ == 'aminmax' and r.min.item() == 0 and r.max.item() == 3
    raises(lambda L, a: L.aminmax(a), RuntimeError, np.zeros((0, 2), np.float32))


def test_max_family_gradcheck(device):
    x = _distinct(3, 4, dtype=np.float64)
    gradcheck(lambda L, a: a.max(1), x, device=device)
    gradcheck(lambda L, a: a.min(0, keepdim=True), x, device=device)
    gradcheck(lambda L, a: a.amax((0, 1)), x, device=device)
    gradcheck(lambda L, a: L.aminmax(a, dim=1), x, device=device)
    gradcheck(lambda L, a: a.max(), x, device=device)
    gradgrad(lambda L, a: a.max(1).values * a.sum(), x, device=device)
    gradgrad(lambda L, a: a.amax(0) ** 2, x, device=device)
    gradgrad(lambda L, a: a.max() * a.sum(), x, device=device)
    gradgrad(lambda L, a: a.median() * a, x, device=device)


def test_max_empty_errors(device):
    e = np.zeros((0, 3), np.float32)
    raises(lambda L, a: a.max(), RuntimeError, e, match='Expected reduction dim to be specified')
    raises(lambda L, a: a.max(0), IndexError, e, match=r'max\(\): Expected reduction dim 0')
    raises(lambda L, a: a.amax(0), IndexError, e, match=r'amax\(\): Expected reduction dim 0')
    raises(lambda L, a: a.amin(), RuntimeError, e, match=r'amin\(\)')
    raises(lambda L, a: a.argmax(), IndexError, e, match=r'argmax\(\)')
    raises(lambda L, a: a.argmin(0), IndexError, e, match=r'argmin\(\)')
    raises(lambda L, a: a.max(2), IndexError, e, match='Dimension out of range')
    compare(lambda L, a: a.max(1), e, device=device)


def test_zero_dim_inputs(device):
    x = np.array(3.5, np.float32)
    for f in (lambda L, a: a.sum(0), lambda L, a: a.max(0), lambda L, a: a.max(-1, True),
              lambda L, a: a.sort(), lambda L, a: a.topk(1), lambda L, a: a.cumsum(0),
              lambda L, a: a.cumprod(0), lambda L, a: a.median(0), lambda L, a: a.mode(),
              lambda L, a: a.kthvalue(1), lambda L, a: a.cummax(0), lambda L, a: a.prod(0),
              lambda L, a: a.logsumexp(0), lambda L, a: a.amax(0),
              lambda L, a: a.std(unbiased=False), lambda L, a: L.msort(a),
              lambda L, a: L.count_nonzero(a, 0), lambda L, a: a.argsort(),
              lambda L, a: L.aminmax(a, dim=0), lambda L, a: a.argmax(0)):
        compare(f, x, device=device)


# ---------------------------------------------------------------------------- var / std / norm

@pytest.mark.parametrize('call', [
    lambda L, a: a.var(),
    lambda L, a: a.std(1),
    lambda L, a: a.var(1, keepdim=True),
    lambda L, a: a.std((0, 2), correction=0),
    lambda L, a: L.var(a, 0, True, True),
    lambda L, a: L.std(a, 1, unbiased=False),
    lambda L, a: L.var(a, False),
    lambda L, a: L.var(a, dim=-1, correction=2.5),
    lambda L, a: L.std_mean(a, 1),
    lambda L, a: L.var_mean(a, (0, 1), keepdim=True, correction=0),
    lambda L, a: L.std_mean(a, unbiased=False),
])
def test_var_std(device, call):
    x = _rand(3, 4, 5)
    compare(call, x, device=device)
    gradcheck(call, x.astype(np.float64), device=device)


def test_var_std_double_backward(device):
    x = _rand(3, 4, dtype=np.float64)
    gradgrad(lambda L, a: a.std(1), x, device=device)
    gradgrad(lambda L, a: a.var(0, correction=0), x, device=device)
    gradgrad(lambda L, a: L.std_mean(a, 1), x, device=device)


def test_std_zero_result_grad(device):
    x = np.array([[2., 2, 2], [1, 2, 4]], np.float32)
    compare(lambda L, a: a.std(1), x, device=device)


def test_var_degenerate(device):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda L, a: a.var(), np.ones(1, np.float32), device=device)
        compare(lambda L, a: a.var(correction=3), np.array([1., 2], np.float32), device=device,
                grad=False)
        compare(lambda L, a: a.std(0), np.zeros((0, 3), np.float32), device=device)
    with pytest.warns(UserWarning, match='degrees of freedom'):
        ember.tensor([1.]).std()


def test_var_complex_and_errors(device):
    x = (_rand(3, 4) + 1j * _rand(3, 4, seed=1)).astype(np.complex64)
    compare(lambda L, a: a.var(1), x, device=device, grad=False)
    compare(lambda L, a: a.std(), x, device=device, grad=False)
    raises(lambda L, a: a.var(), RuntimeError, np.arange(3), match='floating point')
    raises(lambda L, a: a.var(0, unbiased=True, correction=1), TypeError, _rand(3))


@pytest.mark.parametrize('p', [2, 1, 3, 0.5, 1.5, 0, INF, -INF, 'fro'])
def test_norm(device, p):
    x = _rand(3, 4)
    x[0, 1] = 0
    compare(lambda L, a: a.norm(p), x, device=device)
    compare(lambda L, a: a.norm(p, 1), x, device=device)
    compare(lambda L, a: L.norm(a, p, dim=0, keepdim=True), x, device=device)
    if p != 0:
        gradcheck(lambda L, a: a.norm(p, 1), x.astype(np.float64), device=device)


def test_norm_more(device):
    x = _rand(2, 3, 4)
    compare(lambda L, a: a.norm(dim=(0, 2)), x, device=device)
    compare(lambda L, a: L.norm(a, 'fro', (1, 2)), x, device=device)
    compare(lambda L, a: a.norm(dtype=L.float64), x, device=device)
    compare(lambda L, a: a.norm(), np.zeros((2, 2), np.float32), device=device)   # grad 0 at 0
    gradgrad(lambda L, a: a.norm(dim=1), x[0].astype(np.float64), device=device)
    gradgrad(lambda L, a: a.norm(3, 1), x[0].astype(np.float64), device=device)
    raises(lambda L, a: a.norm(), RuntimeError, np.arange(3), match='floating point')
    raises(lambda L, a: L.norm(a, 'foo'), RuntimeError, x, match='not supported')
    raises(lambda L, a: L.norm(a, 'fro', (0, 1, 2)), RuntimeError, x)
    compare(lambda L, a: a.norm(), (x[0] + 1j * x[1]).astype(np.complex64), device=device,
            grad=False)


# ---------------------------------------------------------------------------- logsumexp

def test_logsumexp(device):
    x = _rand(3, 4, 5) * 30
    compare(lambda L, a: a.logsumexp(1), x, device=device)
    compare(lambda L, a: L.logsumexp(a, (0, 2), keepdim=True), x, device=device)
    compare(lambda L, a: L.logsumexp(a, -1), np.array([[1000., 1000], [-1000, -999]], np.float32),
            device=device)
    compare(lambda L, a: a.logsumexp(0), np.array([[-INF, 1], [-INF, INF], [-INF, 2]], np.float32),
            device=device, grad=False)
    compare(lambda L, a: a.logsumexp(0), np.zeros((0, 3), np.float32), device=device)
    compare(lambda L, a: a.logsumexp(1), np.arange(6).reshape(2, 3), device=device)
    gradcheck(lambda L, a: a.logsumexp(1), x[0].astype(np.float64) / 30, device=device)
    gradgrad(lambda L, a: a.logsumexp((0, 1)), x[0].astype(np.float64) / 30, device=device)
    with pytest.raises(TypeError):
        ember.tensor(x).logsumexp()


# ---------------------------------------------------------------------------- cumulative ops

def test_cumsum_cumprod(device):
    x = _rand(3, 4, 5)
    for name in ('cumsum', 'cumprod'):
        compare(lambda L, a: getattr(a, name)(1), x, device=device)
        compare(lambda L, a: getattr(L, name)(a, -1), x, device=device)
        compare(lambda L, a: getattr(L, name)(a, 0, dtype=L.float64), x, device=device)
        compare(lambda L, a: getattr(a, name)(0), np.array([[True, False], [True, True]]),
                device=device)
        compare(lambda L, a: getattr(a, name)(1), np.arange(6, dtype=np.int8).reshape(2, 3),
                device=device)
    gradcheck(lambda L, a: a.cumsum(1), x[0].astype(np.float64), device=device)
    gradcheck(lambda L, a: a.cumprod(0), x[0].astype(np.float64), device=device)
    gradgrad(lambda L, a: a.cumsum(1) ** 2, x[0].astype(np.float64), device=device)
    gradgrad(lambda L, a: a.cumprod(1), x[0].astype(np.float64), device=device)


@pytest.mark.parametrize('zeros', [[1], [0], [4], [1, 3], [0, 2, 3]])
def test_cumprod_with_zeros(device, zeros):
    x = _rand(2, 5, dtype=np.float64) + 1.5
    x[0, zeros] = 0
    x[1, zeros[-1]] = 0
    compare(lambda L, a: a.cumprod(1), x, device=device)
    compare(lambda L, a: a.t().cumprod(0), x, device=device)
    gradcheck(lambda L, a: a.cumprod(1), x, device=device)
    gradgrad(lambda L, a: a.cumprod(1), x, device=device)


def test_cumsum_inplace(device):
    for name in ('cumsum_', 'cumprod_'):
        e, t = ember.tensor(_rand(3, 4), device=device), torch.tensor(_rand(3, 4))
        assert getattr(e, name)(1) is e
        getattr(t, name)(1)
        assert_same(e, t)
    e = ember.tensor(np.arange(4, dtype=np.int32), device=device)
    e.cumsum_(0)
    assert_same(e, torch.arange(4, dtype=torch.int32).cumsum_(0))


def test_cummax_cummin(device):
    x = np.array([[1., 3, 3, 2, 3, 0, 4], [2, 1, 1, 0, 5, 5, 1]], np.float32)
    compare(lambda L, a: L.cummax(a, 1), x, device=device)
    compare(lambda L, a: a.cummin(1), x, device=device)
    compare(lambda L, a: a.cummax(0), x, device=device)
    y = np.array([1., 3, 3, 2, 3, NAN, 1, NAN, 5], np.float32)
    compare(lambda L, a: a.cummax(0), y, device=device)
    compare(lambda L, a: a.cummin(0), y, device=device)
    compare(lambda L, a: a.cummax(1), np.array([[True, False, True]]), device=device)
    compare(lambda L, a: a.cummin(1), np.array([[3, 1, 2, 1]]), device=device)
    gradcheck(lambda L, a: a.cummax(1), _distinct(3, 5, dtype=np.float64), device=device)
    gradgrad(lambda L, a: a.cummin(1).values ** 2, _distinct(3, 5, dtype=np.float64), device=device)
    r = ember.cummax(ember.tensor(x), 1)
    assert type(r).__name__ == 'cummax'


# ---------------------------------------------------------------------------- all / any / count

def test_all_any_count(device):
    x = np.array([[0, 1, 2], [3, 4, 5], [0, 0, 0]])
    for name in ('all', 'any'):
        compare(lambda L, a: getattr(a, name)(), x, device=device)
        compare(lambda L, a: getattr(L, name)(a, 1), x, device=device)
        compare(lambda L, a: getattr(a, name)((0, 1), keepdim=True), x, device=device)
        compare(lambda L, a: getattr(a, name)(0), x.astype(np.uint8), device=device)
        compare(lambda L, a: getattr(a, name)(-1), x.astype(np.float32), device=device)
    compare(lambda L, a: L.count_nonzero(a), x, device=device)
    compare(lambda L, a: a.count_nonzero(1), x.astype(np.float32), device=device)
    compare(lambda L, a: L.count_nonzero(a, (0, 1)), x.astype(bool), device=device)


# ---------------------------------------------------------------------------- order statistics

def test_median(device):
    x = _distinct(3, 6)
    compare(lambda L, a: a.median(), x, device=device)          # lower median of 18
    compare(lambda L, a: a.median(1), x, device=device)
    compare(lambda L, a: L.median(a, 0, keepdim=True), x, device=device)
    compare(lambda L, a: a.median(1), x[:, :5], device=device)
    compare(lambda L, a: a.nanmedian(1), x, device=device)
    compare(lambda L, a: a.nanmedian(), x, device=device)
    compare(lambda L, a: a.median(1), np.array([[3, 1, 4, 2], [9, 7, 8, 6]]), device=device)
    r = ember.median(ember.tensor(x), 1)
    assert type(r).__name__ == 'median'
    gradcheck(lambda L, a: a.median(1), x.astype(np.float64), device=device)
    gradgrad(lambda L, a: a.median(0).values ** 2, x.astype(np.float64), device=device)


def test_median_ties_and_nan(device):
    compare(lambda L, a: a.median(), np.array([1., 3, 3, 2, 3], np.float32), device=device)
    compare(lambda L, a: a.nanmedian(), np.array([1., 3, 3, NAN, 2, 3], np.float32), device=device)
    x = np.array([[3., 1, NAN, 2, NAN], [3, 1, 0, 2, 5], [NAN, NAN, NAN, NAN, NAN]], np.float32)
    compare(lambda L, a: a.median(1), x, device=device)
    compare(lambda L, a: a.nanmedian(1), x[:2], device=device)
    assert_same(ember.tensor(x).nanmedian(1).values, torch.tensor(x).nanmedian(1).values)
    compare(lambda L, a: a.median(), x, device=device)
    compare(lambda L, a: a.nanmedian(), x, device=device)
    compare(lambda L, a: a.median(), np.zeros(0, np.float32), device=device)
    raises(lambda L, a: a.median(0), IndexError, np.zeros((0, 2), np.float32), match='median')


def test_mode(device):
    x = np.array([[1., 3, 3, 2, 2, 1, 3, 2, 5], [4, 1, 1, 2, 2, 4, 4, 0, 9]], np.float32)
    compare(lambda L, a: a.mode(), x, device=device)
    compare(lambda L, a: L.mode(a, 1, keepdim=True), x, device=device)
    compare(lambda L, a: a.mode(0), x, device=device)
    compare(lambda L, a: a.mode(1), x.astype(np.int64), device=device)
    assert type(ember.mode(ember.tensor(x))).__name__ == 'mode'
    raises(lambda L, a: a.mode(0), IndexError, np.zeros((0, 2), np.float32))


def test_kthvalue(device):
    x = _distinct(4, 6)
    for k in (1, 3, 6):
        compare(lambda L, a: a.kthvalue(k), x, device=device)
    compare(lambda L, a: L.kthvalue(a, 2, 0, True), x, device=device)
    compare(lambda L, a: a.kthvalue(2, 0), np.random.permutation(24).reshape(4, 6).astype(np.int32),
            device=device)
    gradcheck(lambda L, a: a.kthvalue(3, 1), x.astype(np.float64), device=device)
    raises(lambda L, a: a.kthvalue(7), RuntimeError, x, match='out of range')
    raises(lambda L, a: a.kthvalue(0), RuntimeError, x, match='out of range')


@pytest.mark.parametrize('k', [1, 2, 5, 12])
@pytest.mark.parametrize('largest', [True, False])
def test_topk(device, k, largest):
    x = _distinct(3, 12)
    compare(lambda L, a: a.topk(k, largest=largest), x, device=device)
    compare(lambda L, a: L.topk(a, min(k, 3), 0, largest), x, device=device)
    r = ember.topk(ember.tensor(x), k)
    assert type(r).__name__ == 'topk'


def test_topk_more(device):
    x = _distinct(3, 40)
    x[1, 5] = NAN
    compare(lambda L, a: a.topk(3), x, device=device)
    compare(lambda L, a: a.topk(3, largest=False), x, device=device)
    compare(lambda L, a: a.topk(0), x, device=device)
    compare(lambda L, a: a.topk(2), np.random.permutation(120).reshape(3, 40), device=device)
    gradcheck(lambda L, a: a.topk(3, 1), _distinct(3, 12, dtype=np.float64), device=device)
    gradgrad(lambda L, a: a.topk(2).values ** 2, _distinct(3, 12, dtype=np.float64), device=device)
    raises(lambda L, a: a.topk(41), RuntimeError, x, match='out of range')


def test_sort(device):
    x = _rand(3, 7)
    x[0, 2] = x[0, 4] = x[0, 5] = 1.5      # ties: stable
    x[1, 1] = x[1, 3] = NAN
    for desc in (False, True):
        compare(lambda L, a: a.sort(descending=desc, stable=True), x, device=device)
        compare(lambda L, a: L.sort(a, 0, desc), x, device=device)
        compare(lambda L, a: a.argsort(dim=1, descending=desc, stable=True), x, device=device)
        compare(lambda L, a: L.argsort(a, 0, descending=desc), x, device=device)
    compare(lambda L, a: a.sort(descending=True, stable=True), x[[0, 2]], device=device)
    compare(lambda L, a: a.argsort(dim=1, descending=True, stable=True), x[[0, 2]], device=device)
    compare(lambda L, a: L.msort(a), x, device=device)
    compare(lambda L, a: a.msort(), x, device=device)
    compare(lambda L, a: a.sort(), np.array([[True, False, True]]), device=device)
    compare(lambda L, a: a.sort(descending=True), np.array([[3, 1, 2, 1, 3]], np.int32), device=device)
    assert type(ember.sort(ember.tensor(x))).__name__ == 'sort'
    gradcheck(lambda L, a: a.sort(1), _distinct(3, 5, dtype=np.float64), device=device)
    gradgrad(lambda L, a: a.sort(0, descending=True).values ** 2,
             _distinct(3, 5, dtype=np.float64), device=device)
    raises(lambda L, a: a.sort(2), IndexError, x)


def test_tuple_out(device):
    x = _distinct(3, 4)
    v, i = ember.empty(3, device=device), ember.empty(3, dtype=ember.int64, device=device)
    r = ember.max(ember.tensor(x, device=device), 1, out=(v, i))
    assert r.values is v and r.indices is i
    assert_same(v, torch.tensor(x).max(1).values)
    o = ember.empty(3, device=device)
    ember.sum(ember.tensor(x, device=device), 1, out=o)
    assert_same(o, torch.tensor(x).sum(1))


# ---------------------------------------------------------------------------- unique

def test_unique(device):
    x = np.array([[3, 1, 2], [1, 3, 3], [2, 1, 2]])
    for inv in (False, True):
        for cnt in (False, True):
            compare(lambda L, a: L.unique(a, return_inverse=inv, return_counts=cnt), x,
                    device=device)
            compare(lambda L, a: a.unique(sorted=True, return_inverse=inv, return_counts=cnt,
                                          dim=0), x[[0, 1, 0, 2]], device=device)
            compare(lambda L, a: L.unique_consecutive(a, return_inverse=inv,
                                                      return_counts=cnt), x, device=device)
            compare(lambda L, a: L.unique_consecutive(a, return_inverse=inv, return_counts=cnt,
                                                      dim=0), x[[0, 0, 1, 1, 0, 2]], device=device)
    compare(lambda L, a: L.unique(a, dim=1, return_inverse=True), x[:, [0, 1, 0, 2]],
            device=device)
    compare(lambda L, a: L.unique(a), np.array([3., 1, NAN, 2, NAN, 1], np.float32),
            device=device)
    compare(lambda L, a: a.unique(), np.array([True, False, True]), device=device)
    compare(lambda L, a: a.unique(return_inverse=True), np.array(3.), device=device)
    compare(lambda L, a: a.unique_consecutive(), np.array([NAN, NAN, 1.], np.float32),
            device=device)
    compare(lambda L, a: a.unique(), _rand(4), device=device, grad=False)
    raises(lambda L, a: a.unique(dim=0), IndexError, np.array(3.))


def test_diff(device):
    x = _rand(3, 5)
    compare(lambda L, a: L.diff(a), x, device=device)
    compare(lambda L, a: a.diff(2, 0), x, device=device)
    compare(lambda L, a: a.diff(n=3), x, device=device)
    compare(lambda L, a: L.diff(a), np.array([True, False, False, True]), device=device)
    compare(lambda L, a: L.diff(a, 2), np.array([1, 3, 6, 10]), device=device)
    gradcheck(lambda L, a: a.diff(2, 1), x.astype(np.float64), device=device)
    if hasattr(ember, 'cat'):
        compare(lambda L, a: L.diff(a, prepend=a[:, :1], append=a[:, -2:]), x, device=device)


# ---------------------------------------------------------------------------- misc semantics

def test_dim_errors(device):
    x = _rand(2, 3)
    raises(lambda L, a: a.sum(5), IndexError, x, match='Dimension out of range')
    raises(lambda L, a: a.sum((0, 0)), RuntimeError, x, match='appears multiple times')
    raises(lambda L, a: a.cumsum(2), IndexError, x)
    raises(lambda L, a: a.max(-3), IndexError, x)
    raises(lambda L, a: a.cumsum(), TypeError, x)


def test_grad_fn_names(device):
    x = ember.tensor(_distinct(2, 3), requires_grad=True, device=device)
    t = torch.tensor(_distinct(2, 3), requires_grad=True)
    for f in (lambda a: a.sum(), lambda a: a.max(1).values, lambda a: a.max(),
              lambda a: a.amax(), lambda a: a.sort(1)[0], lambda a: a.topk(1)[0],
              lambda a: a.cumsum(1), lambda a: a.cumprod(1), lambda a: a.std(),
              lambda a: a.var(1), lambda a: a.norm(), lambda a: a.logsumexp(1),
              lambda a: a.prod(), lambda a: a.prod(1), lambda a: a.median(),
              lambda a: a.kthvalue(1)[0], lambda a: a.cummax(1)[0], lambda a: a.mean(),
              lambda a: a.nansum(), lambda a: a.sum(1), lambda a: a.mean(1),
              lambda a: a.median(1)[0], lambda a: a.nanmedian(1)[0], lambda a: a.nanmedian(),
              lambda a: a.cummin(1)[0], lambda a: a.min(), lambda a: a.min(1)[0],
              lambda a: a.amin(), lambda a: a.nansum(1), lambda a: a.mode(1)[0]):
        assert f(x).grad_fn.name() == f(t).grad_fn.name()
    assert not ember.unique(x).requires_grad
    assert not x.argmax().requires_grad and not x.sort(1).indices.requires_grad


def test_no_grad_mode(device):
    x = ember.tensor(_distinct(3, 4), requires_grad=True, device=device)
    with ember.no_grad():
        for f in (lambda a: a.max(1), lambda a: a.std(1), lambda a: a.cumprod(1),
                  lambda a: a.sort(0), lambda a: a.median(), lambda a: a.norm(3)):
            r = f(x)
            for o in (r if isinstance(r, tuple) else (r,)):
                assert not o.requires_grad
