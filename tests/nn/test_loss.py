"""Losses against PyTorch: every loss x every reduction, values and input gradients in float32
and float64, options, modules (constructor, attributes, buffers, repr), bad inputs, gradcheck
and double backward."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, assert_same, needs_torch, torch

pytestmark = needs_torch

RED = ['none', 'mean', 'sum']
DT = [np.float32, np.float64]


def Fn(lib):
    return lib.nn.functional


def nt(lib, a):
    """A tensor that does not require grad (targets, weights)."""
    return lib.tensor(a)


def rnd(*shape, dt=np.float64):
    return np.random.randn(*shape).astype(dt)


def tol(dt):
    return dict(rtol=1e-4, atol=1e-5) if dt == np.float32 else {}


# ---------------------------------------------------------------------------- regression

@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('name,kw', [('l1_loss', {}), ('mse_loss', {}), ('smooth_l1_loss', {}),
                                     ('smooth_l1_loss', {'beta': 0.5}),
                                     ('smooth_l1_loss', {'beta': 0.0}), ('huber_loss', {}),
                                     ('huber_loss', {'delta': 0.3})])
def test_regression(device, name, kw, red, dt):
    x, y = rnd(4, 5, dt=dt), rnd(4, 5, dt=dt)
    compare(lambda lib, a, b: getattr(Fn(lib), name)(a, b, reduction=red, **kw), x, y,
            device=device, **tol(dt))


@pytest.mark.parametrize('name', ['l1_loss', 'mse_loss', 'huber_loss'])
@pytest.mark.parametrize('red', RED)
def test_regression_weight(device, name, red):
    x, y, w = rnd(3, 4), rnd(3, 4), np.random.rand(3, 4)
    compare(lambda lib, a, b, c: getattr(Fn(lib), name)(a, b, reduction=red, weight=c),
            x, y, w, device=device)
    with pytest.raises(ValueError, match='Weights and input must have the same size.'):
        getattr(ember.nn.functional, name)(ember.tensor(x), ember.tensor(y),
                                           weight=ember.ones(4))


def test_regression_broadcast_warns(device):
    x, y = rnd(3), rnd(3, 1)
    for name in ['l1_loss', 'mse_loss', 'smooth_l1_loss', 'huber_loss']:
        with pytest.warns(UserWarning, match=r'Using a target size \(torch.Size\(\[3, 1\]\)\) '
                                             r'that is different to the input size '
                                             r'\(torch.Size\(\[3\]\)\)'):
            compare(lambda lib, a, b: getattr(Fn(lib), name)(a, b), x, y, device=device)
        with pytest.raises(RuntimeError, match='must match the size'):
            getattr(ember.nn.functional, name)(ember.tensor(rnd(3)), ember.tensor(rnd(2)))


def test_regression_noncontiguous(device):
    x, y = rnd(5, 4), rnd(4, 5)
    compare(lambda lib, a, b: Fn(lib).mse_loss(a.t(), b[:, ::1]) +
            Fn(lib).smooth_l1_loss(a[::2], b.t()[::2]), x, y, device=device)


def test_regression_errors():
    F = ember.nn.functional
    a = ember.tensor(rnd(3))
    with pytest.raises(RuntimeError, match='huber_loss does not support non-positive values'):
        F.huber_loss(a, a, delta=-1)
    with pytest.raises(RuntimeError, match='smooth_l1_loss does not support negative values'):
        F.smooth_l1_loss(a, a, beta=-1)
    with pytest.raises(ValueError, match='foo is not a valid value for reduction'):
        F.mse_loss(a, a, reduction='foo')


@pytest.mark.parametrize('sa,rd,want', [(None, False, 'none'), (False, None, 'sum'),
                                        (True, True, 'mean'), (False, False, 'none')])
def test_legacy_args(device, sa, rd, want):
    x, y = rnd(3, 2), np.random.rand(3, 2) + 0.1
    msg = f"size_average and reduce args will be deprecated, please use reduction='{want}'"
    for name in ['mse_loss', 'l1_loss', 'smooth_l1_loss', 'soft_margin_loss',
                 'multilabel_soft_margin_loss', 'kl_div', 'poisson_nll_loss']:
        with pytest.warns(UserWarning, match=msg):
            compare(lambda lib, a: getattr(Fn(lib), name)(a, nt(lib, y), size_average=sa,
                                                          reduce=rd), x, device=device)
    with pytest.warns(UserWarning, match=msg):
        m = ember.nn.MSELoss(size_average=sa, reduce=rd)
    assert m.reduction == want
    t = np.array([0, 1, 1])
    with pytest.warns(UserWarning, match=msg):
        compare(lambda lib, a: Fn(lib).cross_entropy(a, nt(lib, t), size_average=sa, reduce=rd),
                x, device=device)


# ---------------------------------------------------------------------------- class losses

@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('opt', [{}, {'weight': True}, {'ignore_index': 2},
                                 {'weight': True, 'ignore_index': 1}])
@pytest.mark.parametrize('name', ['cross_entropy', 'nll_loss'])
def test_class_losses(device, name, opt, red, dt):
    x = rnd(6, 4, dt=dt)
    t = np.array([0, 2, 1, 3, 2, 1])
    w = np.random.rand(4).astype(dt) + 0.1
    kw = {k: v for k, v in opt.items() if k != 'weight'}

    def f(lib, a):
        ww = nt(lib, w) if opt.get('weight') else None
        return getattr(Fn(lib), name)(a, nt(lib, t), weight=ww, reduction=red, **kw)
    compare(f, x, device=device, **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('name', ['cross_entropy', 'nll_loss'])
@pytest.mark.parametrize('shape', [(3, 4, 5), (2, 4, 3, 2), (4,)])
def test_class_losses_nd(device, name, red, shape):
    x = rnd(*shape)
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = np.random.randint(0, C, tshape)
    t.reshape(-1)[:1] = 1
    w = np.random.rand(C) + 0.5
    compare(lambda lib, a: getattr(Fn(lib), name)(a, nt(lib, t), weight=nt(lib, w),
                                                  reduction=red, ignore_index=1), x, device=device)
    compare(lambda lib, a: getattr(Fn(lib), name)(a, nt(lib, t), reduction=red), x,
            device=device)


def test_cross_entropy_noncontiguous_and_uint8(device):
    x = rnd(6, 5)
    t = np.array([0, 4, 2, 1, 3], np.uint8)
    compare(lambda lib, a: Fn(lib).cross_entropy(a.t()[:, :5], nt(lib, t)), x, device=device)
    compare(lambda lib, a: Fn(lib).nll_loss(a[::2], nt(lib, t[:3])), x, device=device)


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('ls', [0.0, 0.2])
@pytest.mark.parametrize('weight', [False, True])
def test_cross_entropy_probs(device, red, dt, ls, weight):
    x = rnd(4, 5, 3, dt=dt)
    p = np.random.rand(4, 5, 3).astype(dt)
    p /= p.sum(1, keepdims=True)
    w = np.random.rand(5).astype(dt) + 0.5
    compare(lambda lib, a, b: Fn(lib).cross_entropy(
        a, b, weight=nt(lib, w) if weight else None, reduction=red, label_smoothing=ls),
        x, p, device=device, **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('weight', [False, True])
@pytest.mark.parametrize('shape', [(6, 4), (3, 4, 2)])
def test_cross_entropy_label_smoothing(device, red, weight, shape):
    x = rnd(*shape)
    t = np.random.randint(0, 4, (shape[0],) + shape[2:])
    t.reshape(-1)[0] = -100
    w = np.random.rand(4) + 0.5
    compare(lambda lib, a: Fn(lib).cross_entropy(a, nt(lib, t), weight=nt(lib, w) if weight
                                                 else None, reduction=red, label_smoothing=0.3),
            x, device=device)


@pytest.mark.parametrize('name', ['cross_entropy', 'nll_loss'])
def test_all_ignored(device, name):
    x = rnd(3, 4)
    t = np.array([-100, -100, -100])
    for red in RED:
        e, tt = compare(lambda lib, a: getattr(Fn(lib), name)(a, nt(lib, t), reduction=red),
                        x, device=device)
    e = getattr(ember.nn.functional, name)(ember.tensor(x), ember.tensor(t))
    assert np.isnan(e.item())


def test_empty_batch(device):
    for name in ['cross_entropy', 'nll_loss']:
        for red in RED:
            compare(lambda lib, a: getattr(Fn(lib), name)(a, nt(lib, np.zeros(0, np.int64)),
                                                          reduction=red), rnd(0, 4),
                    device=device)


def test_class_loss_errors():
    F = ember.nn.functional
    x = ember.tensor(rnd(3, 5))
    with pytest.raises(ValueError, match=r'^Expected input batch_size \(3\) to match target '
                                         r'batch_size \(2\)\.$'):
        F.nll_loss(x, ember.tensor([1, 2]))
    with pytest.raises(ValueError, match=r'Expected input batch_size \(3\) to match target '
                                         r'batch_size \(2\)\.'):
        F.cross_entropy(x, ember.tensor([1, 2]))
    # torch 2.13's message (older PyTorch said "expected scalar type Long but found Float")
    with pytest.raises(RuntimeError, match='expected target dtype to be Long or Byte, but got '
                                           'Float'):
        F.nll_loss(x, ember.tensor([1., 2, 3]))
    with pytest.raises(RuntimeError, match='but got Int'):
        F.cross_entropy(x, ember.tensor([1, 2, 3], dtype=ember.int32))
    for fn in (F.nll_loss, F.cross_entropy):
        with pytest.raises(IndexError, match=r'^Target 7 is out of bounds\.$'):
            fn(x, ember.tensor([1, 7, 3]))
        with pytest.raises(IndexError, match=r'^Target -3 is out of bounds\.$'):
            fn(x, ember.tensor([1, -3, 3]))
    with pytest.raises(RuntimeError, match=r'Expected target size \[3, 4\], got \[3, 3\]'):
        F.nll_loss(ember.tensor(rnd(3, 5, 4)), ember.zeros(3, 3, dtype=ember.int64))
    with pytest.raises(RuntimeError, match='0D or 1D target tensor expected, multi-target not'):
        F.cross_entropy(x, ember.zeros(3, 1, dtype=ember.int64))
    with pytest.raises(RuntimeError, match='0D or 1D target tensor expected'):
        F.cross_entropy(x, ember.tensor(rnd(3, 4)))     # float target of the wrong shape
    with pytest.raises(ValueError, match=r'Expected 1 or more dimensions \(got 0\)'):
        F.nll_loss(ember.tensor(1.0), ember.tensor(1))
    with pytest.raises(RuntimeError, match='label_smoothing must be between 0.0 and 1.0. Got: 1.5'):
        F.cross_entropy(x, ember.tensor([1, 2, 3]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match=r'weight tensor should be defined either for all 5 '
                                           r'classes or no classes but got weight tensor of '
                                           r'shape: \[4\]'):
        F.cross_entropy(x, ember.tensor([1, 2, 3]), weight=ember.ones(4))
    with pytest.raises(RuntimeError, match='Expected floating point type for target with class '
                                           'probabilities, got Long'):
        F.cross_entropy(ember.tensor(1.0), ember.tensor(1))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.cross_entropy(ember.ones(3, 5, dtype=ember.int64), ember.tensor([1, 2, 3]))
    # the same exception types in torch
    with pytest.raises(IndexError):
        torch.nn.functional.nll_loss(torch.randn(3, 5), torch.tensor([1, 7, 3]))


def test_cross_entropy_grad_fn_and_inplace_logits(device):
    x = ember.tensor(rnd(4, 3), requires_grad=True, device=device)
    y = x * 2
    loss = ember.nn.functional.cross_entropy(y, ember.tensor([0, 1, 2, 1], device=device))
    assert type(loss.grad_fn).__name__ == 'NllLossBackward0'
    loss.backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    torch.nn.functional.cross_entropy(tx * 2, torch.tensor([0, 1, 2, 1])).backward()
    assert_same(x.grad, tx.grad)


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('name', ['cross_entropy', 'nll_loss'])
def test_class_losses_gradcheck(device, name, red):
    x = ember.tensor(rnd(4, 3), requires_grad=True, device=device)
    t = ember.tensor([0, 2, 1, 2], device=device)
    w = ember.tensor(np.random.rand(3) + 0.5, device=device)
    f = lambda a: getattr(ember.nn.functional, name)(a, t, weight=w, reduction=red,  # noqa
                                                     ignore_index=1)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_cross_entropy_double_backward_vs_torch(device):
    x = rnd(5, 4)
    t = np.array([0, 3, 1, 2, 0])

    def f(lib, a):
        loss = Fn(lib).cross_entropy(a * a, nt(lib, t))
        g, = lib.autograd.grad(loss, a, create_graph=True)
        return (g * g).sum() + g[0, 1]
    compare(f, x, device=device)


def test_probs_gradcheck(device):
    x = ember.tensor(rnd(3, 4), requires_grad=True, device=device)
    p = ember.tensor(np.random.rand(3, 4), requires_grad=True, device=device)
    assert gradcheck(lambda a, b: ember.nn.functional.cross_entropy(a, b, label_smoothing=0.1),
                     (x, p))


# ---------------------------------------------------------------------------- binary

@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('weight', [False, True])
def test_bce(device, red, dt, weight):
    x = np.random.rand(4, 3).astype(dt) * 0.98 + 0.01
    y = np.random.rand(4, 3).astype(dt)
    w = np.random.rand(3).astype(dt)
    compare(lambda lib, a, b: Fn(lib).binary_cross_entropy(
        a, b, weight=nt(lib, w) if weight else None, reduction=red), x, y, device=device,
        **tol(dt))


def test_bce_saturated(device):
    x = np.array([0.0, 1.0, 0.5, 1.0, 0.0], np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)
    compare(lambda lib, a: Fn(lib).binary_cross_entropy(a, nt(lib, y)), x, device=device)


def test_bce_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match='all elements of input should be between 0 and 1'):
        F.binary_cross_entropy(ember.tensor([0.5, 1.5]), ember.tensor([0., 1]))
    with pytest.raises(RuntimeError, match='all elements of input should be between 0 and 1'):
        F.binary_cross_entropy(ember.tensor([-0.5, 0.5]), ember.tensor([0., 1]))
    with pytest.raises(ValueError, match=r'Using a target size \(torch.Size\(\[3, 1\]\)\) that '
                                         r'is different to the input size \(torch.Size\(\[3\]\)\) '
                                         r'is deprecated. Please ensure they have the same size.'):
        F.binary_cross_entropy(ember.rand(3), ember.rand(3, 1))
    with pytest.raises(ValueError, match=r'Target size \(torch.Size\(\[3, 1\]\)\) must be the '
                                         r'same as input size \(torch.Size\(\[3\]\)\)'):
        F.binary_cross_entropy_with_logits(ember.rand(3), ember.rand(3, 1))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('weight,pos', [(False, False), (True, False), (False, True),
                                        (True, True)])
def test_bce_with_logits(device, red, dt, weight, pos):
    x = rnd(4, 3, dt=dt) * 5
    x[0, 0] = 0.0
    x[1, 1] = 40.0
    y = np.random.rand(4, 3).astype(dt)
    w, pw = np.random.rand(4, 1).astype(dt), np.random.rand(3).astype(dt) * 3

    def f(lib, a, b):
        return Fn(lib).binary_cross_entropy_with_logits(
            a, b, weight=nt(lib, w) if weight else None,
            pos_weight=nt(lib, pw) if pos else None, reduction=red)
    compare(f, x, y, device=device, **tol(dt))


def test_bce_gradcheck(device):
    x = ember.tensor(np.random.rand(3, 2) * 0.8 + 0.1, requires_grad=True, device=device)
    y = ember.tensor(np.random.rand(3, 2), requires_grad=True, device=device)
    w = ember.tensor(np.random.rand(3, 2), requires_grad=True, device=device)
    pw = ember.tensor(np.random.rand(2) + 0.5, requires_grad=True, device=device)
    F = ember.nn.functional
    assert gradcheck(lambda a, b, c: F.binary_cross_entropy(a, b, weight=c), (x, y, w))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b), (x, y))
    f = lambda a, b, c, d: F.binary_cross_entropy_with_logits(a, b, c, pos_weight=d)  # noqa
    assert gradcheck(f, (x, y, w, pw))
    assert gradgradcheck(f, (x, y, w, pw))


def test_bce_with_logits_param_grads(device):
    x, y = rnd(4, 3), np.random.rand(4, 3)
    w, pw = np.random.rand(4, 3), np.random.rand(3) + 0.5
    # torch differentiates input and target only (ember also weight and pos_weight: gradcheck)
    compare(lambda lib, a, b: Fn(lib).binary_cross_entropy_with_logits(
        a, b, weight=nt(lib, w), pos_weight=nt(lib, pw)), x, y, device=device)


# ---------------------------------------------------------------------------- kl, poisson, gauss

@pytest.mark.parametrize('red', RED + ['batchmean'])
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('log_target', [False, True])
def test_kl_div(device, red, dt, log_target):
    x = np.log(np.random.rand(3, 4).astype(dt))
    y = np.random.rand(3, 4).astype(dt)
    y[0, 0] = 0
    if log_target:
        y = np.log(y + 0.1).astype(dt)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda lib, a: Fn(lib).kl_div(a, nt(lib, y), reduction=red,
                                              log_target=log_target), x, device=device,
                **tol(dt))
    y2 = np.random.rand(3, 4).astype(dt) + 0.1
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda lib, a, b: Fn(lib).kl_div(a, b, reduction=red, log_target=log_target),
                x, y2, device=device, **tol(dt))


def test_kl_div_warns():
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both"):
        ember.nn.functional.kl_div(ember.zeros(2), ember.ones(2))
    with pytest.raises(ValueError, match='foo is not a valid value for reduction'):
        ember.nn.functional.kl_div(ember.zeros(2), ember.ones(2), reduction='foo')


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('log_input,full', [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_poisson_nll(device, red, dt, log_input, full):
    x = rnd(3, 4, dt=dt) if log_input else np.random.rand(3, 4).astype(dt) + 0.1
    y = np.random.poisson(2.0, (3, 4)).astype(dt)
    compare(lambda lib, a: Fn(lib).poisson_nll_loss(a, nt(lib, y), log_input=log_input,
                                                    full=full, reduction=red), x, device=device,
            **tol(dt))
    y2 = np.random.rand(3, 4).astype(dt) * 3 + 1.5
    compare(lambda lib, a, b: Fn(lib).poisson_nll_loss(a, b, log_input=log_input, full=full,
                                                       reduction=red), x, y2, device=device,
            **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('vshape', [(4, 3), (4,), (4, 1), 'float'])
@pytest.mark.parametrize('full', [False, True])
def test_gaussian_nll(device, red, dt, vshape, full):
    x, y = rnd(4, 3, dt=dt), rnd(4, 3, dt=dt)
    if vshape == 'float':
        compare(lambda lib, a, b: Fn(lib).gaussian_nll_loss(a, b, 0.7, full=full, reduction=red),
                x, y, device=device, **tol(dt))
        return
    v = np.random.rand(*vshape).astype(dt) + 0.1
    v.reshape(-1)[0] = 1e-8          # clamped at eps, gradient still flows (as torch)
    compare(lambda lib, a, b, c: Fn(lib).gaussian_nll_loss(a, b, c, full=full, reduction=red),
            x, y, v, device=device, **tol(dt))


def test_gaussian_nll_errors():
    F = ember.nn.functional
    a = ember.tensor(rnd(3, 2))
    with pytest.raises(ValueError, match='var has negative entry/entries'):
        F.gaussian_nll_loss(a, a, -ember.ones(3, 2))
    with pytest.raises(ValueError, match='var has negative entry/entries'):
        F.gaussian_nll_loss(a, a, -1.0)
    with pytest.raises(ValueError, match='var is of incorrect size'):
        F.gaussian_nll_loss(a, a, ember.ones(2, 3))
    with pytest.raises(ValueError, match='x is not valid'):
        F.gaussian_nll_loss(a, a, ember.ones(3, 2), reduction='x')


# ---------------------------------------------------------------------------- margins

@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
def test_embedding_and_ranking(device, red, dt):
    a, b = rnd(5, 4, dt=dt), rnd(5, 4, dt=dt)
    y = np.array([1, -1, 1, -1, -1], dt)
    compare(lambda lib, p, q: Fn(lib).cosine_embedding_loss(p, q, nt(lib, y), margin=0.1,
                                                            reduction=red), a, b, device=device,
            **tol(dt))
    compare(lambda lib, p, q: Fn(lib).cosine_embedding_loss(p[0], q[0], nt(lib, y[0]),
                                                            reduction=red), a, b, device=device,
            **tol(dt))
    x1, x2 = rnd(6, dt=dt), rnd(6, dt=dt)
    y6 = np.array([1, -1, 1, 1, -1, -1], dt)
    compare(lambda lib, p, q: Fn(lib).margin_ranking_loss(p, q, nt(lib, y6), margin=0.3,
                                                          reduction=red), x1, x2, device=device,
            **tol(dt))
    x = rnd(3, 4, dt=dt)
    yh = np.where(np.random.rand(3, 4) > 0.5, 1, -1).astype(dt)
    compare(lambda lib, p: Fn(lib).hinge_embedding_loss(p, nt(lib, yh), margin=0.7,
                                                        reduction=red), x, device=device,
            **tol(dt))
    compare(lambda lib, p: Fn(lib).soft_margin_loss(p, nt(lib, yh), reduction=red), x,
            device=device, **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('weight', [False, True])
def test_multilabel_soft_margin(device, red, dt, weight):
    x = rnd(4, 5, dt=dt)
    y = (np.random.rand(4, 5) > 0.5).astype(dt)
    w = np.random.rand(5).astype(dt)
    compare(lambda lib, a: Fn(lib).multilabel_soft_margin_loss(
        a, nt(lib, y), weight=nt(lib, w) if weight else None, reduction=red), x, device=device,
        **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
def test_multilabel_margin(device, red, dt):
    x = rnd(3, 5, dt=dt)
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 4, 0, -1], [-1, 1, 2, 3, 4]])
    compare(lambda lib, a: Fn(lib).multilabel_margin_loss(a, nt(lib, y), reduction=red), x,
            device=device, **tol(dt))
    compare(lambda lib, a: Fn(lib).multilabel_margin_loss(a[0], nt(lib, y[0]), reduction=red),
            x, device=device, **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('p', [1, 2])
@pytest.mark.parametrize('weight', [False, True])
def test_multi_margin(device, red, dt, p, weight):
    x = rnd(5, 4, dt=dt)
    y = np.array([0, 3, 1, 2, 3])
    w = np.random.rand(4).astype(dt)
    kw = lambda lib: dict(p=p, margin=0.8, weight=nt(lib, w) if weight else None,  # noqa
                          reduction=red)
    compare(lambda lib, a: Fn(lib).multi_margin_loss(a, nt(lib, y), **kw(lib)), x,
            device=device, **tol(dt))
    compare(lambda lib, a: Fn(lib).multi_margin_loss(a[1], nt(lib, y[1:2]), **kw(lib)), x,
            device=device, **tol(dt))


def test_margin_errors():
    F = ember.nn.functional
    r = lambda *s: ember.tensor(rnd(*s))  # noqa
    L = ember.int64
    cases = [
        (lambda: F.cosine_embedding_loss(r(3, 2), r(3, 2), ember.ones(3, 1)), RuntimeError,
         '0D or 1D target tensor expected, multi-target not supported'),
        (lambda: F.cosine_embedding_loss(r(3, 2, 1), r(3, 2, 1), ember.ones(3)), RuntimeError,
         r'1D target tensor expects 2D input tensors, but found inputs with sizes \[3, 2, 1\] '
         r'and \[3, 2, 1\]\.'),
        (lambda: F.cosine_embedding_loss(r(3, 2), r(3, 2), ember.tensor(1.)), RuntimeError,
         r'0D target tensor expects 1D input tensors'),
        (lambda: F.margin_ranking_loss(r(3), r(3), r(3, 1)), RuntimeError,
         r'margin_ranking_loss : All input tensors should have same dimension but got sizes: '
         r'input1: torch.Size\(\[3\]\), input2: torch.Size\(\[3\]\), target: '
         r'torch.Size\(\[3, 1\]\)'),
        (lambda: F.soft_margin_loss(r(3), r(3, 1)), RuntimeError,
         r"output with shape \[3\] doesn't match the broadcast shape \[3, 3\]"),
        (lambda: F.multilabel_margin_loss(r(3, 4), ember.zeros(3, 5, dtype=L)), RuntimeError,
         r'inconsistent target size: \[3, 5\] for input of size: \[3, 4\]'),
        (lambda: F.multilabel_margin_loss(r(3, 4), ember.full((3, 4), 7)), RuntimeError,
         "argument #2 'target' is out of range"),
        (lambda: F.multilabel_margin_loss(r(3, 4), ember.zeros(3, 4)), RuntimeError,
         'expected scalar type Long but found Float'),
        (lambda: F.multilabel_margin_loss(r(3, 4, 2), ember.zeros(3, 4, 2, dtype=L)),
         RuntimeError, r'Expected non-empty vector or matrix with optional 0-dim batch size, '
                       r'but got: \[3, 4, 2\]'),
        (lambda: F.multi_margin_loss(r(3, 4), ember.tensor([1, 2, 3]), p=3), ValueError,
         'only p == 1 and p == 2 supported'),
        (lambda: F.multi_margin_loss(r(3, 4), ember.tensor([1, 2, 7])), RuntimeError,
         'target out of range'),
        (lambda: F.multi_margin_loss(r(3, 4), ember.tensor([1, 2])), RuntimeError,
         r'multi_margin_loss: target tensor should be 1-D with size equal to the number of input '
         r'samples \(batch size\). Expected target size \[3\], but got \[2\]. Input has shape '
         r'\[3, 4\].'),
        (lambda: F.multi_margin_loss(r(3, 4), ember.tensor([1, 2, 1]), weight=ember.ones(3)),
         RuntimeError, r'inconsistent weight size, expected 4 but got \[3\]'),
        (lambda: F.multi_margin_loss(r(3, 4), ember.tensor([1., 2, 1])), RuntimeError,
         'expected scalar type Long but found Float'),
        (lambda: F.triplet_margin_loss(r(3, 4), r(3, 4), r(4)), RuntimeError,
         'The anchor, positive, and negative tensors are expected to have the same number of '
         'dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs'),
        (lambda: F.triplet_margin_loss(r(3, 4), r(3, 4), r(3, 4), margin=-1), ValueError,
         'margin must be greater than 0, got -1'),
        (lambda: F.triplet_margin_with_distance_loss(r(3, 4), r(3, 4), r(3, 4), margin=0),
         ValueError, 'margin must be greater than 0, got 0'),
        (lambda: F.triplet_margin_with_distance_loss(r(3, 4), r(3, 4), r(4)), RuntimeError,
         'anchor 2D, positive 2D, and negative 1D inputs'),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            fn()


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('kw', [{}, {'p': 1, 'swap': True, 'margin': 2.0}, {'p': 3.0},
                                {'eps': 0.1}])
def test_triplet(device, red, dt, kw):
    a, p, n = rnd(5, 4, dt=dt), rnd(5, 4, dt=dt), rnd(5, 4, dt=dt)
    compare(lambda lib, x, y, z: Fn(lib).triplet_margin_loss(x, y, z, reduction=red, **kw),
            a, p, n, device=device, **tol(dt))
    compare(lambda lib, x, y, z: Fn(lib).triplet_margin_loss(x[0], y[0], z[0], reduction=red,
                                                             **kw), a, p, n, device=device,
            **tol(dt))


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('swap', [False, True])
def test_triplet_with_distance(device, red, swap):
    a, p, n = rnd(5, 4), rnd(5, 4), rnd(5, 4)
    compare(lambda lib, x, y, z: Fn(lib).triplet_margin_with_distance_loss(
        x, y, z, swap=swap, reduction=red, margin=1.5), a, p, n, device=device)
    compare(lambda lib, x, y, z: Fn(lib).triplet_margin_with_distance_loss(
        x, y, z, distance_function=lambda u, v: 1 - Fn(lib).cosine_similarity(u, v),
        swap=swap, reduction=red), a, p, n, device=device)


def test_distances(device):
    a, b = rnd(4, 5), rnd(4, 5)
    for p in [1, 2, 3.5, float('inf')]:
        compare(lambda lib, x, y: Fn(lib).pairwise_distance(x, y, p=p, keepdim=True), a, b,
                device=device)
    compare(lambda lib, x, y: Fn(lib).cosine_similarity(x, y, dim=0), a, b, device=device)
    compare(lambda lib, x, y: lib.nn.PairwiseDistance(p=1.0)(x, y) +
            lib.nn.CosineSimilarity()(x, y), a, b, device=device)


# ---------------------------------------------------------------------------- gradcheck

def _gc(f, *arrs):
    ts = [ember.tensor(a, requires_grad=True) for a in arrs]
    assert gradcheck(f, ts)


def test_composite_gradchecks():
    F = ember.nn.functional
    y = np.array([1., -1, 1])
    a, b = rnd(3, 4), rnd(3, 4)
    _gc(lambda p, q: F.cosine_embedding_loss(p, q, ember.tensor(y), margin=-0.5), a, b)
    _gc(lambda p: F.multi_margin_loss(p, ember.tensor([0, 3, 1]), p=2), a)
    _gc(lambda p: F.multilabel_margin_loss(p, ember.tensor([[0, 2, -1, 1]] * 3)), a)
    _gc(lambda p, q, r: F.triplet_margin_loss(p, q, r, margin=5.0, swap=True), a, b, rnd(3, 4))
    _gc(lambda p, v: F.gaussian_nll_loss(p, ember.tensor(b), v, full=True), a,
        np.random.rand(3, 4) + 0.5)
    _gc(lambda p: F.poisson_nll_loss(p, ember.tensor(np.abs(b) * 3), full=True), a)
    _gc(lambda p: F.soft_margin_loss(p, ember.tensor(np.sign(b))), a)
    _gc(lambda p, q: F.smooth_l1_loss(p, q, beta=0.5) + F.huber_loss(p, q, delta=.3) +
        F.l1_loss(p, q, weight=ember.tensor(np.abs(b))), a, b)
    _gc(lambda p, q: F.kl_div(p, q, reduction='batchmean', log_target=True) +
        F.hinge_embedding_loss(p, ember.tensor(np.sign(b))) +
        F.margin_ranking_loss(p, q, ember.tensor(np.sign(b))), a, b)
    assert gradgradcheck(lambda p: F.soft_margin_loss(p, ember.tensor(np.sign(b))),
                         (ember.tensor(a, requires_grad=True),))


# ---------------------------------------------------------------------------- CTC

def _ctc_data(T=12, N=3, C=5, S=4, seed=0, dt=np.float64):
    rng = np.random.RandomState(seed)
    logits = rng.randn(T, N, C).astype(dt)
    tl = np.array([4, 2, 3])[:N]
    tgt = rng.randint(1, C, (N, S))
    if S > 2:
        tgt[0, 1] = tgt[0, 2]       # a repeated label (needs a blank between)
    il = np.array([12, 9, 7])[:N]
    return logits, tgt, il, tl


@pytest.mark.parametrize('red', RED)
@pytest.mark.parametrize('dt', DT)
@pytest.mark.parametrize('form', ['padded', 'concat', 'tuple'])
def test_ctc(device, red, dt, form):
    logits, tgt, il, tl = _ctc_data(dt=dt)
    if form == 'concat':
        tg = np.concatenate([tgt[i, :tl[i]] for i in range(3)])
    else:
        tg = tgt

    def f(lib, x):
        lp = Fn(lib).log_softmax(x, 2)
        if form == 'tuple':
            return Fn(lib).ctc_loss(lp, nt(lib, tg), tuple(int(v) for v in il),
                                    tuple(int(v) for v in tl), reduction=red)
        return Fn(lib).ctc_loss(lp, nt(lib, tg), nt(lib, il), nt(lib, tl), reduction=red)
    compare(f, logits, device=device, **(dict(rtol=1e-4, atol=1e-4) if dt == np.float32 else {}))


def test_ctc_raw_log_probs_grad_blank_and_unbatched(device):
    logits, tgt, il, tl = _ctc_data(C=6)
    lp = np.log(np.exp(logits) / np.exp(logits).sum(2, keepdims=True))
    tgt2 = np.where(tgt == 3, 0, tgt)           # labels never equal blank=3
    compare(lambda lib, x: Fn(lib).ctc_loss(x, nt(lib, tgt2), nt(lib, il), nt(lib, tl), blank=3,
                                            reduction='sum'), lp, device=device)
    compare(lambda lib, x: lib.nn.CTCLoss(reduction='none')(x[:, 0], nt(lib, tgt[0]),
                                                          nt(lib, il[0]), nt(lib, tl[0])),
            lp, device=device)


@pytest.mark.parametrize('red', RED)
def test_ctc_zero_infinity(device, red):
    logits, tgt, il, tl = _ctc_data()
    tgt[1, :2] = [2, 2]
    il = np.array([12, 2, 7])           # sample 1 cannot align: "2 _ 2" needs 3 steps
    for zi in [True, False]:
        compare(lambda lib, x: Fn(lib).ctc_loss(Fn(lib).log_softmax(x, 2), nt(lib, tgt),
                                                nt(lib, il), nt(lib, tl), reduction=red,
                                                zero_infinity=zi), logits, device=device,
                grad=zi)


def test_ctc_zero_lengths(device):
    logits, tgt, il, tl = _ctc_data()
    tl = np.array([0, 2, 3])
    compare(lambda lib, x: Fn(lib).ctc_loss(Fn(lib).log_softmax(x, 2), nt(lib, tgt),
                                            nt(lib, il), nt(lib, tl), reduction='none'),
            logits, device=device)


def test_ctc_gradcheck_and_no_double_backward(device):
    logits, tgt, il, tl = _ctc_data(T=6, N=2, C=4, S=2)
    il, tl = np.array([6, 5]), np.array([2, 1])
    x = ember.tensor(logits, requires_grad=True, device=device)
    F = ember.nn.functional
    f = lambda a: F.ctc_loss(F.log_softmax(a, 2), ember.tensor(tgt), ember.tensor(il),  # noqa
                             ember.tensor(tl))
    assert gradcheck(f, (x,))
    g, = ember.autograd.grad(f(x), x, create_graph=True)
    with pytest.raises(RuntimeError, match='derivative for aten::_ctc_loss_backward is not '
                                           'implemented'):
        ember.autograd.grad(g.sum(), x)


def test_ctc_errors():
    F = ember.nn.functional
    lp = ember.tensor(rnd(6, 2, 5)).log_softmax(2)
    tg = ember.ones(2, 3, dtype=ember.int64)
    T = ember.tensor
    C = r' \(while checking arguments for ctc_loss_allocate_outputs\)'
    cases = [
        (lambda: F.ctc_loss(lp, tg, T([7, 5]), T([3, 2])),
         r'Expected input_lengths to have value at most 6, but got value 7' + C),
        (lambda: F.ctc_loss(lp, tg, T([6, 5]), T([4, 2])),
         r"Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument "
         r"#2 'targets'" + C),
        (lambda: F.ctc_loss(lp, tg, T([6, 5]), T([3, 2]), blank=5), 'blank must be in label range'),
        (lambda: F.ctc_loss(lp, ember.ones(3, 3, dtype=ember.int64), T([6, 5]), T([3, 2])),
         r"Expected tensor to have size 2 at dimension 0, but got size 3 for argument #2 "
         r"'targets'" + C),
        (lambda: F.ctc_loss(lp, tg, T([6, 5, 3]), T([3, 2])),
         'input_lengths must be of size batch_size'),
        (lambda: F.ctc_loss(lp, tg, T([6, 5]), T([3, 2, 1])),
         'target_lengths must be of size batch_size'),
        (lambda: F.ctc_loss(lp, ember.ones(4, dtype=ember.int64), T([6, 5]), T([3, 2])),
         r"Expected tensor to have size 5 at dimension 0, but got size 4 for argument #2 "
         r"'targets'" + C),
        (lambda: F.ctc_loss(lp, tg, T([6, -1]), T([3, 2])),
         r'Expected input_lengths to have value at least 0, but got value -1' + C),
        (lambda: F.ctc_loss(lp, tg, T([6., 5]), T([3, 2])), 'input_lengths must be integral'),
    ]
    for fn, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            fn()
    with pytest.raises(ValueError, match='x is not a valid value for reduction'):
        F.ctc_loss(lp, tg, T([6, 5]), T([3, 2]), reduction='x')


# ---------------------------------------------------------------------------- modules

W3 = np.array([0.2, 1.0, 0.7])

MODULES = [
    ('L1Loss', {}), ('MSELoss', {'reduction': 'sum'}), ('CrossEntropyLoss', {'weight': W3}),
    ('CrossEntropyLoss', {'ignore_index': 1, 'label_smoothing': 0.1}),
    ('NLLLoss', {'weight': W3, 'reduction': 'none'}), ('BCELoss', {'weight': W3}),
    ('BCEWithLogitsLoss', {'pos_weight': W3}), ('BCEWithLogitsLoss', {'weight': W3}),
    ('SmoothL1Loss', {'beta': 0.5}), ('HuberLoss', {'delta': 0.5}),
    ('KLDivLoss', {'reduction': 'batchmean', 'log_target': True}),
    ('PoissonNLLLoss', {'log_input': False, 'full': True}), ('GaussianNLLLoss', {'full': True}),
    ('CosineEmbeddingLoss', {'margin': 0.2}), ('MarginRankingLoss', {'margin': 0.1}),
    ('HingeEmbeddingLoss', {'margin': 2.0}), ('SoftMarginLoss', {}),
    ('MultiLabelSoftMarginLoss', {'weight': W3}), ('MultiLabelMarginLoss', {}),
    ('MultiMarginLoss', {'p': 2, 'weight': W3}), ('TripletMarginLoss', {'swap': True}),
    ('TripletMarginWithDistanceLoss', {'margin': 2.0}), ('CTCLoss', {'zero_infinity': True}),
]


def _module_inputs(name):
    x = rnd(4, 3)
    cls = np.array([0, 2, 1, 2])
    pm = np.where(np.random.rand(4, 3) > 0.5, 1., -1.)
    table = {
        'CrossEntropyLoss': ([x], [cls]), 'NLLLoss': ([x], [cls]),
        'BCELoss': ([np.random.rand(4, 3)], [np.random.rand(4, 3)]),
        'KLDivLoss': ([x], [rnd(4, 3)]), 'PoissonNLLLoss': ([np.random.rand(4, 3) + .1],
                                                         [np.random.rand(4, 3) * 4]),
        'GaussianNLLLoss': ([x], [rnd(4, 3), np.random.rand(4, 1) + 0.1]),
        'CosineEmbeddingLoss': ([x, rnd(4, 3)], [np.array([1., -1, -1, 1])]),
        'MarginRankingLoss': ([rnd(4), rnd(4)], [np.array([1., -1, -1, 1])]),
        'HingeEmbeddingLoss': ([x], [pm]), 'SoftMarginLoss': ([x], [pm]),
        'MultiLabelSoftMarginLoss': ([x], [(pm > 0).astype(float)]),
        'MultiLabelMarginLoss': ([x], [np.array([[0, 1, -1]] * 4)]),
        'MultiMarginLoss': ([x], [cls]),
        'TripletMarginLoss': ([x, rnd(4, 3), rnd(4, 3)], []),
        'TripletMarginWithDistanceLoss': ([x, rnd(4, 3), rnd(4, 3)], []),
    }
    if name == 'CTCLoss':
        logits, tgt, il, tl = _ctc_data()
        lp = logits - np.log(np.exp(logits).sum(2, keepdims=True))
        return [lp], [tgt, il, tl]
    return table.get(name, ([x], [rnd(4, 3)]))


@pytest.mark.parametrize('name,kw', MODULES)
def test_modules(device, name, kw):
    def build(lib):
        k = {a: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for a, v in kw.items()}
        return getattr(lib.nn, name)(**k)
    em, tm = build(ember), build(torch)
    assert repr(em) == repr(tm)
    ed = {k: v for k, v in vars(em).items() if not k.startswith('_') and k != 'training'}
    td = {k: v for k, v in vars(tm).items() if not k.startswith('_') and k != 'training'}
    assert ed == td
    esd, tsd = em.state_dict(), tm.state_dict()
    assert list(esd) == list(tsd)
    for k in esd:
        assert_same(esd[k], tsd[k])
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    diff, fixed = _module_inputs(name)
    compare(lambda lib, *a: (em if lib is ember else tm)(
        *a, *[lib.tensor(f) for f in fixed]), *diff, device=device)


def test_module_defaults_and_repr():
    for name in ['L1Loss', 'MSELoss', 'CrossEntropyLoss', 'NLLLoss', 'BCELoss',
                 'BCEWithLogitsLoss', 'SmoothL1Loss', 'HuberLoss', 'KLDivLoss', 'PoissonNLLLoss',
                 'GaussianNLLLoss', 'CosineEmbeddingLoss', 'MarginRankingLoss',
                 'HingeEmbeddingLoss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss',
                 'MultiLabelMarginLoss', 'MultiMarginLoss', 'TripletMarginLoss',
                 'TripletMarginWithDistanceLoss', 'CTCLoss']:
        e, t = getattr(ember.nn, name)(), getattr(torch.nn, name)()
        assert repr(e) == repr(t)
        assert {k: v for k, v in vars(e).items() if not k.startswith('_')} == \
            {k: v for k, v in vars(t).items() if not k.startswith('_')}, name
    with pytest.raises(ValueError, match='only p == 1 and p == 2 supported'):
        ember.nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match='TripletMarginLoss: expected margin to be greater than '
                                         '0, got 0 instead'):
        ember.nn.TripletMarginLoss(margin=0)
    m = ember.nn.CrossEntropyLoss(weight=ember.ones(3))
    assert 'weight' in dict(m.named_buffers())
    m = ember.nn.BCEWithLogitsLoss(pos_weight=ember.ones(3))
    assert list(m.state_dict()) == ['pos_weight']
