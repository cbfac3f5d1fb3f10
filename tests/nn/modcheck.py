"""Shared helper for layer tests: build the same layer in ember and torch, copy torch's weights
into ember, compare repr, state_dict layout, forward, and input/parameter gradients."""
import numpy as np
import pytest

import ember
from tests.helpers import assert_same, torch, to_np


def sd_to_ember(sd, device='cpu'):
    return {k: ember.tensor(v.detach().numpy(), device=device) for k, v in sd.items()}


def pair(make, device='cpu'):
    """``make(lib)`` for both libraries; ember gets torch's state_dict."""
    t = make(torch)
    e = make(ember)
    if device != 'cpu':
        e.to(device)
    e.load_state_dict(sd_to_ember(t.state_dict(), device))
    return e, t


def check_layout(e, t):
    assert repr(e) == repr(t)
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    for k in es:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
        assert str(es[k].dtype) == str(ts[k].dtype), k
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]


def check_module(make, *inputs, device='cpu', rtol=None, atol=None, grad=True, train=True,
                 layout=True, grad_rtol=None, grad_atol=None):
    """Forward/backward of ``make(lib)`` on numpy ``inputs`` (float inputs get gradients)."""
    e, t = pair(make, device)
    if layout:
        check_layout(e, t)
    e.train(train)
    t.train(train)
    ei, ti = [], []
    for x in inputs:
        f = isinstance(x, np.ndarray) and x.dtype.kind == 'f' and grad
        if isinstance(x, np.ndarray):
            ei.append(ember.tensor(x, device=device, requires_grad=f))
            ti.append(torch.tensor(x, requires_grad=f))
        else:
            ei.append(x)
            ti.append(x)
    eo, to = e(*ei), t(*ti)
    assert_same(eo, to, rtol, atol)
    if grad and to.requires_grad:
        w = np.random.RandomState(3).standard_normal(tuple(to.shape)).astype(to_np(to).dtype)
        (eo * ember.tensor(w, device=device)).sum().backward()
        (to * torch.tensor(w)).sum().backward()
        for a, b in zip(ei, ti):
            if isinstance(b, torch.Tensor) and b.requires_grad:
                assert_same(a.grad, b.grad, grad_rtol or rtol, grad_atol or atol)
        for (n, p), (_, q) in zip(e.named_parameters(), t.named_parameters()):
            if q.grad is None:
                assert p.grad is None, n
            else:
                assert p.grad is not None, n
                assert_same(p.grad, q.grad, grad_rtol or rtol, grad_atol or atol)
    for (n, b), (_, c) in zip(e.named_buffers(), t.named_buffers()):
        assert_same(b, c, rtol, atol)
    return e, t


def same_error(fn, match=True):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match:
        assert str(ee.value) == str(te.value)
