"""Version counters, in-place checks on saved tensors and leaves, in-place ops on views of
non-leaves (CopySlices), and anomaly detection, against real PyTorch."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch
from tests.autograd.common import both, raises_both, leaf

pytestmark = needs_torch


def test_version_counter(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., 3.])
        y = x * 2
        vs = [x._version, y._version]
        y.add_(1)
        y.mul_(2)
        y[0] = 5
        vs.append(y._version)
        v = y[1:]
        v.add_(1)
        vs += [y._version, v._version, y.view(3)._version]
        with lib.no_grad():
            x.add_(1)
        vs.append(x._version)
        d = x.detach()
        d.zero_()
        vs.append(x._version)
        return vs
    both(f, device)


SAVED_MSG = ('one of the variables needed for gradient computation has been modified by an '
             'inplace operation: [torch.FloatTensor [3]], which is output 0 of {}, is at version '
             '1; expected version 0 instead. Hint: enable anomaly detection to find the operation '
             'that failed to compute its gradient, with '
             'torch.autograd.set_detect_anomaly(True, check_nan=False).')


@pytest.mark.parametrize('case', ['input', 'output', 'view'])
def test_saved_tensor_modified_inplace(case, device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., 3.])
        if case == 'input':
            a = x * 1
            b = a.sin()             # saves its input a
            a.add_(1)
        elif case == 'output':
            a = x * 1
            b = a.exp()             # saves its output
            b.mul_(2)
            b = b * 1
        else:
            a = x * 1
            b = a.sin()
            a.view(3).add_(1)       # in-place through a view of the saved tensor
        b.sum().backward()
    name = {'input': 'Add', 'output': 'Exp', 'view': 'torch::autograd::CopySlices'}[case]
    msg = SAVED_MSG.format(name)
    for lib, dev in ((torch, 'cpu'), (ember, device)):
        with pytest.raises(RuntimeError) as ei:
            f(lib, dev)
        assert str(ei.value) == msg, (lib.__name__, str(ei.value))


def test_inplace_on_unsaved_is_fine(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.], dtype='float64')
        a = x * 1
        b = a.exp()                 # saves only its result, so a may change
        a.mul_(2)
        (b + a).sum().backward()
        return x.grad, a, a.grad_fn.name()
    both(f, device)


def test_inplace_on_leaf_requiring_grad(device):
    raises_both(lambda lib, dev: leaf(lib, dev, [1., 2.]).add_(1), device, RuntimeError,
                'a leaf Variable that requires grad is being used in an in-place operation.')

    def view_of_leaf(lib, dev):
        leaf(lib, dev, [1., 2.])[:1].mul_(2)
    raises_both(view_of_leaf, device, RuntimeError,
                'a view of a leaf Variable that requires grad is being used in an in-place '
                'operation.')

    def f(lib, dev):   # under no_grad an in-place update of a leaf is allowed (optimizers)
        x = leaf(lib, dev, [1., 2.])
        with lib.no_grad():
            x.mul_(3)
            x[0] = 7
        return x.detach(), x.requires_grad, x.is_leaf, x.grad_fn
    both(f, device)


def test_inplace_graph_grad(device):
    def f(lib, dev):
        x = leaf(lib, dev, [0.5, 1., 2.])
        y = x * 2
        y.add_(x)
        y.mul_(3)
        y.exp_()
        y.sum().backward()
        return x.grad, y.grad_fn.name(), y._version
    both(f, device, rtol=1e-5)


def test_inplace_self_operand(device):
    # PyTorch refuses y.mul_(y) at backward (its saved self changed); ember keeps the old
    # value and gives the out-of-place gradient
    def f(lib, dev):
        x = leaf(lib, dev, [0.5, 1., 2.])
        y = x * 2
        if lib is ember:
            y.mul_(y)
        else:
            y = y * y
        y.sum().backward()
        return x.grad, y
    both(f, device)


def test_copy_slices_issue_example(device):
    rng = np.random.RandomState(0)
    xv = rng.standard_normal((2, 3)).astype(np.float32)
    wv = rng.standard_normal((2, 3)).astype(np.float32)

    def f(lib, dev):
        x = lib.tensor(xv, device=dev, requires_grad=True)
        z = leaf(lib, dev, [5., 6., 7.])
        y = x * 1
        y[0] = z
        y[:, 1].mul_(2)
        (y * lib.tensor(wv, device=dev)).sum().backward()
        return x.grad, z.grad, y, type(y.grad_fn).__name__, y.grad_fn.name(), y._version
    both(f, device)


def test_copy_slices_nested_views_and_saved(device):
    rng = np.random.RandomState(1)
    xv = rng.standard_normal((3, 4))

    def f(lib, dev):
        x = lib.tensor(xv, device=dev, requires_grad=True)
        s = leaf(lib, dev, [2.], dtype='float64')
        y = x.sin()
        v = y[1:].t()[1:3]              # a view of a view of a non-leaf
        v.mul_(s)                       # s broadcast; v's old values saved by mul
        v.sin_() if hasattr(v, 'sin_') else v.mul_(v)
        out = (y * y).sum() + v.sum()
        out.backward()
        return x.grad, s.grad, y
    both(f, device, rtol=1e-7)


def test_copy_slices_then_view_grad(device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        y = x * 1
        r = y[1]
        r.add_(lib.tensor([10., 20.], device=dev))
        (r * r).sum().backward()        # gradient through the view after the write
        return x.grad, r
    both(f, device)


def test_setitem_on_nonleaf(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., 3., 4.])
        v = leaf(lib, dev, [10., 20.])
        y = x.sin()
        y[1:3] = v * 2
        y[0] = 0
        (y * lib.tensor([1., 2., 3., 4.], device=dev)).sum().backward()
        return x.grad, v.grad, y
    both(f, device)


# ----------------------------------------------------------------------------- anomaly mode

def test_detect_anomaly_names_op(device):
    def f(lib, dev):
        a = leaf(lib, dev, [0., 1.])
        with lib.autograd.detect_anomaly():
            b = (a / lib.tensor([0., 1.], device=dev)) * 0     # 0 / 0 in DivBackward0's output 0
            b.sum().backward()
    for lib, dev in ((torch, 'cpu'), (ember, device)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with np.errstate(all='ignore'):
                with pytest.raises(RuntimeError) as ei:
                    f(lib, dev)
        assert str(ei.value) == "Function 'DivBackward0' returned nan values in its 0th output."


def test_set_detect_anomaly(device):
    def f(lib, dev):
        a = leaf(lib, dev, [0., 4.])
        lib.autograd.set_detect_anomaly(True)
        try:
            r = lib.is_anomaly_enabled() if hasattr(lib, 'is_anomaly_enabled') else None
            y = a.sqrt()             # d/da sqrt at 0 is inf, times 0 -> nan
            (y * 0).sum().backward()
        finally:
            lib.autograd.set_detect_anomaly(False)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with np.errstate(all='ignore'):
            raises_both(f, device, RuntimeError, "Function 'SqrtBackward0' returned nan values in "
                                                 "its 0th output.")
    assert not ember.autograd.is_anomaly_enabled()


def test_anomaly_off_lets_nan_through(device):
    def f(lib, dev):
        a = leaf(lib, dev, [0., 4.])
        (a.sqrt() * 0).sum().backward()
        return a.grad
    with np.errstate(all='ignore'):
        both(f, device)


def test_anomaly_warns_forward_trace(device):
    x = ember.tensor([0., 1.], device=device, requires_grad=True)
    with np.errstate(all='ignore'), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter('always')
        with ember.autograd.detect_anomaly():
            y = (x * 0) / x                      # the forward line the warning must show
            with pytest.raises(RuntimeError):
                y.sum().backward()
    msgs = [str(w.message) for w in rec]
    assert any('Anomaly Detection has been enabled' in m for m in msgs)
    trace = [m for m in msgs if m.startswith('Error detected in DivBackward0. Traceback of forward '
                                             'call that caused the error:')]
    assert trace and 'y = (x * 0) / x' in trace[0]
    assert not ember.autograd.is_anomaly_enabled()


def test_detect_anomaly_decorator(device):
    @ember.autograd.detect_anomaly()
    def f():
        return ember.autograd.is_anomaly_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert f() is True
    assert ember.autograd.is_anomaly_enabled() is False


def test_view_made_before_inplace_on_base(device):
    # the view's grad_fn is rebuilt from the base's new graph (PyTorch regenerates it too)
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., 3., 4.])
        y = x * 1
        v1 = y[0:2]
        y[1:3].mul_(2)              # through another view
        a = (v1 * lib.tensor([1., 10.], device=dev)).sum()
        w = y.view(2, 2)
        y.add_(x)                   # directly on the base
        b = (w * w).sum()
        (a + b).backward()
        return x.grad, v1, w
    both(f, device)


def test_setitem_into_tensor_without_grad(device):
    def f(lib, dev):
        base = lib.zeros(4, device=dev)
        v = leaf(lib, dev, [1., 2.])
        base[1:3] = v * 3
        (base * lib.tensor([1., 2., 3., 4.], device=dev)).sum().backward()
        return base.requires_grad, base.is_leaf, v.grad, base
    both(f, device)


def test_composite_inplace_method_keeps_inner_saved_values():
    """An in-place method built from several ops (here ``clamp`` then ``log`` via ``logit_``),
    whose inner nodes save their input: the backward sees the values from before the write."""
    torch = pytest.importorskip('torch')
    import ember
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([0.05, 0.5, 0.97], requires_grad=True)
        w = x * 2
        w.logit_(eps=0.1)
        w.sum().backward()
        grads.append(x.grad.detach().numpy() if lib is torch else x.grad.numpy())
    import numpy as np
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
