"""swa_utils against PyTorch: AveragedModel (SWA and EMA, with and without buffers), update_bn,
and the averaging functions."""
import numpy as np
import pytest

import ember
from tests.helpers import torch, to_np
from tests.optim.common import needs_oracle


def _model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))


def _pair():
    tm = _model(torch)
    em = _model(ember)
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    return em, tm


def _perturb(lib, model, rng_seed):
    """Set every parameter to fresh values and run a training-mode batch (moves BN stats)."""
    rng = np.random.RandomState(rng_seed)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.randn(*p.shape).astype(np.float32)))
    model.train()
    model(lib.tensor(rng.randn(8, 4).astype(np.float32)))


def _same_module(em, tm, rtol=1e-6, atol=1e-6):
    esd, tsd = em.state_dict(), tm.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        a, b = to_np(esd[k]), to_np(tsd[k])
        assert a.dtype == b.dtype, k
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=k)


AVG = {
    'swa': lambda sw: {},
    'swa-buffers': lambda sw: dict(use_buffers=True),
    'ema-multi': lambda sw: dict(multi_avg_fn=sw.get_ema_multi_avg_fn(0.9)),
    'ema-multi-buffers': lambda sw: dict(multi_avg_fn=sw.get_ema_multi_avg_fn(0.7),
                                         use_buffers=True),
    'ema-fn': lambda sw: dict(avg_fn=sw.get_ema_avg_fn(0.8)),
    'swa-fn': lambda sw: dict(avg_fn=sw.get_swa_avg_fn()),
    'swa-multi': lambda sw: dict(multi_avg_fn=sw.get_swa_multi_avg_fn()),
}


@pytest.mark.parametrize('name', list(AVG))
def test_averaged_model_matches_torch(name):
    needs_oracle()
    em, tm = _pair()
    ea = ember.optim.swa_utils.AveragedModel(em, **AVG[name](ember.optim.swa_utils))
    ta = torch.optim.swa_utils.AveragedModel(tm, **AVG[name](torch.optim.swa_utils))
    _same_module(ea, ta)
    for i in range(12):
        _perturb(ember, em, i)
        _perturb(torch, tm, i)
        ea.update_parameters(em)
        ta.update_parameters(tm)
        _same_module(ea, ta)
    assert int(ea.n_averaged) == 12 and ea.n_averaged.dtype == ember.int64
    # forward runs the averaged copy
    x = np.random.RandomState(9).randn(3, 4).astype(np.float32)
    ea.eval()
    ta.eval()
    np.testing.assert_allclose(to_np(ea(ember.tensor(x))), to_np(ta(torch.tensor(x))),
                               rtol=1e-5, atol=1e-6)
    assert not any(p is q for p, q in zip(ea.module.parameters(), em.parameters()))


def test_update_bn_matches_torch():
    needs_oracle()
    em, tm = _pair()
    rng = np.random.RandomState(0)
    batches = [rng.randn(6, 4).astype(np.float32) * (i + 1) for i in range(5)]
    em.eval()
    tm.eval()
    bn_momentum = em[1].momentum
    ember.optim.swa_utils.update_bn([ember.tensor(b) for b in batches], em)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], tm)
    _same_module(em, tm, rtol=1e-5)
    assert not em.training and em[1].momentum == bn_momentum
    assert int(em[1].num_batches_tracked) == 5
    # a model without batch norm is left alone
    lin = ember.nn.Linear(2, 2)
    ember.optim.swa_utils.update_bn([ember.ones(1, 2)], lin)


def test_avg_fn_errors_and_values():
    needs_oracle()
    sw = ember.optim.swa_utils
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r'Invalid decay value .* Please provide a value in'):
            sw.get_ema_avg_fn(bad)
        with pytest.raises(ValueError, match=r'Invalid decay value'):
            sw.get_ema_multi_avg_fn(bad)
    with pytest.raises(AssertionError, match='Only one of avg_fn and multi_avg_fn'):
        sw.AveragedModel(ember.nn.Linear(2, 2), avg_fn=sw.get_swa_avg_fn(),
                         multi_avg_fn=sw.get_swa_multi_avg_fn())
    a = np.random.RandomState(1).randn(5).astype(np.float32)
    b = np.random.RandomState(2).randn(5).astype(np.float32)
    for fn, tfn in ((sw.get_ema_avg_fn(0.9), torch.optim.swa_utils.get_ema_avg_fn(0.9)),
                    (sw.get_swa_avg_fn(), torch.optim.swa_utils.get_swa_avg_fn())):
        e = fn(ember.tensor(a), ember.tensor(b), ember.tensor(3))
        t = tfn(torch.tensor(a), torch.tensor(b), torch.tensor(3))
        np.testing.assert_allclose(to_np(e), to_np(t), rtol=1e-6)
    # integer tensors are averaged without lerp
    ei = [ember.tensor([10, 20])]
    ti = [torch.tensor([10, 20])]
    sw.get_ema_multi_avg_fn(0.5)(ei, [ember.tensor([0, 4])], 1)
    torch.optim.swa_utils.get_ema_multi_avg_fn(0.5)(ti, [torch.tensor([0, 4])], 1)
    np.testing.assert_array_equal(to_np(ei[0]), to_np(ti[0]))


def test_swalr_errors():
    needs_oracle()
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            lib.optim.swa_utils.SWALR(opt, 0.05, anneal_strategy='exp')
        with pytest.raises(ValueError, match='anneal_epochs must be equal or greater than 0'):
            lib.optim.swa_utils.SWALR(opt, 0.05, anneal_epochs=-1)
        with pytest.raises(ValueError, match='swa_lr must have the same length'):
            lib.optim.swa_utils.SWALR(opt, [0.05, 0.1])
