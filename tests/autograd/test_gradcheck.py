"""``autograd.gradcheck`` / ``gradgradcheck``: pass on correct gradients, fail (with PyTorch's
messages and exception types) on wrong ones."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck, GradcheckError
from tests.helpers import torch, needs_torch


def _x(device, *shape, seed=0, rg=True):
    rng = np.random.RandomState(seed)
    return ember.tensor(rng.uniform(-1, 1, shape), dtype=ember.float64, device=device,
                        requires_grad=rg)


class BadSin(ember.autograd.Function):
    """sin with a backward 10% off."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.cos() * 1.1


class NotMulByGrad(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 0 + 2


class BadDoubleBackward(ember.autograd.Function):
    """x**2 with a right first derivative but a backward graph that treats x as a constant."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2 * x.detach()


class Nondet(ember.autograd.Function):
    calls = [0]

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        Nondet.calls[0] += 1
        return g * (3 + Nondet.calls[0] * 1e-3)


def test_exported():
    assert ember.autograd.gradcheck is gradcheck
    assert issubclass(GradcheckError, RuntimeError)
    from ember.autograd.gradcheck import GradcheckError as G2
    assert G2 is GradcheckError


@pytest.mark.parametrize('fast', [False, True], ids=['slow', 'fast'])
def test_passes_on_correct_gradients(fast, device):
    x, y = _x(device, 3, 4), _x(device, 4, seed=1)
    w = _x(device, 4, 2, seed=2)
    assert gradcheck(lambda a, b: (a * b).exp(), (x, y), fast_mode=fast)
    assert gradcheck(lambda a, b: (a @ b).tanh().sum(0), (x, w), fast_mode=fast)
    # several outputs, a non-tensor argument, a 0-d input
    s = _x(device, seed=3)
    assert gradcheck(lambda a, k, c: (a.sin() * k * c, (a * c).sum()), (x, 2.5, s),
                     fast_mode=fast)
    # non-contiguous input
    xt = _x(device, 4, 3, seed=4).t()
    assert not xt.is_contiguous()
    assert gradcheck(lambda a: (a * a).cumsum(1) if hasattr(a, 'cumsum') else a * a, (xt,),
                     fast_mode=fast)
    assert gradcheck(ember.sin, x, fast_mode=fast)      # a single Tensor as inputs


@pytest.mark.parametrize('fast', [False, True], ids=['slow', 'fast'])
def test_gradgradcheck_passes(fast, device):
    x, w = _x(device, 3, 4), _x(device, 4, 2, seed=2)
    assert gradgradcheck(lambda a, b: (a @ b).sigmoid(), (x, w), fast_mode=fast)
    assert gradgradcheck(lambda a: a.exp() / a.exp().sum(1, keepdim=True), (x,), fast_mode=fast)
    go = ember.ones(3, 4, dtype=ember.float64, device=device, requires_grad=True)
    assert gradgradcheck(lambda a: a ** 3, (x,), (go,), fast_mode=fast)
    assert gradgradcheck(lambda a: a ** 3, (x,), gen_non_contig_grad_outputs=True)


def test_failure_message_matches_torch(device):
    x = _x(device, 3)
    with pytest.raises(GradcheckError) as ei:
        gradcheck(BadSin.apply, (x,))
    msg = str(ei.value)
    assert msg.startswith('Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(')
    assert '\nanalytical:tensor(' in msg and msg.endswith('dtype=torch.float64)\n')
    # the Jacobians shown are the right ones
    xs = x.detach().numpy()
    num = np.array(eval(msg.split('numerical:tensor(')[1].split(', dtype')[0]))
    ana = np.array(eval(msg.split('analytical:tensor(')[1].split(', dtype')[0]))
    np.testing.assert_allclose(np.diag(num), np.cos(xs), atol=1e-4)
    np.testing.assert_allclose(np.diag(ana), 1.1 * np.cos(xs), atol=1e-4)
    assert not gradcheck(BadSin.apply, (x,), raise_exception=False)


@needs_torch
def test_failure_like_torch(device):
    class TBadSin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos() * 1.1
    xv = np.random.RandomState(0).uniform(-1, 1, 3)
    msgs = []
    for lib, F, dev in ((torch, TBadSin, 'cpu'), (ember, BadSin, device)):
        x = lib.tensor(xv, device=dev, requires_grad=True)
        with pytest.raises(RuntimeError) as ei:
            lib.autograd.gradcheck(F.apply, (x,), fast_mode=True)
        assert type(ei.value).__name__ == 'GradcheckError'
        msgs.append(str(ei.value).splitlines())
    assert msgs[0][0] == msgs[1][0]
    assert [m.split(':')[0] for m in msgs[0][1:3]] == [m.split(':')[0] for m in msgs[1][1:3]]
    assert 'Below, we recompute numerical and analytical jacobians in slow mode' in '\n'.join(msgs[1])


def test_fast_mode_fails_on_wrong_gradient(device):
    with pytest.raises(GradcheckError, match='Jacobian mismatch for output 0 with respect to '
                                             'input 0'):
        gradcheck(BadSin.apply, (_x(device, 4, 3),), fast_mode=True)


def test_gradgradcheck_fails_on_wrong_second_derivative(device):
    x = _x(device, 3)
    assert gradcheck(BadDoubleBackward.apply, (x,))
    with pytest.raises(GradcheckError, match='Jacobian mismatch'):
        gradgradcheck(BadDoubleBackward.apply, (x,))


def test_backward_not_multiplied_by_grad_output(device):
    with pytest.raises(GradcheckError, match='Jacobian mismatch|backward not multiplied by '
                                             'grad_output'):
        gradcheck(NotMulByGrad.apply, (_x(device, 3),))


def test_not_reentrant(device):
    with pytest.raises(GradcheckError, match='Backward is not reentrant'):
        gradcheck(Nondet.apply, (_x(device, 2),), atol=1e-1)
    assert gradcheck(Nondet.apply, (_x(device, 2),), atol=1e-1, nondet_tol=1.0)


def test_input_checks(device):
    with pytest.raises(ValueError, match='gradcheck expects at least one input tensor to require '
                                         'gradient'):
        gradcheck(ember.sin, (_x(device, 3, rg=False),))
    x32 = ember.tensor([0.5, 1.], device=device, requires_grad=True)
    with pytest.warns(UserWarning, match='Input #0 requires gradient and is not a double'):
        gradcheck(lambda a: a * 2, (x32,), eps=1e-3, atol=1e-2)
    xe = _x(device, 1).expand(3)
    with pytest.raises(RuntimeError, match='The 0th input has a dimension with stride 0'):
        gradcheck(ember.sin, (xe,))


def test_no_differentiable_outputs(device):
    x = _x(device, 3)
    assert gradcheck(lambda a: (a > 0).to(ember.float64), (x,))
    with pytest.raises(GradcheckError, match='Numerical gradient for function expected to be zero'):
        gradcheck(lambda a: a.detach() * 2, (x,))


def test_inputs_restored(device):
    x = _x(device, 2, 3)
    before = x.detach().numpy().copy()
    v = x._version
    gradcheck(lambda a: a.exp(), (x,))
    gradcheck(lambda a: a.exp(), (x,), fast_mode=True)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x._version == v and x.grad is None


def test_unused_input_and_undefined_grads(device):
    x, y = _x(device, 2), _x(device, 2, seed=1)
    assert gradcheck(lambda a, b: a * 2, (x, y))              # b unused: zero Jacobian
    assert gradcheck(lambda a: (a * 2, a.exp()), (x,))        # one output's grad left out


def test_check_grad_dtypes(device):
    class WrongDtype(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).to(ember.float32)
    x = _x(device, 2)
    # the engine restores the input dtype, as PyTorch's does, so this passes either way
    assert gradcheck(WrongDtype.apply, (x,), atol=1e-5, rtol=1e-3, check_grad_dtypes=True)


def test_forward_ad_unsupported(device):
    with pytest.raises(NotImplementedError):
        gradcheck(ember.sin, (_x(device, 2),), check_forward_ad=True)
