"""Normalisation layers against PyTorch with identical weights: BatchNorm1d/2d/3d (train/eval,
running statistics, cumulative momentum, no tracking, no affine), LayerNorm, GroupNorm,
InstanceNorm1d/2d/3d, LocalResponseNorm, RMSNorm; gradients, double backward, finite
differences, float32 gradient accuracy of a BatchNorm CNN, reprs and errors."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_same, compare, needs_torch, torch, to_np
from tests.nn.modcheck import check_module, pair, same_error, sd_to_ember

pytestmark = needs_torch
R = np.random.RandomState(0)


def f32(*s, scale=1.0, shift=0.0):
    return (R.standard_normal(s) * scale + shift).astype(np.float32)


BN_KW = [dict(), dict(momentum=None), dict(momentum=0.3, eps=1e-3), dict(affine=False),
         dict(track_running_stats=False), dict(bias=False),
         dict(affine=False, track_running_stats=False)]


def _bn_kw_ok(kw):
    try:
        torch.nn.BatchNorm2d(3, **kw)
        return True
    except TypeError:
        return False


@pytest.mark.parametrize('kw', BN_KW)
@pytest.mark.parametrize('cls,shape', [('BatchNorm1d', (6, 3)), ('BatchNorm1d', (4, 3, 5)),
                                       ('BatchNorm2d', (4, 3, 5, 6)),
                                       ('BatchNorm3d', (2, 3, 4, 3, 5))])
def test_batch_norm_train_eval(device, kw, cls, shape):
    if not _bn_kw_ok(kw):
        pytest.skip('keyword not in this PyTorch')
    make = lambda lib: getattr(lib.nn, cls)(3, **kw)
    e, t = pair(make, device)
    # non-trivial affine parameters
    if e.weight is not None:
        w = R.uniform(0.5, 1.5, 3).astype(np.float32)
        with torch.no_grad():
            t.weight.copy_(torch.tensor(w))
        e.weight.data.copy_(ember.tensor(w, device=device))
    if e.bias is not None:
        b = R.standard_normal(3).astype(np.float32)
        with torch.no_grad():
            t.bias.copy_(torch.tensor(b))
        e.bias.data.copy_(ember.tensor(b, device=device))
    for step in range(3):                 # running statistics follow torch's over steps
        x = f32(*shape, scale=2.0, shift=step)
        ex = ember.tensor(x, device=device, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        eo, to = e(ex), t(tx)
        assert_same(eo, to, 1e-4, 1e-5)
        g = R.standard_normal(shape).astype(np.float32)
        (eo * ember.tensor(g, device=device)).sum().backward()
        (to * torch.tensor(g)).sum().backward()
        assert_same(ex.grad, tx.grad, 1e-4, 1e-5)
        for p, q in zip(e.parameters(), t.parameters()):
            assert_same(p.grad, q.grad, 1e-4, 1e-4)
        for (n, b), (_, c) in zip(e.named_buffers(), t.named_buffers()):
            assert_same(b, c, 1e-5, 1e-6)
    e.eval()
    t.eval()
    x = f32(*shape)
    ex = ember.tensor(x, device=device, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    eo, to = e(ex), t(tx)
    assert_same(eo, to, 1e-4, 1e-5)
    eo.sum().backward()
    to.sum().backward()
    assert_same(ex.grad, tx.grad, 1e-4, 1e-5)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape), str(v.dtype)) for k, v in t.state_dict().items()]


def test_batch_norm_no_grad_updates_running_stats(device):
    e, t = pair(lambda lib: lib.nn.BatchNorm1d(4), device)
    x = f32(8, 4, scale=3.0, shift=1.0)
    with ember.no_grad():
        e(ember.tensor(x, device=device))
    with torch.no_grad():
        t(torch.tensor(x))
    for b, c in zip(e.buffers(), t.buffers()):
        assert_same(b, c, 1e-5, 1e-6)


def test_batch_norm_functional(device):
    F = lambda lib: lib.nn.functional
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    compare(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
            f32(4, 3, 5), f32(3), f32(3), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, x, w, b: F(lib).batch_norm(x, lib.tensor(rm), lib.tensor(rv) * 2, w, b),
            f32(4, 3, 5), f32(3), f32(3), device=device, rtol=1e-4, atol=1e-5)
    # non-contiguous input
    compare(lambda lib, x: F(lib).batch_norm(x.transpose(0, 2), None, None, training=True),
            f32(5, 3, 4), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
            R.randn(4, 3, 2, 2), R.randn(3), R.randn(3), device=device)


def test_batch_norm_gradcheck_double_backward(device):
    F = ember.nn.functional
    x = ember.tensor(R.randn(4, 3, 2), device=device, requires_grad=True)
    w = ember.tensor(R.uniform(0.5, 1.5, 3), device=device, requires_grad=True)
    b = ember.tensor(R.randn(3), device=device, requires_grad=True)
    f = lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))
    rm = ember.tensor(R.randn(3), device=device)
    rv = ember.tensor(R.uniform(0.5, 2, 3), device=device)
    f = lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))

    def dbl(lib, x, w):
        y = lib.nn.functional.batch_norm(x, None, None, w, None, training=True)
        gx, gw = lib.autograd.grad((y ** 3).sum(), (x, w), create_graph=True)
        return (gx ** 2).sum() + (gw ** 2).sum()
    compare(dbl, R.randn(5, 3, 2), R.uniform(0.5, 1.5, 3), device=device, rtol=1e-7,
            atol=1e-8)


def test_batch_norm_errors():
    same_error(lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4)))
    same_error(lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)))
    same_error(lambda lib: lib.nn.BatchNorm3d(3)(lib.ones(2, 3, 4, 5)))
    same_error(lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)))
    same_error(lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 4)))


def test_batch_norm_cnn_float32_gradient_accuracy():
    """A small BatchNorm CNN's float32 gradients are within ~2x of PyTorch's own float32 error,
    both measured against a float64 reference."""
    def make(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                             nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    torch.manual_seed(0)
    t32 = make(torch)
    t64 = make(torch).double()
    t64.load_state_dict(t32.state_dict())
    e32 = make(ember)
    e32.load_state_dict(sd_to_ember(t32.state_dict()))
    x = (R.standard_normal((16, 3, 6, 6)) * 3 + 5).astype(np.float32)   # offset: ill-conditioned
    y = R.randint(0, 10, 16)

    def grads(m, lib, dtype):
        out = m(lib.tensor(x.astype(dtype)))
        loss = lib.nn.functional.cross_entropy(out, lib.tensor(y))
        loss.backward()
        return [to_np(p.grad).astype(np.float64) for p in m.parameters()]
    ref = grads(t64, torch, np.float64)
    gt = grads(t32, torch, np.float32)
    ge = grads(e32, ember, np.float32)
    for r, a, b in zip(ref, gt, ge):
        scale = np.abs(r).max() + 1e-30
        err_t = np.abs(a - r).max() / scale
        err_e = np.abs(b - r).max() / scale
        assert err_e <= 2 * err_t + 1e-6, (err_e, err_t)


# ----------------------------------------------------------------------------- layer / group

@pytest.mark.parametrize('kw', [dict(normalized_shape=5), dict(normalized_shape=(4, 5)),
                                dict(normalized_shape=5, elementwise_affine=False),
                                dict(normalized_shape=[5], bias=False, eps=1e-3)])
def test_layer_norm(device, kw):
    e, t = check_module(lambda lib: lib.nn.LayerNorm(**kw), f32(3, 4, 5, shift=2.0),
                        device=device, rtol=1e-4, atol=1e-5)


def test_layer_norm_gradcheck_and_errors(device):
    x = ember.tensor(R.randn(3, 4), device=device, requires_grad=True)
    w = ember.tensor(R.randn(4), device=device, requires_grad=True)
    b = ember.tensor(R.randn(4), device=device, requires_grad=True)
    f = lambda x, w, b: ember.nn.functional.layer_norm(x, (4,), w, b)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))
    compare(lambda lib, x, w: lib.nn.functional.layer_norm(x.transpose(0, 1), (3,), w),
            f32(3, 4), f32(3), device=device, rtol=1e-4, atol=1e-5)
    same_error(lambda lib: lib.nn.LayerNorm(5)(lib.ones(3, 4)))
    same_error(lambda lib: lib.nn.LayerNorm((3, 4))(lib.ones(3, 4, 3)))


@pytest.mark.parametrize('kw', [dict(num_groups=2, num_channels=4),
                                dict(num_groups=4, num_channels=4, affine=False),
                                dict(num_groups=1, num_channels=4, eps=1e-3)])
def test_group_norm(device, kw):
    e, t = pair(lambda lib: lib.nn.GroupNorm(**kw), device)
    if e.weight is not None:
        w = f32(4)
        e.weight.data.copy_(ember.tensor(w, device=device))
        with torch.no_grad():
            t.weight.copy_(torch.tensor(w))
    check_module(lambda lib: lib.nn.GroupNorm(**kw), f32(3, 4, 5, shift=1.0), device=device,
                 rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.GroupNorm(**kw), f32(3, 4, 2, 3), device=device,
                 rtol=1e-4, atol=1e-5)


def test_group_norm_gradcheck_and_errors(device):
    x = ember.tensor(R.randn(2, 4, 3), device=device, requires_grad=True)
    w = ember.tensor(R.randn(4), device=device, requires_grad=True)
    f = lambda x, w: ember.nn.functional.group_norm(x, 2, w)
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))
    same_error(lambda lib: lib.nn.GroupNorm(3, 4))
    same_error(lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 3))


@pytest.mark.parametrize('kw', [dict(), dict(affine=True), dict(track_running_stats=True),
                                dict(affine=True, track_running_stats=True, momentum=0.5)])
@pytest.mark.parametrize('cls,shape', [('InstanceNorm1d', (2, 3, 6)),
                                       ('InstanceNorm1d', (3, 6)),
                                       ('InstanceNorm2d', (2, 3, 4, 5)),
                                       ('InstanceNorm3d', (2, 3, 2, 3, 4))])
def test_instance_norm(device, kw, cls, shape):
    make = lambda lib: getattr(lib.nn, cls)(3, **kw)
    e, t = check_module(make, f32(*shape, shift=1.0), device=device, rtol=1e-4, atol=1e-5)
    x = f32(*shape)
    e.eval()
    t.eval()
    assert_same(e(ember.tensor(x, device=device)), t(torch.tensor(x)), 1e-4, 1e-5)


def test_instance_norm_errors():
    same_error(lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(3, 4)))


def test_local_response_norm(device):
    for shape in ((2, 6, 5), (2, 6, 4, 5), (1, 7, 2, 3, 4)):
        check_module(lambda lib: lib.nn.LocalResponseNorm(3, alpha=0.01, beta=0.8, k=2.0),
                     f32(*shape), device=device, rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.LocalResponseNorm(2), f32(2, 6, 4, 5), device=device,
                 rtol=1e-4, atol=1e-5)
    same_error(lambda lib: lib.nn.LocalResponseNorm(2)(lib.ones(2, 3)))


@pytest.mark.parametrize('kw', [dict(normalized_shape=5), dict(normalized_shape=(4, 5), eps=1e-3),
                                dict(normalized_shape=5, elementwise_affine=False)])
def test_rms_norm(device, kw):
    check_module(lambda lib: lib.nn.RMSNorm(**kw), f32(3, 4, 5), device=device,
                 rtol=1e-4, atol=1e-5)
    x = ember.tensor(R.randn(3, 5), device=device, requires_grad=True)
    w = ember.tensor(R.randn(5), device=device, requires_grad=True)
    assert gradcheck(lambda x, w: ember.nn.functional.rms_norm(x, (5,), w, 1e-6), (x, w))


def test_normalize(device):
    for kw in (dict(), dict(p=1.0, dim=0), dict(dim=-1, eps=1e-3)):
        compare(lambda lib, x: lib.nn.functional.normalize(x, **kw), f32(3, 4), device=device)


@pytest.mark.parametrize('make', [
    lambda lib: lib.nn.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False),
    lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False),
    lambda lib: lib.nn.InstanceNorm2d(3, affine=True),
    lambda lib: lib.nn.LayerNorm((3, 4), elementwise_affine=False),
    lambda lib: lib.nn.GroupNorm(2, 4, affine=False),
    lambda lib: lib.nn.LocalResponseNorm(3),
    lambda lib: lib.nn.RMSNorm([3], eps=1e-5),
])
def test_norm_repr_state_dict(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape), str(v.dtype)) for k, v in t.state_dict().items()]
