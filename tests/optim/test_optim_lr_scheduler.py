"""Every scheduler yields PyTorch's learning-rate (and momentum) sequence for 300 steps, resumes
from its state_dict, and warns where PyTorch warns."""
import copy
import math
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch
from tests.optim.common import needs_oracle

STEPS = 300


def _opt(lib, kind='sgd'):
    p1 = lib.zeros(3, requires_grad=True)
    p2 = lib.zeros(2, requires_grad=True)
    groups = [{'params': [p1]}, {'params': [p2], 'lr': 0.05}]
    if kind == 'adam':
        return lib.optim.Adam(groups, lr=0.1)
    if kind == 'plain':
        return lib.optim.SGD(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


class Scale:
    """A picklable callable with state (its __dict__ goes into state_dict)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, e):
        return self.f ** e


def triangle(x):
    return 0.5 * (1 + math.sin(x))


SCHEDS = {
    'LambdaLR': lambda L, o: L.LambdaLR(o, lambda e: 0.97 ** e),
    'LambdaLR-list': lambda L, o: L.LambdaLR(o, [lambda e: 1 / (1 + e), Scale(0.99)]),
    'MultiplicativeLR': lambda L, o: L.MultiplicativeLR(o, lambda e: 0.99 if e % 3 else 1.01),
    'StepLR': lambda L, o: L.StepLR(o, step_size=30, gamma=0.5),
    'MultiStepLR': lambda L, o: L.MultiStepLR(o, milestones=[30, 80, 80, 200], gamma=0.3),
    'ConstantLR': lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=40),
    'LinearLR': lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=100),
    'LinearLR-down': lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.05,
                                             total_iters=250),
    'ExponentialLR': lambda L, o: L.ExponentialLR(o, gamma=0.98),
    'PolynomialLR': lambda L, o: L.PolynomialLR(o, total_iters=200, power=2.0),
    'CosineAnnealingLR': lambda L, o: L.CosineAnnealingLR(o, T_max=50, eta_min=1e-3),
    'CosineAnnealingWarmRestarts': lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=20, T_mult=2, eta_min=1e-4),
    'CosineAnnealingWarmRestarts-1': lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=37),
    'CyclicLR': lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=20),
    'CyclicLR-triangular2': lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                    step_size_up=20, step_size_down=10,
                                                    mode='triangular2', base_momentum=0.7,
                                                    max_momentum=0.95),
    'CyclicLR-exp_range': lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=15,
                                                  mode='exp_range', gamma=0.99),
    'CyclicLR-scale_fn': lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7,
                                                 scale_fn=triangle, scale_mode='iterations',
                                                 cycle_momentum=False),
    'OneCycleLR': lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS),
    'OneCycleLR-linear': lambda L, o: L.OneCycleLR(o, max_lr=[0.1, 0.3], epochs=10,
                                                   steps_per_epoch=30, pct_start=0.25,
                                                   anneal_strategy='linear', div_factor=10.0,
                                                   final_div_factor=100.0),
    'OneCycleLR-three_phase': lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS + 5,
                                                        three_phase=True, base_momentum=0.8,
                                                        max_momentum=0.9),
    'OneCycleLR-nomomentum': lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS,
                                                       cycle_momentum=False),
    'SequentialLR': lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=20), L.ExponentialLR(o, gamma=0.99),
            L.CosineAnnealingLR(o, T_max=40)], milestones=[20, 150]),
    'ChainedScheduler': lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.2, total_iters=10), L.ExponentialLR(o, gamma=0.99),
         L.StepLR(o, step_size=70, gamma=0.5)]),
    'SWALR-cos': lambda L, o: _swa(L).SWALR(o, swa_lr=0.05, anneal_epochs=10),
    'SWALR-linear': lambda L, o: _swa(L).SWALR(o, swa_lr=[0.05, 0.01], anneal_epochs=25,
                                               anneal_strategy='linear'),
    'SWALR-0': lambda L, o: _swa(L).SWALR(o, swa_lr=0.02, anneal_epochs=0),
}
ADAM = {'CyclicLR': lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=20),
        'OneCycleLR': lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS,
                                                three_phase=True)}


def _swa(L):
    return ember.optim.swa_utils if L is ember.optim.lr_scheduler else torch.optim.swa_utils


def _momenta(opt):
    return [(g.get('momentum'), g.get('betas')) for g in opt.param_groups]


def _sequence(lib, build, kind, steps=STEPS):
    opt = _opt(lib, kind)
    sched = build(lib.optim.lr_scheduler, opt)
    lrs, moms = [list(sched.get_last_lr())], [_momenta(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(_momenta(opt))
        assert lrs[-1] == [g['lr'] for g in opt.param_groups]
    return lrs, moms, sched, opt


def _cases():
    for name, build in SCHEDS.items():
        yield pytest.param(name, build, 'sgd', id=name)
    for name, build in ADAM.items():
        yield pytest.param(name, build, 'adam', id=name + '-adam')


@pytest.mark.parametrize('name,build,kind', list(_cases()))
def test_lr_sequence_matches_torch(name, build, kind):
    needs_oracle()
    with warnings.catch_warnings():
        warnings.simplefilter('error')          # the right order warns in neither library
        e_lrs, e_moms, esched, _ = _sequence(ember, build, kind)
        t_lrs, t_moms, tsched, _ = _sequence(torch, build, kind)
    np.testing.assert_allclose(np.array(e_lrs), np.array(t_lrs), rtol=1e-12, atol=0)
    assert len(e_moms) == len(t_moms)
    for a, b in zip(e_moms, t_moms):
        for (m1, b1), (m2, b2) in zip(a, b):
            assert (m1 is None) == (m2 is None) and (b1 is None) == (b2 is None)
            if m1 is not None:
                assert math.isclose(m1, m2, rel_tol=1e-12)
            if b1 is not None:
                np.testing.assert_allclose(b1, b2, rtol=1e-12)
    esd, tsd = esched.state_dict(), tsched.state_dict()
    assert set(esd) == set(tsd)
    for k, v in tsd.items():
        if isinstance(v, (int, float, str, bool)) or v is None:
            assert esd[k] == pytest.approx(v, rel=1e-12) if isinstance(v, float) else esd[k] == v


@pytest.mark.parametrize('name,build,kind', list(_cases()))
def test_state_dict_resume(name, build, kind):
    """Save optimizer and scheduler halfway; a fresh pair loaded from them continues the same
    sequence as the uninterrupted run."""
    full, _, _, _ = _sequence(ember, build, kind)
    lrs, _, sched, opt = _sequence(ember, build, kind, steps=STEPS // 2)
    osd, ssd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _opt(ember, kind)
    sched2 = build(ember.optim.lr_scheduler, opt2)
    opt2.load_state_dict(osd)
    sched2.load_state_dict(ssd)
    assert sched2.get_last_lr() == lrs[-1]
    for _ in range(STEPS - STEPS // 2):
        opt2.step()
        sched2.step()
        lrs.append(list(sched2.get_last_lr()))
    np.testing.assert_allclose(np.array(lrs), np.array(full), rtol=1e-12, atol=0)


PLATEAU = [
    dict(),
    dict(mode='max', factor=0.5, patience=3),
    dict(mode='min', threshold=0.05, threshold_mode='abs', patience=2, cooldown=4),
    dict(mode='max', threshold=0.01, threshold_mode='rel', patience=0, cooldown=2,
         min_lr=[0.02, 0.001]),
    dict(factor=0.9, patience=1, min_lr=0.049, eps=1e-3),
]


def _metrics():
    rng = np.random.RandomState(3)
    t = np.arange(STEPS)
    return list(1.0 / (1 + 0.05 * t) + 0.05 * rng.rand(STEPS) + 0.3 * (t % 60 > 45))


@pytest.mark.parametrize('kw', PLATEAU)
def test_reduce_lr_on_plateau(kw):
    needs_oracle()
    out = {}
    for lib in (ember, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        seq = []
        for i, m in enumerate(_metrics()):
            opt.step()
            sched.step(lib.tensor(m) if i % 2 else m)       # a 0-dim tensor metric works too
            seq.append(list(sched.get_last_lr()) + [sched.num_bad_epochs, sched.cooldown_counter])
        out[lib.__name__] = seq
        if lib is ember:
            sd = sched.state_dict()
        else:
            tsd = sched.state_dict()
    assert out['ember'] == out['torch']
    assert set(sd) == set(tsd)
    assert {k: v for k, v in sd.items() if not isinstance(v, list)} == \
        {k: v for k, v in tsd.items() if not isinstance(v, list)}
    assert len({tuple(s[:2]) for s in out['ember']}) > 1        # the lr did change


def test_reduce_lr_on_plateau_resume_and_errors():
    opt = _opt(ember)
    L = ember.optim.lr_scheduler
    s = L.ReduceLROnPlateau(opt, mode='max', patience=2)
    for m in _metrics()[:100]:
        s.step(m)
    s2 = L.ReduceLROnPlateau(_opt(ember))
    s2.load_state_dict(copy.deepcopy(s.state_dict()))
    assert s2.mode == 'max' and s2.best == s.best and s2.num_bad_epochs == s.num_bad_epochs
    with pytest.raises(ValueError, match='Factor should be < 1.0.'):
        L.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match='mode avg is unknown!'):
        L.ReduceLROnPlateau(opt, mode='avg')
    with pytest.raises(ValueError, match='threshold mode x is unknown!'):
        L.ReduceLROnPlateau(opt, threshold_mode='x')
    with pytest.raises(ValueError, match='expected 2 min_lrs, got 3'):
        L.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])


def test_step_order_warnings():
    needs_oracle()
    for lib in (ember, torch):
        L = lib.optim.lr_scheduler
        opt = _opt(lib)
        sched = L.StepLR(opt, 3)
        with pytest.warns(UserWarning, match=r'Detected call of `lr_scheduler.step\(\)` before '
                                             r'`optimizer.step\(\)`'):
            sched.step()
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            sched.step()                             # only the first call warns
        opt = _opt(lib)
        sched = L.ExponentialLR(opt, 0.9)
        opt.step = lambda *a, **k: None              # overridden after the scheduler wrapped it
        with pytest.warns(UserWarning, match='Seems like `optimizer.step\\(\\)` has been '
                                             'overridden after learning rate scheduler'):
            sched.step()
        with pytest.warns(UserWarning, match='please use `get_last_lr\\(\\)`'):
            sched.get_lr()
        opt = _opt(lib)
        sched = L.StepLR(opt, 3)
        with pytest.warns(UserWarning, match='The epoch parameter in `scheduler.step\\(\\)`'):
            opt.step()
            sched.step(7)


@pytest.mark.parametrize('name,epochs', [('StepLR', [3, 7, 30, 61, 5]),
                                         ('MultiStepLR', [10, 31, 80, 81, 300]),
                                         ('ExponentialLR', [4, 9, 2]),
                                         ('CosineAnnealingLR', [7, 50, 120, 3]),
                                         ('CosineAnnealingWarmRestarts', [0, 5.5, 21, 65, 3.2]),
                                         ('PolynomialLR', [10, 250, 3]),
                                         ('LinearLR', [3, 200, 50]),
                                         ('ConstantLR', [3, 45, 10])])
def test_step_with_epoch_closed_form(name, epochs):
    needs_oracle()
    seqs = []
    for lib in (ember, torch):
        opt = _opt(lib)
        sched = SCHEDS[name](lib.optim.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for e in epochs:
                opt.step()
                sched.step(e)
                seq.append(sched.get_last_lr())
                sched.step()
                seq.append(sched.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(np.array(seqs[0]), np.array(seqs[1]), rtol=1e-12)


def test_scheduler_errors():
    needs_oracle()
    for lib in (ember, torch):
        L = lib.optim.lr_scheduler
        opt = _opt(lib)
        with pytest.raises(TypeError, match='list is not an Optimizer'):
            L.StepLR([], 3)
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                           r'param_groups\[0\] when resuming'):
            L.StepLR(opt, 3, last_epoch=5)
        with pytest.raises(ValueError, match='Expected 2 lr_lambdas, but got 3'):
            L.LambdaLR(opt, [abs] * 3)
        with pytest.raises(TypeError, match='lr_lambda should be a function, but got int'):
            L.MultiplicativeLR(opt, 3)
        with pytest.raises(ValueError, match='Constant multiplicative factor expected'):
            L.ConstantLR(opt, factor=2)
        with pytest.raises(ValueError, match='Starting multiplicative factor expected'):
            L.LinearLR(opt, start_factor=0)
        with pytest.raises(ValueError, match='Expected positive integer T_0, but got 0'):
            L.CosineAnnealingWarmRestarts(opt, T_0=0)
        with pytest.raises(ValueError, match='Expected integer T_mult >= 1, but got 0'):
            L.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=0)
        with pytest.raises(ValueError, match='mode is invalid and scale_fn is None'):
            L.CyclicLR(opt, 0.1, 1.0, mode='sine')
        with pytest.raises(ValueError, match='base_lr must have the same length as '
                                             'optimizer.param_groups'):
            L.CyclicLR(opt, [0.1] * 3, 1.0)
        with pytest.raises(ValueError, match='optimizer must support momentum or beta1'):
            L.CyclicLR(lib.optim.Adagrad([lib.zeros(2, requires_grad=True)]), 0.1, 1.0)
        with pytest.raises(ValueError, match='You must define either total_steps OR'):
            L.OneCycleLR(opt, 0.1)
        with pytest.raises(ValueError, match='Expected positive integer total_steps, but got 0'):
            L.OneCycleLR(opt, 0.1, total_steps=0)
        with pytest.raises(ValueError, match='Expected float between 0 and 1 pct_start'):
            L.OneCycleLR(opt, 0.1, total_steps=10, pct_start=1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            L.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy='exp')
        s = L.OneCycleLR(_opt(lib), 0.1, total_steps=3)
        with pytest.raises(ValueError, match='Tried to step 4 times. The specified number of '
                                             'total steps is 3'):
            for _ in range(4):
                s.optimizer.step()
                s.step()
        with pytest.raises(ValueError, match='Sequential Schedulers expects number of schedulers'):
            L.SequentialLR(opt, [L.StepLR(opt, 2)], milestones=[3])
        with pytest.raises(ValueError, match='does not support `ReduceLROnPlateau`'):
            L.ChainedScheduler([L.ReduceLROnPlateau(opt)])
        with pytest.raises(ValueError, match='expects at least one scheduler to be chained'):
            L.ChainedScheduler([])


def test_tensor_lr_is_filled_in_place():
    """A Tensor lr stays the same Tensor; schedulers fill it in place, as in PyTorch."""
    needs_oracle()
    seqs = []
    for lib in (ember, torch):
        p = lib.zeros(2, requires_grad=True)
        lr = lib.tensor(0.1)
        opt = lib.optim.Adam([p], lr=lr)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        for _ in range(5):
            opt.step()
            sched.step()
        assert opt.param_groups[0]['lr'] is lr
        seqs.append([float(x) for x in sched.get_last_lr()] + [float(lr)])
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-6)
