"""AdaptiveLogSoftmaxWithLoss against PyTorch with torch's weights copied in: structure,
state_dict and repr, init bounds, forward output/loss with input and parameter gradients
(batched, unbatched, clusters absent), log_prob, predict and the error messages."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, needs_torch, torch
from tests.nn.modcheck import check_layout, pair, same_error

pytestmark = [needs_torch, pytest.mark.filterwarnings(
    'ignore:Initializing zero-element tensors is a no-op')]   # the last config's hsz is 0

CONFIGS = [dict(in_features=16, n_classes=20, cutoffs=[4, 10]),
           dict(in_features=16, n_classes=20, cutoffs=[4, 10], head_bias=True),
           dict(in_features=12, n_classes=9, cutoffs=(3,), div_value=2.0),
           dict(in_features=32, n_classes=30, cutoffs=[2, 5, 12, 20], div_value=2.5,
                head_bias=True)]


def make(cfg, dtype=None):
    def build(lib):
        kw = {} if dtype is None else {'dtype': getattr(lib, dtype)}
        return lib.nn.AdaptiveLogSoftmaxWithLoss(**cfg, **kw)
    return build


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype in (None, 'float32') else {}


def run_both(e, t, x, y, device):
    """Forward + backward of ``output`` and ``loss`` in both libraries; compare everything."""
    ex = ember.tensor(x, device=device, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    eo, to = e(ex, ember.tensor(y, device=device)), t(tx, torch.tensor(y))
    assert type(eo).__name__ == '_ASMoutput' and eo._fields == ('output', 'loss')
    tl = dict(rtol=1e-4, atol=1e-5) if x.dtype == np.float32 else {}
    assert_same(eo.output, to.output, **tl)
    assert_same(eo.loss, to.loss, **tl)
    w = np.random.RandomState(1).standard_normal(to.output.shape).astype(x.dtype)
    (eo.output * ember.tensor(w, device=device)).sum().add(eo.loss * 0.5).backward()
    (to.output * torch.tensor(w)).sum().add(to.loss * 0.5).backward()
    assert_same(ex.grad, tx.grad, **tl)
    for (n, p), (m, q) in zip(e.named_parameters(), t.named_parameters()):
        assert n == m
        if q.grad is None:
            assert p.grad is None, n
        else:
            assert_same(p.grad, q.grad, **tl)


@pytest.mark.parametrize('cfg', CONFIGS)
@pytest.mark.parametrize('dtype', [None, 'float64'])
def test_layout(cfg, dtype):
    e, t = pair(make(cfg, dtype))
    check_layout(e, t)
    assert e.cutoffs == t.cutoffs and e.shortlist_size == t.shortlist_size
    assert (e.n_clusters, e.head_size, e.div_value, e.head_bias) == \
        (t.n_clusters, t.head_size, t.div_value, t.head_bias)
    assert isinstance(e.tail, ember.nn.ModuleList)
    assert all(isinstance(s, ember.nn.Sequential) for s in e.tail)


@pytest.mark.parametrize('cfg', CONFIGS)
def test_init_bounds(cfg):
    m = ember.nn.AdaptiveLogSoftmaxWithLoss(**cfg)
    for name, p in m.named_parameters():
        if p.numel() == 0:
            continue
        fan_in = p.shape[-1] if name.endswith('weight') else m.in_features
        bound = 1 / math.sqrt(fan_in) if fan_in else 0
        assert float(p.abs().max()) <= bound + 1e-7, name
    before = [p.detach().clone() for p in m.parameters()]
    m.reset_parameters()
    assert any(not bool((a == p).all()) for a, p in zip(before, m.parameters()) if a.numel())


@pytest.mark.parametrize('cfg', CONFIGS)
@pytest.mark.parametrize('dtype', [None, 'float64'])
def test_forward_backward(device, cfg, dtype):
    e, t = pair(make(cfg, dtype), device)
    dt = np.float64 if dtype else np.float32
    rs = np.random.RandomState(2)
    n = 13
    x = rs.standard_normal((n, cfg['in_features'])).astype(dt)
    y = rs.randint(0, cfg['n_classes'], n).astype(np.int64)
    y[:len(cfg['cutoffs']) + 1] = [0] + list(cfg['cutoffs'])   # every cluster present
    y[-1] = cfg['n_classes'] - 1
    run_both(e, t, x, y, device)


@pytest.mark.parametrize('targets', [[0, 1, 3, 2], [12, 15, 11, 19], [0, 19, 19, 2],
                                     [5], [17]])
def test_missing_clusters_and_batch_of_one(device, targets):
    e, t = pair(make(CONFIGS[1]), device)
    y = np.array(targets, np.int64)
    x = np.random.RandomState(3).standard_normal((len(y), 16)).astype(np.float32)
    run_both(e, t, x, y, device)


@pytest.mark.parametrize('target', [0, 3, 7, 19])
def test_unbatched(device, target):
    e, t = pair(make(CONFIGS[1]), device)
    x = np.random.RandomState(4).standard_normal(16).astype(np.float32)
    run_both(e, t, x, np.array(target, np.int64), device)


def test_empty_batch():
    e, t = pair(make(CONFIGS[0]))
    x = np.zeros((0, 16), np.float32)
    eo = e(ember.tensor(x), ember.tensor(np.zeros(0, np.int64)))
    to = t(torch.tensor(x), torch.tensor(np.zeros(0, np.int64)))
    assert_same(eo.output, to.output)
    assert_same(eo.loss, to.loss)


def test_asm_output_namedtuple():
    from ember.nn.modules import adaptive
    out = adaptive._ASMoutput(1, 2)
    assert out.output == 1 and out.loss == 2 and adaptive._ASMoutput._fields == ('output', 'loss')
    assert adaptive.AdaptiveLogSoftmaxWithLoss is ember.nn.AdaptiveLogSoftmaxWithLoss


@pytest.mark.parametrize('cfg', CONFIGS)
@pytest.mark.parametrize('dtype', [None, 'float64'])
def test_log_prob(device, cfg, dtype):
    e, t = pair(make(cfg, dtype), device)
    dt = np.float64 if dtype else np.float32
    x = np.random.RandomState(5).standard_normal((7, cfg['in_features'])).astype(dt)
    ex = ember.tensor(x, device=device, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    el, tl = e.log_prob(ex), t.log_prob(tx)
    assert_same(el, tl, **tol(dtype))
    np.testing.assert_allclose(el.exp().sum(1).detach().cpu().numpy(), 1, rtol=1e-5)
    w = np.random.RandomState(6).standard_normal(tl.shape).astype(dt)
    (el * ember.tensor(w, device=device)).sum().backward()
    (tl * torch.tensor(w)).sum().backward()
    assert_same(ex.grad, tx.grad, **tol(dtype))
    for p, q in zip(e.parameters(), t.parameters()):
        assert_same(p.grad, q.grad, **tol(dtype))


def _predict_pair(device, head_bias_fill=None):
    cfg = dict(in_features=8, n_classes=20, cutoffs=[4, 10], head_bias=True)
    t = make(cfg)(torch)
    if head_bias_fill is not None:
        with torch.no_grad():
            t.head.bias.copy_(torch.tensor(head_bias_fill))
    e = make(cfg)(ember)
    e.to(device)
    e.load_state_dict({k: ember.tensor(v.detach().numpy(), device=device)
                       for k, v in t.state_dict().items()})
    return e, t


@pytest.mark.parametrize('bias', [None,                                  # mixed
                                  [9., 9, 9, 9, -9, -9],                 # all in shortlist
                                  [-9., -9, -9, -9, 9, 9],               # all in clusters
                                  [0., 0, 0, 0, 3, -9]])                 # mostly cluster 1
def test_predict(device, bias):
    e, t = _predict_pair(device, bias)
    x = np.random.RandomState(7).standard_normal((40, 8)).astype(np.float32) * 3
    ep, tp = e.predict(ember.tensor(x, device=device)), t.predict(torch.tensor(x))
    assert_same(ep, tp)
    assert_same(ep, e.log_prob(ember.tensor(x, device=device)).argmax(dim=1))


def test_predict_mixed_case_is_mixed():
    e, t = _predict_pair('cpu')
    x = np.random.RandomState(7).standard_normal((40, 8)).astype(np.float32) * 3
    head = t.head(torch.tensor(x)).argmax(1)
    if not ((head >= 4).any() and (head < 4).any()):
        pytest.skip('draw did not mix shortlist and cluster winners')
    assert_same(e.predict(ember.tensor(x)), t.predict(torch.tensor(x)))


@pytest.mark.parametrize('cutoffs', [[], [5, 3], [0, 4], [4, 4, 8], [4, 20], [4, 25], [2.5, 6],
                                     [-1, 4]])
def test_bad_cutoffs(cutoffs):
    same_error(lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs))


@pytest.mark.parametrize('x_shape,y', [((4, 16), [0, 1, 20, 2]),      # above range
                                       ((4, 16), [0, -1, 3, 2]),      # below range
                                       ((3, 16), [0, 1, 2, 3]),       # batch mismatch
                                       ((4, 16, 2), [0, 1, 2, 3]),    # 1-D target, 3-D input
                                       ((4,), [0, 1, 2, 3]),          # 1-D target, 1-D input
                                       ((2, 16), 3),                  # 0-D target, 2-D input
                                       ((2, 16), [[1, 2], [3, 4]]),   # multi-target
                                       ((16,), 25)])                  # unbatched, out of range
def test_forward_errors(x_shape, y):
    x = np.random.RandomState(8).standard_normal(x_shape).astype(np.float32)

    def fn(lib):
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10])
        return m(lib.tensor(x), lib.tensor(y))
    same_error(fn)
