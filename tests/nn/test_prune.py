"""nn.utils.prune against torch.nn.utils.prune: masks, layout, state_dict keys, iterative and
global pruning, remove()."""
import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.utils.prune as eprune
from tests.helpers import torch, needs_torch, to_np

pytestmark = needs_torch

if torch is not None:
    import torch.nn as tnn
    import torch.nn.utils.prune as tprune


def _pair(make, device='cpu'):
    """The same layer in both libraries with identical (distinct-magnitude) weights."""
    t = make(tnn)
    e = make(enn).to(device)
    sd = {}
    for k, v in t.state_dict().items():
        a = v.numpy()
        if a.dtype.kind == 'f':
            # distinct magnitudes so L1/Ln orders are unambiguous
            a = (np.random.permutation(a.size).reshape(a.shape) + 1).astype(a.dtype) / a.size
            a *= np.random.choice([-1, 1], size=a.shape).astype(a.dtype)
        sd[k] = a
    t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in sd.items()})
    e.load_state_dict({k: ember.tensor(v.copy(), device=device) for k, v in sd.items()})
    return e, t


def _same(e, t, tol=1e-6):
    np.testing.assert_allclose(to_np(e), to_np(t), rtol=tol, atol=tol / 10)


class CNN:
    @staticmethod
    def make(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
                self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
                self.conv2 = nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1)
                self.fc1 = nn.Linear(64 * 7 * 7, 128)
                self.fc2 = nn.Linear(128, 10)
                self.relu = nn.ReLU()

            def forward(self, x):
                x = self.pool(self.relu(self.conv1(x)))
                x = self.pool(self.relu(self.conv2(x)))
                x = x.view(-1, 64 * 7 * 7)
                x = self.relu(self.fc1(x))
                return self.fc2(x)
        return Net()


@pytest.mark.parametrize('amount', [0.3, 5, 0, 0.0, 1.0, 12])
def test_l1_unstructured(device, amount):
    e, t = _pair(lambda nn: nn.Linear(4, 3), device)
    eprune.l1_unstructured(e, 'weight', amount=amount)
    tprune.l1_unstructured(t, 'weight', amount=amount)
    _same(e.weight_mask, t.weight_mask)
    _same(e.weight, t.weight)
    assert e.weight_mask.dtype == ember.float32
    assert isinstance(e.weight_orig, enn.Parameter)
    assert not isinstance(e.weight, enn.Parameter)
    assert 'weight_mask' in e._buffers and 'weight' not in e._parameters
    assert [k for k in e.state_dict()] == [k for k in t.state_dict()]
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    hooks = list(e._forward_pre_hooks.values())
    assert len(hooks) == 1 and isinstance(hooks[0], eprune.L1Unstructured)
    assert eprune.is_pruned(e)


def test_amount_validation():
    lin = enn.Linear(4, 3)
    tl = tnn.Linear(4, 3)
    for bad, exc in [(-1, ValueError), (1.5, ValueError), (-0.1, ValueError), ('a', TypeError),
                     (13, ValueError)]:
        with pytest.raises(exc) as ee:
            eprune.l1_unstructured(lin, 'weight', amount=bad)
        with pytest.raises(exc) as te:
            tprune.l1_unstructured(tl, 'weight', amount=bad)
        assert str(ee.value) == str(te.value)
        assert 'weight' in lin._parameters and 'weight_orig' not in lin._parameters
    with pytest.raises(ValueError) as ee:
        eprune.ln_structured(enn.Linear(2, 2), 'bias', amount=1, n=2, dim=0)
    with pytest.raises(ValueError) as te:
        tprune.ln_structured(tnn.Linear(2, 2), 'bias', amount=1, n=2, dim=0)
    assert str(ee.value).replace('torch.Size', '') == str(te.value).replace('torch.Size', '')
    with pytest.raises(IndexError):
        eprune.ln_structured(enn.Linear(2, 2), 'weight', amount=1, n=2, dim=2)
    with pytest.raises(ValueError):
        eprune.remove(enn.Linear(2, 2), 'weight')


@pytest.mark.parametrize('n,dim,amount', [(2, 0, 0.5), (1, 1, 2), (float('inf'), -1, 0.34),
                                          (2, 0, 0), (1, -4, 3)])
def test_ln_structured_conv(device, n, dim, amount):
    e, t = _pair(lambda nn: nn.Conv2d(3, 6, 3), device)
    eprune.ln_structured(e, 'weight', amount=amount, n=n, dim=dim)
    tprune.ln_structured(t, 'weight', amount=amount, n=n, dim=dim)
    _same(e.weight_mask, t.weight_mask)
    _same(e.weight, t.weight)


def test_iterative_pruning_container(device):
    e, t = _pair(lambda nn: nn.Conv2d(3, 8, 3), device)
    for lib, m in ((eprune, e), (tprune, t)):
        lib.l1_unstructured(m, 'weight', amount=0.25)
        lib.ln_structured(m, 'weight', amount=0.5, n=2, dim=0)
        lib.l1_unstructured(m, 'weight', amount=10)
        lib.ln_structured(m, 'weight', amount=1, n=1, dim=1)
        lib.l1_unstructured(m, 'bias', amount=3)
    _same(e.weight_mask, t.weight_mask)
    _same(e.bias_mask, t.bias_mask)
    hooks = [h for h in e._forward_pre_hooks.values() if h._tensor_name == 'weight']
    assert len(hooks) == 1 and isinstance(hooks[0], eprune.PruningContainer)
    assert [type(m).__name__ for m in hooks[0]] == ['L1Unstructured', 'LnStructured',
                                                   'L1Unstructured', 'LnStructured']
    assert list(e.state_dict()) == list(t.state_dict())
    x = np.random.randn(2, 3, 6, 6).astype(np.float32)
    _same(e(ember.tensor(x, device=device)), t(torch.tensor(x)), 1e-4)


def test_gradient_to_orig_masked(device):
    e, t = _pair(lambda nn: nn.Linear(5, 4), device)
    eprune.l1_unstructured(e, 'weight', amount=0.5)
    tprune.l1_unstructured(t, 'weight', amount=0.5)
    x = np.random.randn(3, 5).astype(np.float32)
    e(ember.tensor(x, device=device)).sum().backward()
    t(torch.tensor(x)).sum().backward()
    _same(e.weight_orig.grad, t.weight_orig.grad)
    assert (to_np(e.weight_orig.grad)[to_np(e.weight_mask) == 0] == 0).all()
    # forward pre-hook recomputes weight after an update of weight_orig
    with ember.no_grad():
        e.weight_orig.add_(1.0)
    with torch.no_grad():
        t.weight_orig.add_(1.0)
    _same(e(ember.tensor(x, device=device)), t(torch.tensor(x)), 1e-4)


def test_remove(device):
    e, t = _pair(lambda nn: nn.Linear(4, 3), device)
    for lib, m in ((eprune, e), (tprune, t)):
        lib.l1_unstructured(m, 'weight', amount=0.5)
        lib.l1_unstructured(m, 'weight', amount=2)
        lib.remove(m, 'weight')
    assert isinstance(e.weight, enn.Parameter)
    _same(e.weight, t.weight)
    assert list(e.state_dict()) == list(t.state_dict()) == ['bias', 'weight']
    assert not eprune.is_pruned(e)
    assert len(e._forward_pre_hooks) == 0


def test_custom_and_identity_and_importance(device):
    e, t = _pair(lambda nn: nn.Linear(4, 3), device)
    mask = (np.random.rand(3, 4) > 0.5).astype(np.float32)
    eprune.custom_from_mask(e, 'weight', ember.tensor(mask, device=device))
    tprune.custom_from_mask(t, 'weight', torch.tensor(mask))
    _same(e.weight_mask, t.weight_mask)
    eprune.identity(e, 'bias')
    tprune.identity(t, 'bias')
    _same(e.bias_mask, t.bias_mask)
    # importance scores
    e2, t2 = _pair(lambda nn: nn.Linear(4, 3), device)
    sc = np.random.permutation(12).reshape(3, 4).astype(np.float32)
    eprune.l1_unstructured(e2, 'weight', 4, importance_scores=ember.tensor(sc, device=device))
    tprune.l1_unstructured(t2, 'weight', 4, importance_scores=torch.tensor(sc))
    _same(e2.weight_mask, t2.weight_mask)
    # prune() on a plain tensor
    w = np.random.randn(3, 4).astype(np.float32)
    _same(eprune.L1Unstructured(0.5).prune(ember.tensor(w, device=device)),
          tprune.L1Unstructured(0.5).prune(torch.tensor(w)))


def test_random_methods(device):
    lin = enn.Linear(10, 8).to(device)
    eprune.random_unstructured(lin, 'weight', amount=0.25)
    assert int(to_np(lin.weight_mask).sum()) == 80 - 20
    eprune.random_structured(lin, 'weight', amount=3, dim=0)
    m = to_np(lin.weight_mask)
    assert (m.sum(1) == 0).sum() >= 3
    assert int(m.sum()) <= 60
    with pytest.raises(ValueError):
        eprune.random_structured(enn.Linear(2, 2), 'bias', amount=1, dim=0)


def test_tutorial_7_4(device):
    e, t = _pair(CNN.make, device)
    for lib, m in ((eprune, e), (tprune, t)):
        lib.l1_unstructured(m.conv1, name='weight', amount=0.3)
        params = ((m.conv1, 'weight'), (m.conv2, 'weight'), (m.fc1, 'weight'))
        lib.global_unstructured(params, pruning_method=lib.L1Unstructured, amount=0.3)
    for name in ('conv1', 'conv2', 'fc1'):
        _same(getattr(e, name).weight_mask, getattr(t, name).weight_mask)
        _same(getattr(e, name).weight, getattr(t, name).weight)
    assert list(e.state_dict()) == list(t.state_dict())
    assert 'conv1.weight_orig' in e.state_dict() and 'conv1.weight_mask' in e.state_dict()
    total = sum(int(to_np(getattr(e, n).weight_mask).sum() == 0) for n in ('conv1',))
    assert total == 0
    x = np.random.randn(2, 1, 28, 28).astype(np.float32)
    np.testing.assert_allclose(to_np(e(ember.tensor(x, device=device))),
                               to_np(t(torch.tensor(x))), rtol=1e-4, atol=1e-2)
    # global sparsity is about 30% over the three tensors
    zeros = sum(int((to_np(getattr(e, n).weight) == 0).sum()) for n in ('conv1', 'conv2', 'fc1'))
    nel = sum(getattr(e, n).weight.numel() for n in ('conv1', 'conv2', 'fc1'))
    assert abs(zeros / nel - 0.3) < 0.01


def test_global_unstructured_errors():
    with pytest.raises(TypeError):
        eprune.global_unstructured(5, eprune.L1Unstructured, amount=0.2)
    lin = enn.Linear(3, 3)
    with pytest.raises(TypeError):
        eprune.global_unstructured([(lin, 'weight')], eprune.LnStructured, amount=1, n=2)


def test_state_dict_roundtrip_with_torch(device):
    e, t = _pair(lambda nn: nn.Linear(4, 3), device)
    tprune.l1_unstructured(t, 'weight', 0.5)
    eprune.l1_unstructured(e, 'weight', 0.1)
    sd = {k: ember.tensor(v.numpy(), device=device) for k, v in t.state_dict().items()}
    e.load_state_dict(sd)
    _same(e.weight_mask, t.weight_mask)
    x = np.random.randn(2, 4).astype(np.float32)
    _same(e(ember.tensor(x, device=device)), t(torch.tensor(x)), 1e-4)
