"""Linear, Bilinear, Identity, Flatten/Unflatten, Conv1d/2d/3d and ConvTranspose1d/2d/3d against
PyTorch with identical weights: forward, input and parameter gradients, state_dict, repr,
default initialisation bounds, double backward, finite differences and error messages."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_same, compare, needs_torch, torch
from tests.nn.modcheck import check_module, pair, same_error

pytestmark = needs_torch
R = np.random.RandomState(0)


def f32(*s):
    return R.standard_normal(s).astype(np.float32)


# ----------------------------------------------------------------------------- linear family

@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('shape', [(4, 5), (2, 3, 5), (5,)])
def test_linear(device, bias, shape):
    check_module(lambda lib: lib.nn.Linear(5, 3, bias=bias), f32(*shape), device=device)


def test_linear_noncontiguous_and_float64(device):
    x = f32(5, 4).T
    check_module(lambda lib: lib.nn.Linear(5, 3), np.ascontiguousarray(x)[:, :], device=device)
    compare(lambda lib, a, w, b: lib.nn.functional.linear(a.t(), w, b), f32(5, 4), f32(3, 5),
            f32(3), device=device)
    compare(lambda lib, a, w, b: lib.nn.functional.linear(a, w, b), R.randn(2, 3, 5), R.randn(4, 5),
            R.randn(4), device=device)
    check_module(lambda lib: lib.nn.Linear(5, 3, dtype=lib.float64), R.randn(4, 5), device=device)


def test_linear_gradcheck(device):
    x = ember.tensor(R.randn(3, 4), device=device, requires_grad=True)
    w = ember.tensor(R.randn(2, 4), device=device, requires_grad=True)
    b = ember.tensor(R.randn(2), device=device, requires_grad=True)
    f = lambda x, w, b: ember.nn.functional.linear(x, w, b)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_linear_errors():
    same_error(lambda lib: lib.nn.Linear(3200, 128)(lib.ones(64, 3136)))
    same_error(lambda lib: lib.nn.Linear(4, 2)(lib.ones(2, 3, 5)))
    same_error(lambda lib: lib.nn.Linear(4, 2)(lib.ones(5)))
    same_error(lambda lib: lib.nn.Linear(4, 2)(lib.ones(2, 4, dtype=lib.float64)))


def test_linear_init_bounds():
    ember.manual_seed(0)
    m = ember.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)      # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), ...)
    w = m.weight.detach().numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.98 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    assert tuple(ember.nn.Linear(3, 0).weight.shape) == (0, 3)


def test_bilinear(device):
    check_module(lambda lib: lib.nn.Bilinear(3, 4, 5), f32(6, 3), f32(6, 4), device=device)
    check_module(lambda lib: lib.nn.Bilinear(3, 4, 2, bias=False), f32(2, 6, 3), f32(2, 6, 4),
                 device=device)
    ember.manual_seed(0)
    m = ember.nn.Bilinear(30, 20, 40)
    bound = 1 / math.sqrt(30)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.weight.detach().numpy()).max() > 0.98 * bound


def test_identity_flatten_unflatten(device):
    check_module(lambda lib: lib.nn.Identity(3, foo=4), f32(2, 3), device=device)
    for kw in ({}, {'start_dim': 0}, {'start_dim': 1, 'end_dim': 2}, {'start_dim': -2}):
        check_module(lambda lib: lib.nn.Flatten(**kw), f32(2, 3, 4, 5), device=device)
    for args in ((1, (2, 6)), (1, (3, -1)), (-1, [2, 2])):
        check_module(lambda lib: lib.nn.Unflatten(*args), f32(2, 12, 4), device=device)
    same_error(lambda lib: lib.nn.Unflatten(1, (5, 5))(lib.ones(2, 12)))


# ----------------------------------------------------------------------------- convolutions

CONV2D = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(1, 2), stride=(2, 1)),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(groups=4, stride=2, padding=1),
    dict(bias=False),
    dict(padding='same'),
    dict(padding='same', dilation=(1, 2)),
    dict(padding='valid'),
    dict(padding=1, padding_mode='reflect'),
    dict(padding=(1, 2), padding_mode='replicate'),
    dict(padding=2, padding_mode='circular', stride=2),
]


@pytest.mark.parametrize('kw', CONV2D)
def test_conv2d(device, kw):
    check_module(lambda lib: lib.nn.Conv2d(4, 8, 3, **kw), f32(2, 4, 9, 10), device=device,
                 rtol=1e-4, atol=1e-5)


def test_conv2d_even_kernel_same_and_unbatched(device):
    check_module(lambda lib: lib.nn.Conv2d(2, 3, (2, 4), padding='same'), f32(2, 2, 7, 8),
                 device=device, rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.Conv2d(2, 3, 3, padding=1), f32(2, 7, 8), device=device,
                 rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('kw', [dict(), dict(stride=2, padding=1), dict(dilation=3, groups=2),
                                dict(padding='same', bias=False), dict(padding=2,
                                                                       padding_mode='circular')])
def test_conv1d(device, kw):
    check_module(lambda lib: lib.nn.Conv1d(4, 6, 3, **kw), f32(3, 4, 11), device=device,
                 rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.Conv1d(4, 6, 3, **kw), f32(4, 11), device=device,
                 rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('kw', [dict(), dict(stride=(1, 2, 2), padding=1),
                                dict(groups=2, dilation=(2, 1, 1)), dict(padding='same'),
                                dict(padding=1, padding_mode='replicate')])
def test_conv3d(device, kw):
    check_module(lambda lib: lib.nn.Conv3d(2, 4, (3, 2, 3), **kw), f32(2, 2, 5, 6, 7),
                 device=device, rtol=1e-4, atol=1e-5)


CONVT = [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
         dict(groups=2, stride=(2, 3), padding=(0, 1)), dict(dilation=2, bias=False),
         dict(stride=3, dilation=2, output_padding=(2, 1))]


@pytest.mark.parametrize('kw', CONVT)
def test_conv_transpose2d(device, kw):
    check_module(lambda lib: lib.nn.ConvTranspose2d(4, 6, 3, **kw), f32(2, 4, 5, 6),
                 device=device, rtol=1e-4, atol=1e-5)


def test_conv_transpose_1d_3d_unbatched_output_size(device):
    check_module(lambda lib: lib.nn.ConvTranspose1d(4, 2, 3, stride=2), f32(2, 4, 7),
                 device=device, rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1), f32(4, 7),
                 device=device, rtol=1e-4, atol=1e-5)
    check_module(lambda lib: lib.nn.ConvTranspose3d(2, 4, 2, stride=(1, 2, 2), groups=2),
                 f32(2, 2, 3, 4, 5), device=device, rtol=1e-4, atol=1e-5)
    e, t = pair(lambda lib: lib.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), device)
    x = f32(1, 3, 5, 5)
    for size in ((10, 10), (9, 10), [1, 2, 10, 9]):
        assert_same(e(ember.tensor(x, device=device), output_size=size),
                    t(torch.tensor(x), output_size=size), 1e-4, 1e-5)
    same_error(lambda lib: lib.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)(
        lib.ones(1, 3, 5, 5), output_size=(12, 12)), match=False)


def test_conv_functional_variants(device):
    F = lambda lib: lib.nn.functional
    compare(lambda lib, x, w, b: F(lib).conv2d(x, w, b, 2, 1, 1, 2), f32(2, 4, 8, 8),
            f32(6, 2, 3, 3), f32(6), device=device, rtol=1e-4, atol=1e-5)
    # non-contiguous input and weight
    compare(lambda lib, x, w: F(lib).conv2d(x.transpose(2, 3), w.transpose(2, 3), padding=1),
            f32(2, 3, 6, 7), f32(4, 3, 3, 2), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, x, w: F(lib).conv1d(x[:, :, ::2], w, stride=2), f32(2, 3, 15),
            f32(4, 3, 2), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride=2, padding=1,
                                                          output_padding=1, dilation=1),
            f32(2, 4, 4, 5), f32(4, 3, 3, 3), f32(3), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda lib, x, w: F(lib).conv2d(x, w), R.randn(1, 2, 5, 5), R.randn(3, 2, 2, 2),
            device=device)


def test_conv_gradcheck_and_double_backward(device):
    F = ember.nn.functional
    for kw in (dict(stride=2, padding=1, groups=2), dict(groups=2, dilation=2)):
        x = ember.tensor(R.randn(2, 4, 6, 5), device=device, requires_grad=True)
        w = ember.tensor(R.randn(4, 2, 3, 2), device=device, requires_grad=True)
        b = ember.tensor(R.randn(4), device=device, requires_grad=True)
        f = lambda x, w, b: F.conv2d(x, w, b, **kw)
        assert gradcheck(f, (x, w, b))
        assert gradgradcheck(f, (x, w, b))
    x = ember.tensor(R.randn(1, 2, 4), device=device, requires_grad=True)
    w = ember.tensor(R.randn(2, 3, 3), device=device, requires_grad=True)
    f = lambda x, w: F.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))


def test_conv_double_backward_vs_torch(device):
    def f(lib, x, w):
        y = lib.nn.functional.conv2d(x, w, stride=2, padding=1, groups=2)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        return (gx ** 2).sum() + (gw * gw).sum()
    compare(f, R.randn(2, 4, 5, 6), R.randn(4, 2, 3, 3), device=device)


@pytest.mark.parametrize('cls,args', [('Conv1d', (4, 6, 3)), ('Conv2d', (4, 6, (3, 2))),
                                      ('Conv3d', (2, 4, 2)), ('ConvTranspose2d', (4, 6, 3))])
def test_conv_init_bounds(cls, args):
    ember.manual_seed(0)
    m = getattr(ember.nn, cls)(*args)
    w = m.weight.detach().numpy()
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound


@pytest.mark.parametrize('make', [
    lambda lib: lib.nn.Conv2d(3, 6, 3, stride=(2, 1), padding=(1, 0), dilation=2, groups=3,
                              bias=False, padding_mode='reflect'),
    lambda lib: lib.nn.Conv2d(3, 6, 3, padding='same'),
    lambda lib: lib.nn.Conv1d(3, 6, 5, padding='valid'),
    lambda lib: lib.nn.Conv3d(3, 6, (1, 2, 3)),
    lambda lib: lib.nn.ConvTranspose2d(3, 6, 3, stride=2, output_padding=1, dilation=1),
    lambda lib: lib.nn.ConvTranspose1d(3, 6, 3, groups=3, bias=False),
    lambda lib: lib.nn.ConvTranspose3d(3, 6, 3, padding=1, dilation=2),
])
def test_conv_repr_state_dict(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


@pytest.mark.parametrize('fn', [
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(2, 2, 5, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(2, 2, 3, 5, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(5, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(1, 3, 2, 2)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(1, 3, 5, 5, dtype=lib.float64)),
    lambda lib: lib.nn.Conv2d(3, 4, 3, bias=False)(lib.ones(1, 3, 5, 5, dtype=lib.float64)),
    lambda lib: lib.nn.Conv1d(4, 4, 3, groups=2)(lib.ones(1, 3, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3, padding='same', stride=2),
    lambda lib: lib.nn.Conv2d(3, 4, 3, padding='full'),
    lambda lib: lib.nn.functional.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3), padding='full'),
    lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    lambda lib: lib.nn.ConvTranspose2d(4, 4, 3, padding_mode='reflect'),
    lambda lib: lib.nn.ConvTranspose2d(4, 4, 3)(lib.ones(1, 3, 5, 5)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3), stride=(1, 2, 3)),
])
def test_conv_errors(fn):
    same_error(fn)


def test_conv_padding_mode_error():
    # the set in PyTorch's message prints in an order fixed by its .pyc: compare the words
    same_error(lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode='wrap'), match=False)
    with pytest.raises(ValueError, match="padding_mode must be one of .*'circular'.*but got "
                                         "padding_mode='wrap'"):
        ember.nn.Conv2d(4, 4, 3, padding_mode='wrap')


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1),
                                dict(kernel_size=3, dilation=2, padding=(2, 1))])
def test_unfold_fold(device, kw):
    F = lambda lib: lib.nn.functional
    compare(lambda lib, x: F(lib).unfold(x, **kw), f32(2, 3, 7, 8), device=device)
    L = torch.nn.functional.unfold(torch.zeros(2, 3, 7, 8), **kw).shape
    compare(lambda lib, c: F(lib).fold(c, (7, 8), **kw), f32(*L), device=device)
    x = ember.tensor(R.randn(1, 2, 5, 5), device=device, requires_grad=True)
    assert gradgradcheck(lambda a: F(ember).fold(F(ember).unfold(a, **kw), (5, 5), **kw), (x,))
    assert repr(ember.nn.Unfold(**kw)) == repr(torch.nn.Unfold(**kw)) if hasattr(
        ember.nn, 'Unfold') else True
