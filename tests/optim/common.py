"""Helpers for the optim tests: the same parameters and gradients fed to ember and PyTorch."""
import numpy as np
import pytest

import ember
from tests.helpers import torch, to_np

SHAPES = [(5, 3), (4,), (2, 3, 4), (3,)]


def lib_of(x):
    return torch if torch is not None and isinstance(x, torch.Tensor) else ember


def make_params(lib, arrays, device='cpu'):
    """Leaf tensors requiring grad, one per array (ember on ``device``, torch on the CPU)."""
    if lib is ember:
        return [ember.tensor(a, device=device, requires_grad=True) for a in arrays]
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def init_arrays(dtype=np.float32, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(*s).astype(dtype) for s in SHAPES]


def grad_seq(n, dtype=np.float32, seed=1):
    """``n`` steps of gradients: parameter 2 gets one every other step only, parameter 3 never."""
    rng = np.random.RandomState(seed)
    seq = []
    for i in range(n):
        gs = [rng.randn(*s).astype(dtype) for s in SHAPES]
        gs[2] = gs[2] if i % 2 == 0 else None
        gs[3] = None
        seq.append(gs)
    return seq


def set_grads(lib, params, grads, device='cpu'):
    for p, g in zip(params, grads):
        if g is None:
            p.grad = None
        elif lib is ember:
            p.grad = ember.tensor(g, device=device)
        else:
            p.grad = torch.tensor(g)


def run(opt, params, seq, lib, device='cpu'):
    for gs in seq:
        set_grads(lib, params, gs, device)
        opt.step()


def convert(v, to, device='cpu'):
    """A (nested) optimizer state value of one library in the other's types, via NumPy."""
    if isinstance(v, dict):
        return {k: convert(x, to, device) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(convert(x, to, device) for x in v)
    if isinstance(v, ember.Tensor) or (torch is not None and isinstance(v, torch.Tensor)):
        a = to_np(v).copy()
        return ember.tensor(a, device=device) if to is ember else torch.tensor(a)
    return v


def assert_params_close(e_params, t_params, rtol=1e-5, atol=1e-6):
    for e, t in zip(e_params, t_params):
        a, b = to_np(e), to_np(t)
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def assert_state_close(e_state, t_state, rtol=1e-5, atol=1e-6):
    """Two (nested) state values agree: same keys, types and values."""
    if isinstance(t_state, dict):
        assert isinstance(e_state, dict) and set(e_state) == set(t_state), (e_state, t_state)
        for k in t_state:
            assert_state_close(e_state[k], t_state[k], rtol, atol)
    elif isinstance(t_state, (list, tuple)):
        assert type(e_state) is type(t_state) and len(e_state) == len(t_state)
        for a, b in zip(e_state, t_state):
            assert_state_close(a, b, rtol, atol)
    elif torch is not None and isinstance(t_state, torch.Tensor):
        assert isinstance(e_state, ember.Tensor), (type(e_state), t_state)
        assert tuple(e_state.shape) == tuple(t_state.shape)
        assert str(e_state.dtype) == str(t_state.dtype), (e_state.dtype, t_state.dtype)
        np.testing.assert_allclose(to_np(e_state), to_np(t_state), rtol=rtol, atol=atol)
    elif isinstance(t_state, float):
        np.testing.assert_allclose(e_state, t_state, rtol=rtol, atol=atol)
    else:
        assert e_state == t_state, (e_state, t_state)


def needs_oracle():
    if torch is None:
        pytest.skip('PyTorch (the oracle) is not installed')
