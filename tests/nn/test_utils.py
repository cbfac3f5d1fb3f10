"""nn.utils against PyTorch: clip_grad_norm_ (norm types incl. inf, returned total norm,
non-finite handling, foreach accepted), clip_grad_value_, get_total_norm,
clip_grads_with_norm_, parameters_to_vector / vector_to_parameters; and Tensor.copy_
(broadcasting, casting, gradients to the source, errors)."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, compare, needs_torch, torch
from tests.nn.modcheck import same_error

pytestmark = needs_torch
R = np.random.RandomState(0)


def params_with_grads(lib, scale=1.0, dtype=np.float32, device='cpu'):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    ps = []
    for i, s in enumerate(shapes):
        v = np.random.RandomState(i).standard_normal(s).astype(dtype)
        g = (np.random.RandomState(10 + i).standard_normal(s) * scale).astype(dtype)
        kw = {'device': device} if lib is ember else {}
        p = lib.nn.Parameter(lib.tensor(v, **kw))
        p.grad = lib.tensor(g, **kw)
        ps.append(p)
    extra = lib.nn.Parameter(lib.ones(2))       # no grad: skipped
    return ps + [extra]


@pytest.mark.parametrize('norm_type', [2.0, 1, 3.5, float('inf'), 'inf'])
@pytest.mark.parametrize('max_norm,scale', [(1.0, 1.0), (100.0, 1.0), (0.5, 10.0)])
@pytest.mark.parametrize('foreach', [None, True, False])
def test_clip_grad_norm(device, norm_type, max_norm, scale, foreach):
    res = []
    for lib in (ember, torch):
        ps = params_with_grads(lib, scale, device=device)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type, foreach=foreach)
        res.append((total, [p.grad for p in ps[:-1]]))
        assert ps[-1].grad is None
    assert_same(res[0][0], res[1][0], 1e-5, 1e-6)
    for a, b in zip(res[0][1], res[1][1]):
        assert_same(a, b, 1e-5, 1e-6)


def test_clip_grad_norm_single_tensor_generator_float64(device):
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.tensor([3.0, 4.0], dtype=lib.float64))
        p.grad = lib.tensor([3.0, 4.0], dtype=lib.float64)
        t = lib.nn.utils.clip_grad_norm_(p, 1.0)
        assert t.dtype == lib.float64 and float(t) == 5.0
        np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-6)
    e = ember.nn.Linear(3, 2)
    e(ember.ones(4, 3)).sum().backward()
    tot = ember.nn.utils.clip_grad_norm_(e.parameters(), 0.1)
    assert tot.dim() == 0 and float(tot) > 0.1
    g = np.concatenate([p.grad.numpy().ravel() for p in e.parameters()])
    np.testing.assert_allclose(np.linalg.norm(g), 0.1, rtol=1e-4)
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match='empty generator'):
            r = lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        assert float(r) == 0.0
        assert float(lib.nn.utils.clip_grad_norm_([lib.nn.Parameter(lib.ones(2))], 1.0)) == 0


def test_clip_grad_norm_nonfinite():
    for lib in (ember, torch):
        ps = params_with_grads(lib)
        ps[0].grad[0, 0] = float('nan')
        t = lib.nn.utils.clip_grad_norm_(ps, 1.0)
        assert math.isnan(float(t))
    def f(lib):
        ps = params_with_grads(lib)
        ps[1].grad[0] = float('inf')
        lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    same_error(f)


def test_get_total_norm_and_clip_with_norm():
    res = []
    for lib in (ember, torch):
        ps = params_with_grads(lib, 3.0)
        grads = [p.grad for p in ps if p.grad is not None]
        n = lib.nn.utils.get_total_norm(grads, 2.0)
        lib.nn.utils.clip_grads_with_norm_(ps, 2.0, n)
        res.append([n] + [p.grad for p in ps[:-1]])
    for a, b in zip(*res):
        assert_same(a, b, 1e-5, 1e-6)
    assert float(ember.nn.utils.get_total_norm([])) == 0


def test_clip_grad_value(device):
    res = []
    for lib in (ember, torch):
        ps = params_with_grads(lib, 2.0, device=device)
        r = lib.nn.utils.clip_grad_value_(ps, 1.5)
        assert r is None
        res.append([p.grad for p in ps[:-1]])
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.tensor([-3.0, 0.2, 5.0])
        lib.nn.utils.clip_grad_value_(p, 1, foreach=True)
        res[-1].append(p.grad)
    for a, b in zip(*res):
        assert_same(a, b)


def test_clip_does_not_record_autograd():
    p = ember.nn.Parameter(ember.ones(3))
    p.grad = ember.tensor([3.0, 4.0, 0.0])
    ember.nn.utils.clip_grad_norm_([p], 1.0)
    assert p.grad.grad_fn is None and not p.grad.requires_grad


def test_parameters_to_vector_and_back(device):
    e = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.Linear(2, 1)).to(device)
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    e.load_state_dict({k: ember.tensor(v.numpy(), device=device) for k, v in t.state_dict().items()})
    ve = ember.nn.utils.parameters_to_vector(e.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_same(ve, vt)
    new = np.arange(ve.numel(), dtype=np.float32)
    ember.nn.utils.vector_to_parameters(ember.tensor(new, device=device), e.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t.parameters())
    for a, b in zip(e.parameters(), t.parameters()):
        assert_same(a, b)
        assert isinstance(a, ember.nn.Parameter) and a.requires_grad
    # gradient flows through parameters_to_vector
    compare(lambda lib, a, b: lib.nn.utils.parameters_to_vector([a, b]) * 2, R.randn(2, 3),
            R.randn(4), device=device)
    same_error(lambda lib: lib.nn.utils.vector_to_parameters([1.0], [lib.nn.Parameter(
        lib.ones(1))]))
    same_error(lambda lib: lib.nn.utils.vector_to_parameters(3, []))


# ----------------------------------------------------------------------------- Tensor.copy_

@pytest.mark.parametrize('dst,src', [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (1, 3)),
                                     ((2, 3), ()), ((4, 2, 3), (2, 1))])
def test_copy_broadcast_and_grad(device, dst, src):
    def f(lib, d, s):
        a = d * 1
        a.copy_(s)
        return a * 3
    compare(f, np.asarray(R.randn(*dst), np.float32), np.asarray(R.randn(*src), np.float32),
            device=device)


@pytest.mark.parametrize('ddt,sdt', [(np.float32, np.float64), (np.float64, np.float32),
                                     (np.int64, np.float32), (np.float32, np.int64),
                                     (np.int32, np.int64), (np.float16, np.float32),
                                     (bool, np.float32), (np.float32, bool)])
def test_copy_dtype_cast(device, ddt, sdt):
    d = (R.randn(2, 3) * 3).astype(ddt)
    s = (R.randn(2, 3) * 3).astype(sdt)

    def f(lib, a, b):
        a.copy_(b)
        return a
    compare(f, d, s, grad=False, device=device)


def test_copy_grad_to_float64_source_and_views(device):
    def f(lib, d, s):
        a = d * 1
        a[1:].copy_(s.t())
        return a
    compare(f, R.randn(3, 2).astype(np.float32), R.randn(2, 2), device=device)

    def g(lib, d, s):
        a = d.clone()
        a.t().copy_(s)            # copy into a transposed view
        return a.sin()
    compare(g, R.randn(2, 3), R.randn(3, 2), device=device)


def test_copy_errors_and_version():
    same_error(lambda lib: lib.ones(2, 3).copy_(lib.ones(2)))
    same_error(lambda lib: lib.ones(2, 3).copy_(lib.ones(3, 3)))
    same_error(lambda lib: lib.ones(2, 3, 4).copy_(lib.ones(2, 1, 3)))
    same_error(lambda lib: lib.ones(3).copy_(lib.ones(2, 3)))
    same_error(lambda lib: lib.ones(1, 3).copy_(lib.ones(2, 3)))
    same_error(lambda lib: lib.ones(3).copy_([1, 2, 3]), match=False)
    same_error(lambda lib: lib.ones(3, requires_grad=True).copy_(lib.ones(3)))
    for lib in (ember, torch):
        a = lib.zeros(3)
        v = a._version
        r = a.copy_(lib.ones(3))
        assert r is a and a._version == v + 1 and float(a.sum()) == 3
        with lib.no_grad():
            p = lib.ones(3, requires_grad=True)
            p.copy_(lib.zeros(3))
        assert float(p.sum()) == 0 and p.requires_grad and p.grad_fn is None
