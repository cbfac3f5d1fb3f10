"""Helpers for the autograd tests: run one piece of code on ember and on real PyTorch."""
import pytest

import ember
from tests.helpers import torch, assert_same


def dev_of(lib, device):
    """The device a test builds its tensors on: the fixture's for ember, 'cpu' for torch."""
    return device if lib is ember else 'cpu'


def both(fn, device, rtol=None, atol=None):
    """``fn(lib, dev)`` on ember (on ``device``) and torch (on the CPU); results must agree."""
    if torch is None:
        pytest.skip('PyTorch (the oracle) is not installed')
    e = fn(ember, device)
    t = fn(torch, 'cpu')
    assert_same(e, t, rtol, atol)
    return e, t


def raises_both(fn, device, exc, match):
    """``fn(lib, dev)`` raises ``exc`` matching ``match`` in torch and in ember."""
    if torch is None:
        pytest.skip('PyTorch (the oracle) is not installed')
    with pytest.raises(exc, match=match):
        fn(torch, 'cpu')
    with pytest.raises(exc, match=match):
        fn(ember, device)


def leaf(lib, dev, data, dtype=None, rg=True):
    """A leaf tensor (float32 unless ``dtype``) requiring grad."""
    dt = getattr(lib, dtype) if dtype else None
    return lib.tensor(data, dtype=dt, device=dev, requires_grad=rg)
