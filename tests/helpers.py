"""Test helpers: PyTorch as an oracle (skipped where absent), finite differences.

``compare(fn, inputs)`` runs ``fn(lib, *tensors)`` on ember and on real PyTorch with the same
NumPy inputs and checks values, dtype, shape and (for float inputs) gradients.
"""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # PyTorch is a test-only dependency
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason='PyTorch (the oracle) is not installed')

TOL = {np.float16: (1e-2, 1e-2), np.float32: (1e-5, 1e-5), np.float64: (1e-10, 1e-10)}


def to_np(t):
    """A tensor of either library (or a number) as a NumPy array."""
    if isinstance(t, ember.Tensor):
        return t.detach().cpu().numpy()
    if torch is not None and isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    return np.asarray(t)


def dtype_name(t):
    return str(t.dtype).replace('torch.', '')


def assert_same(e, t, rtol=None, atol=None, check_dtype=True):
    """An ember result equals a torch result: shape, dtype and values."""
    if isinstance(e, (tuple, list)):
        assert isinstance(t, (tuple, list)) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            assert_same(a, b, rtol, atol, check_dtype)
        return
    if not isinstance(e, ember.Tensor):
        if isinstance(t, torch.Tensor):
            raise AssertionError(f'ember returned {type(e)}, torch a Tensor')
        if isinstance(e, float) or isinstance(t, float):
            np.testing.assert_allclose(e, t, rtol=rtol or 1e-6, atol=atol or 1e-6)
        else:
            assert e == t, (e, t)
        return
    assert tuple(e.shape) == tuple(t.shape), f'shape {tuple(e.shape)} != {tuple(t.shape)}'
    if check_dtype:
        assert dtype_name(e) == dtype_name(t), f'dtype {e.dtype} != {t.dtype}'
    a, b = to_np(e), to_np(t)
    if a.dtype.kind in 'fc' or b.dtype.kind in 'fc':
        r, at = TOL.get(np.dtype(a.dtype).type, (1e-5, 1e-5))
        np.testing.assert_allclose(a.astype(np.float64) if a.dtype.kind == 'f' else a,
                                   b.astype(np.float64) if b.dtype.kind == 'f' else b,
                                   rtol=rtol or r, atol=atol or at, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def compare(fn, *inputs, grad=True, device='cpu', rtol=None, atol=None, grad_rtol=None,
            grad_atol=None, check_dtype=True, seed_grad=True):
    """Run ``fn(lib, *tensors)`` with lib = ember and torch on the same NumPy ``inputs``.

    Float inputs require grad (when ``grad``); the sum of each float output times a fixed random
    tensor is backpropagated, and the input gradients must match too.
    """
    if torch is None:
        pytest.skip('PyTorch (the oracle) is not installed')
    e_in, t_in = [], []
    for x in inputs:
        if isinstance(x, np.ndarray):
            floating = x.dtype.kind == 'f'
            e = ember.tensor(x, device=device)
            t = torch.tensor(x)
            if grad and floating:
                e.requires_grad_(True)
                t.requires_grad_(True)
            e_in.append(e)
            t_in.append(t)
        else:
            e_in.append(x)
            t_in.append(x)
    e_out = fn(ember, *e_in)
    t_out = fn(torch, *t_in)
    assert_same(e_out, t_out, rtol, atol, check_dtype)
    if not grad:
        return e_out, t_out
    eo = e_out if isinstance(e_out, (tuple, list)) else (e_out,)
    to = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    rng = np.random.RandomState(1)
    e_loss, t_loss = None, None
    for a, b in zip(eo, to):
        if isinstance(a, ember.Tensor) and a.requires_grad and b.requires_grad:
            w = rng.standard_normal(tuple(a.shape)).astype(to_np(a).dtype) if seed_grad \
                else np.ones(tuple(a.shape), to_np(a).dtype)
            ea = (a * ember.tensor(w, device=device)).sum()
            tb = (b * torch.tensor(w)).sum()
            e_loss = ea if e_loss is None else e_loss + ea
            t_loss = tb if t_loss is None else t_loss + tb
    if e_loss is None:
        return e_out, t_out
    e_loss.backward()
    t_loss.backward()
    for e, t in zip(e_in, t_in):
        if isinstance(e, ember.Tensor) and e.requires_grad:
            if t.grad is None:
                assert e.grad is None or np.all(to_np(e.grad) == 0)
                continue
            assert e.grad is not None, 'ember produced no gradient'
            assert_same(e.grad, t.grad, grad_rtol or rtol, grad_atol or atol)
    return e_out, t_out


def numeric_grad(f, x, eps=1e-6):
    """Central finite differences of scalar ``f`` at float64 array ``x``."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def fd_check(fn, *arrays, device='cpu', eps=1e-6, rtol=1e-6, atol=1e-6):
    """ember's backward of ``sum(fn(*x) * w)`` against central differences, in float64, for
    every array input (an input fn does not use must get a zero or no gradient)."""
    arrays = [np.asarray(a, np.float64) for a in arrays]
    ts = [ember.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = fn(*ts)
    w = np.random.RandomState(3).standard_normal(tuple(out.shape))
    (out * ember.tensor(w, device=device)).sum().backward()
    for i, a in enumerate(arrays):
        def f(v, i=i):
            args = [ember.tensor(v if j == i else arrays[j], device=device)
                    for j in range(len(arrays))]
            return float((to_np(fn(*args)) * w).sum())
        num = numeric_grad(f, a.copy(), eps)
        got = to_np(ts[i].grad) if ts[i].grad is not None else np.zeros_like(a)
        np.testing.assert_allclose(got, num, rtol=rtol, atol=atol)
