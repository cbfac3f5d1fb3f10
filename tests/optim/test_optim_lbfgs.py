"""LBFGS against PyTorch: the same closure (computed by each library's autograd) gives the same
iterates, state and function-evaluation counts, with and without the strong-Wolfe search."""
import copy

import numpy as np
import pytest

import ember
from tests.helpers import torch, to_np
from tests.optim.common import (make_params, convert, assert_params_close, assert_state_close,
                                needs_oracle)


def _problem(dtype, seed=0):
    rng = np.random.RandomState(seed)
    A = rng.randn(6, 4).astype(dtype)
    b = rng.randn(6).astype(dtype)
    x0 = [rng.randn(4).astype(dtype), rng.randn(3, 2).astype(dtype) * 0.5]
    return A, b, x0


def _closure(lib, opt, params, A, b, rosen, device='cpu'):
    At = ember.tensor(A, device=device) if lib is ember else torch.tensor(A)
    bt = ember.tensor(b, device=device) if lib is ember else torch.tensor(b)

    def closure():
        opt.zero_grad()
        x, w = params
        loss = ((At @ x - bt) ** 2).sum() + 0.1 * (w ** 4).sum() + (w * w).sum()
        if rosen:
            z = w.reshape(-1)
            loss = loss + (100 * (z[1:] - z[:-1] ** 2) ** 2 + (1 - z[:-1]) ** 2).sum()
        loss.backward()
        return loss
    return closure


def _run(lib, kw, dtype, rosen, steps, device='cpu', state=None):
    A, b, x0 = _problem(dtype)
    params = make_params(lib, x0, device)
    opt = lib.optim.LBFGS(params, **kw)
    if state is not None:
        opt.load_state_dict(state)
    closure = _closure(lib, opt, params, A, b, rosen, device)
    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return params, opt, losses


CASES = [
    (dict(lr=1, max_iter=5), np.float32, False),
    (dict(lr=0.5, max_iter=4, history_size=3), np.float32, False),
    (dict(max_iter=10, line_search_fn='strong_wolfe'), np.float32, False),
    (dict(max_iter=20, history_size=5, line_search_fn='strong_wolfe'), np.float64, True),
    (dict(lr=0.1, max_iter=20, max_eval=12, history_size=4), np.float64, True),
]


@pytest.mark.parametrize('kw,dtype,rosen', CASES)
def test_lbfgs_matches_torch(kw, dtype, rosen, device):
    needs_oracle()
    # float32 runs stop before the loss reaches float32's noise floor, where PyTorch's own
    # stopping tests (|loss - prev_loss| < 1e-9) depend on the last bit of a sum; in float64 the
    # Rosenbrock valley amplifies last-bit differences of the sums ~10x per step
    steps = 2 if dtype == np.float32 else 4
    ep, eo, el = _run(ember, kw, dtype, rosen, steps, device)
    tp, to, tl = _run(torch, kw, dtype, rosen, steps)
    tol = 1e-5 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(el, tl, rtol=tol)
    assert_params_close(ep, tp, rtol=tol, atol=tol)
    es, ts = eo.state_dict()['state'], to.state_dict()['state']
    assert es[0]['func_evals'] == ts[0]['func_evals'] and es[0]['n_iter'] == ts[0]['n_iter']
    # curvature scalars are differences of near-equal sums: compare them loosely
    assert_state_close(es, ts, *((1e-2, 1e-4) if dtype == np.float32 else (1e-4, 1e-7)))
    assert eo.state_dict()['param_groups'] == to.state_dict()['param_groups']
    assert repr(eo) == repr(to)


@pytest.mark.parametrize('kw,dtype,rosen', CASES[3:5])
def test_lbfgs_state_dict_from_torch(kw, dtype, rosen, device):
    """PyTorch's LBFGS state (lists of tensors, 0-dim tensors, floats) loads into ember's and
    continues PyTorch's trajectory."""
    needs_oracle()
    tp, to, _ = _run(torch, kw, dtype, rosen, 2)
    sd = copy.deepcopy(to.state_dict())
    A, b, _ = _problem(dtype)
    ep = make_params(ember, [to_np(p) for p in tp], device)
    eo = ember.optim.LBFGS(ep, **kw)
    eo.load_state_dict(convert(sd, ember, device))
    ec = _closure(ember, eo, ep, A, b, rosen, device)
    tc = _closure(torch, to, tp, A, b, rosen)
    for _ in range(2):
        eo.step(ec)
        to.step(tc)
    assert_params_close(ep, tp, rtol=1e-8, atol=1e-8)
    assert eo.state[ep[0]]['func_evals'] == to.state[tp[0]]['func_evals']


def test_lbfgs_resume_and_errors(device):
    A, b, x0 = _problem(np.float64)
    kw = dict(max_iter=3, history_size=4)
    ep, eo, _ = _run(ember, kw, np.float64, True, 3, device)
    sd = copy.deepcopy(eo.state_dict())
    ep2 = make_params(ember, [to_np(p) for p in ep], device)
    eo2 = ember.optim.LBFGS(ep2, **kw)
    eo2.load_state_dict(sd)
    c1 = _closure(ember, eo, ep, A, b, True, device)
    c2 = _closure(ember, eo2, ep2, A, b, True, device)
    for _ in range(3):
        eo.step(c1)
        eo2.step(c2)
    for a, c in zip(ep, ep2):
        np.testing.assert_array_equal(to_np(a), to_np(c))
    p = ember.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{'params': [p]}, {'params': [ember.zeros(2, requires_grad=True)]}])
    with pytest.raises(ValueError, match='Invalid learning rate: -1'):
        ember.optim.LBFGS([p], lr=-1)
    opt = ember.optim.LBFGS([p], line_search_fn='armijo')

    def closure():
        opt.zero_grad()
        loss = ((p - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    # an optimum stops at once: the gradient is below tolerance_grad
    q = ember.ones(3, requires_grad=True)
    opt = ember.optim.LBFGS([q])

    def closure2():
        opt.zero_grad()
        loss = ((q - 1) ** 2).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure2)) == 0.0
    assert opt.state[q]['n_iter'] == 0
