"""Every optimizer and option combination follows PyTorch's trajectory: same initial parameters,
same gradient sequence, parameters within 1e-5 relative after 100 steps; same state and
param_groups; state_dicts that interchange mid-training."""
import copy

import numpy as np
import pytest

import ember
from tests.helpers import torch, to_np
from tests.optim.common import (make_params, init_arrays, grad_seq, run, convert,
                                assert_params_close, assert_state_close, needs_oracle)

CASES = [
    ('SGD', dict(lr=0.1)),
    ('SGD', dict(lr=0.05, momentum=0.9)),
    ('SGD', dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=1e-2)),
    ('SGD', dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ('SGD', dict(lr=0.05, momentum=0.5, maximize=True)),
    ('Adam', dict(lr=1e-2)),
    ('Adam', dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6)),
    ('Adam', dict(lr=1e-2, amsgrad=True)),
    ('Adam', dict(lr=1e-2, weight_decay=0.1)),
    ('Adam', dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)),
    ('Adam', dict(lr=1e-2, maximize=True)),
    ('AdamW', dict(lr=1e-2)),
    ('AdamW', dict(lr=1e-2, weight_decay=0.1, amsgrad=True, maximize=True)),
    ('RMSprop', dict()),
    ('RMSprop', dict(lr=1e-3, alpha=0.9, eps=1e-6)),
    ('RMSprop', dict(lr=1e-3, centered=True)),
    ('RMSprop', dict(lr=1e-3, momentum=0.9)),
    ('RMSprop', dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=1e-2)),
    ('RMSprop', dict(lr=1e-3, maximize=True)),
    ('Adagrad', dict(lr=0.1)),
    ('Adagrad', dict(lr=0.1, lr_decay=0.01)),
    ('Adagrad', dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ('Adagrad', dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ('Adadelta', dict()),
    ('Adadelta', dict(lr=0.5, rho=0.5, eps=1e-5)),
    ('Adadelta', dict(weight_decay=0.1)),
    ('Adadelta', dict(maximize=True)),
    ('Adamax', dict()),
    ('Adamax', dict(lr=1e-2, betas=(0.8, 0.9), eps=1e-6)),
    ('Adamax', dict(weight_decay=0.1)),
    ('Adamax', dict(maximize=True)),
    ('NAdam', dict()),
    ('NAdam', dict(lr=1e-2, momentum_decay=1e-2, betas=(0.8, 0.99))),
    ('NAdam', dict(weight_decay=0.1)),
    ('NAdam', dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ('NAdam', dict(maximize=True)),
    ('RAdam', dict()),
    ('RAdam', dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6)),
    ('RAdam', dict(weight_decay=0.1)),
    ('RAdam', dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ('RAdam', dict(maximize=True)),
    ('Rprop', dict()),
    ('Rprop', dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ('Rprop', dict(maximize=True)),
    ('ASGD', dict()),
    ('ASGD', dict(lr=0.05, lambd=1e-3, alpha=0.5, t0=30, weight_decay=1e-2)),
    ('ASGD', dict(lr=0.05, t0=0, maximize=True)),
]
IDS = [f'{n}-' + '-'.join(f'{k}={v}' for k, v in kw.items()) for n, kw in CASES]
N = 100


def _pair(name, kw, device, dtype=np.float32):
    arrays = init_arrays(dtype)
    ep = make_params(ember, arrays, device)
    tp = make_params(torch, arrays)
    eo = getattr(ember.optim, name)(ep, **kw)
    to = getattr(torch.optim, name)(tp, **kw)
    return ep, tp, eo, to


def _check_same(eo, to, ep, tp):
    assert_params_close(ep, tp)
    esd, tsd = eo.state_dict(), to.state_dict()
    assert esd['param_groups'] == tsd['param_groups']
    assert_state_close(esd['state'], tsd['state'], rtol=1e-4, atol=1e-6)
    assert repr(eo) == repr(to)


@pytest.mark.parametrize('name,kw', CASES, ids=IDS)
def test_trajectory_matches_torch(name, kw, device):
    needs_oracle()
    ep, tp, eo, to = _pair(name, kw, device)
    seq = grad_seq(N)
    run(eo, ep, seq, ember, device)
    run(to, tp, seq, torch)
    _check_same(eo, to, ep, tp)
    # parameter 3 never had a gradient: untouched, and no state (Adagrad creates it up front)
    np.testing.assert_array_equal(to_np(ep[3]), init_arrays()[3])


@pytest.mark.parametrize('name,kw', [CASES[i] for i in (2, 9, 17, 21, 25, 29, 34, 39, 42, 45)],
                         ids=[IDS[i] for i in (2, 9, 17, 21, 25, 29, 34, 39, 42, 45)])
def test_trajectory_float64(name, kw, device):
    needs_oracle()
    ep, tp, eo, to = _pair(name, kw, device, np.float64)
    seq = grad_seq(30, np.float64)
    run(eo, ep, seq, ember, device)
    run(to, tp, seq, torch)
    assert_params_close(ep, tp, rtol=1e-10, atol=1e-12)
    assert ep[0].dtype == ember.float64
    st = eo.state_dict()['state'][0]
    assert all(v.dtype == ember.float64 for k, v in st.items() if k not in ('step', 'mu_product', 'eta', 'mu'))
    if 'step' in st:
        assert st['step'].dtype == ember.float32


@pytest.mark.parametrize('name,kw', CASES, ids=IDS)
def test_state_dict_resume(name, kw, device):
    """Save mid-training, load into a fresh optimizer (with fresh parameters holding the same
    values): the trajectory continues identically to an uninterrupted run."""
    arrays = init_arrays()
    seq = grad_seq(40)
    ep = make_params(ember, arrays, device)
    eo = getattr(ember.optim, name)(ep, **kw)
    run(eo, ep, seq[:20], ember, device)
    sd = copy.deepcopy(eo.state_dict())
    ep2 = make_params(ember, [to_np(p) for p in ep], device)
    eo2 = getattr(ember.optim, name)(ep2, **kw)
    eo2.load_state_dict(sd)
    run(eo, ep, seq[20:], ember, device)
    run(eo2, ep2, seq[20:], ember, device)
    for a, b in zip(ep, ep2):
        np.testing.assert_array_equal(to_np(a), to_np(b))
    assert repr(eo) == repr(eo2)


@pytest.mark.parametrize('name,kw', CASES, ids=IDS)
def test_torch_state_dict_loads(name, kw, device):
    """A state_dict made by PyTorch's optimizer (converted tensor by tensor via NumPy) loads into
    ember's, which then continues PyTorch's trajectory; and ember's loads into PyTorch's."""
    needs_oracle()
    ep, tp, eo, to = _pair(name, kw, device)
    seq = grad_seq(40)
    run(to, tp, seq[:20], torch)
    for e, t in zip(ep, tp):
        e.data = ember.tensor(to_np(t), device=device)
    eo.load_state_dict(convert(to.state_dict(), ember, device))
    assert_state_close(eo.state_dict()['state'], to.state_dict()['state'], rtol=0, atol=0)
    run(to, tp, seq[20:], torch)
    run(eo, ep, seq[20:], ember, device)
    _check_same(eo, to, ep, tp)
    # and the other way: ember's state_dict drives a fresh torch optimizer
    tp2 = make_params(torch, [to_np(p) for p in ep])
    to2 = getattr(torch.optim, name)(tp2, **kw)
    to2.load_state_dict(convert(eo.state_dict(), torch))
    run(to2, tp2, seq[:10], torch)
    run(eo, ep, seq[:10], ember, device)
    assert_params_close(ep, tp2)
