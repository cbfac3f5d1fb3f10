"""Pooling, unpooling, interpolation and shuffles against PyTorch: values, indices, dtypes,
gradients (incl. double backward), finite differences, module reprs and errors."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, assert_same, needs_torch, torch

pytestmark = needs_torch

R = np.random.RandomState(0)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return R.standard_normal(shape)


def ties(*shape):
    """Small integers as float32: many equal values in each window (first-max routing)."""
    return R.randint(0, 3, shape).astype(np.float32)


def F(lib):
    return lib.nn.functional


def same_error(fn, match_message=True):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match_message:
        assert str(ee.value) == str(te.value)


def e_t(x, device, rg=False):
    e = ember.tensor(x, device=device, requires_grad=rg)
    t = torch.tensor(x, requires_grad=rg)
    return e, t


# ----------------------------------------------------------------------------- max pooling

MAX2D = [dict(kernel_size=2), dict(kernel_size=3), dict(kernel_size=(2, 3)),
         dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1),
         dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True),
         dict(kernel_size=2, ceil_mode=True)]


@pytest.mark.parametrize('kw', MAX2D)
@pytest.mark.parametrize('make', [f32, ties])
def test_max_pool2d(device, kw, make):
    x = make(2, 3, 7, 9)
    compare(lambda lib, a: F(lib).max_pool2d(a, **kw), x, device=device)
    compare(lambda lib, a: F(lib).max_pool2d(a, return_indices=True, **kw), x, device=device)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True),
                                dict(kernel_size=4, stride=3, ceil_mode=True, padding=2)])
def test_max_pool1d(device, kw):
    for x in (f32(2, 3, 11), ties(3, 10)):
        compare(lambda lib, a: F(lib).max_pool1d(a, **kw), x, device=device)
        compare(lambda lib, a: F(lib).max_pool1d(a, return_indices=True, **kw), x, device=device)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=(2, 3, 2), stride=1),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=2, stride=1, dilation=2)])
def test_max_pool3d(device, kw):
    for x in (f32(2, 2, 5, 6, 7), ties(2, 4, 5, 6)):
        compare(lambda lib, a: F(lib).max_pool3d(a, **kw), x, device=device)
        compare(lambda lib, a: F(lib).max_pool3d(a, return_indices=True, **kw), x, device=device)


def test_max_pool_unbatched_noncontiguous_and_int(device):
    x = f32(3, 8, 6)
    compare(lambda lib, a: F(lib).max_pool2d(a, 2), x, device=device)                # (C, H, W)
    compare(lambda lib, a: F(lib).max_pool2d(a.transpose(-1, -2), 2), f32(2, 3, 6, 8),
            device=device)
    compare(lambda lib, a: F(lib).max_pool2d(a[:, :, 1:, ::2], 3, 2, 1), f32(2, 3, 9, 12),
            device=device)
    xi = R.randint(-5, 5, (2, 3, 6, 6)).astype(np.int64)
    compare(lambda lib, a: F(lib).max_pool2d(a, 2), xi, device=device, grad=False)
    compare(lambda lib, a: F(lib).max_pool2d(a, 3, 2, 1, return_indices=True), xi,
            device=device, grad=False)


def test_max_pool_nan_and_inf(device):
    x = f32(1, 2, 6, 6)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 3, 2] = np.nan
    x[0, 0, 3, 3] = np.nan
    x[0, 1, :3, :3] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        e, t = e_t(x, device)
        eo, ei = F(ember).max_pool2d(e, return_indices=True, **kw)
        to, ti = F(torch).max_pool2d(t, return_indices=True, **kw)
        assert_same(eo, to)
        assert_same(ei, ti)
        compare(lambda lib, a: F(lib).max_pool2d(a, **kw), x, device=device)


def test_max_pool_fast_path_layout_and_speed_shape(device):
    x = f32(4, 8, 24, 24)
    e = ember.tensor(x, device=device, requires_grad=True)
    y = F(ember).max_pool2d(e, 2)
    assert type(y.grad_fn).__name__ == 'MaxPool2DWithIndicesBackward0'
    compare(lambda lib, a: F(lib).max_pool2d(a, 2, 2), x, device=device)
    # channels-last memory: the gradient keeps the input's layout
    leaf = ember.tensor(x, device=device, requires_grad=True)
    a = leaf.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    y = F(ember).max_pool2d(a, 2)
    ga, = ember.autograd.grad(y, a, ember.ones_like(y))
    assert ga._data.strides == a._data.strides
    compare(lambda lib, a: F(lib).max_pool2d(a.permute(0, 2, 3, 1).contiguous()
                                             .permute(0, 3, 1, 2), 2), x, device=device)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True)])
def test_max_pool_gradcheck_and_double_backward(device, kw):
    x = ember.tensor(f64(1, 2, 5, 6), device=device, requires_grad=True)
    fn = lambda a: F(ember).max_pool2d(a, **kw)    # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    # double backward against torch: d/dg of <dx(g), w> is a gather of w at the argmax
    xn, gn, wn = f32(2, 3, 6, 7), None, None
    res = []
    for lib in (ember, torch):
        a = lib.tensor(xn, requires_grad=True)
        y = F(lib).max_pool2d(a, **kw)
        g = lib.tensor(np.random.RandomState(3).standard_normal(tuple(y.shape)).astype(np.float32),
                       requires_grad=True)
        dx, = lib.autograd.grad(y, a, g, create_graph=True)
        w = lib.tensor(np.random.RandomState(4).standard_normal(tuple(dx.shape)).astype(np.float32))
        gg, = lib.autograd.grad((dx * w).sum(), g)
        res.append((dx, gg))
    assert_same(res[0][0], res[1][0])
    assert_same(res[0][1], res[1][1])


def test_max_pool_errors():
    x = f32(1, 3, 4, 4)
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(x), 2, padding=2))
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(x), 5))
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(f32(3, 4)), 2))
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(x), 2, stride=0))
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(x), (2, 2, 2)))
    same_error(lambda lib: F(lib).max_pool1d(lib.tensor(f32(2)), 2))
    same_error(lambda lib: F(lib).max_pool2d(lib.tensor(x), 2, dilation=0))


# ----------------------------------------------------------------------------- average pooling

AVG2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
         dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True,
              count_include_pad=False),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=2, divisor_override=3), dict(kernel_size=3, stride=1)]


@pytest.mark.parametrize('kw', AVG2D)
def test_avg_pool2d(device, kw):
    compare(lambda lib, a: F(lib).avg_pool2d(a, **kw), f32(2, 3, 7, 8), device=device)


def test_avg_pool1d_3d(device):
    for kw in (dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)):
        compare(lambda lib, a: F(lib).avg_pool1d(a, **kw), f32(2, 3, 11), device=device)
        compare(lambda lib, a: F(lib).avg_pool3d(a, **kw), f32(2, 2, 6, 7, 5), device=device)
    compare(lambda lib, a: F(lib).avg_pool3d(a, 2, divisor_override=5), f32(2, 5, 6, 4),
            device=device)
    compare(lambda lib, a: F(lib).avg_pool2d(a.transpose(-1, -2), 2), f32(3, 6, 8),
            device=device)
    xi = R.randint(-9, 9, (1, 2, 6, 6)).astype(np.int64)
    compare(lambda lib, a: F(lib).avg_pool2d(a, 3, 2, 1), xi, device=device, grad=False)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                           ceil_mode=True,
                                                           count_include_pad=False)])
def test_avg_pool_gradcheck(device, kw):
    x = ember.tensor(f64(1, 2, 5, 6), device=device, requires_grad=True)
    fn = lambda a: F(ember).avg_pool2d(a, **kw)    # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_avg_pool_errors():
    x = f32(1, 3, 4, 4)
    same_error(lambda lib: F(lib).avg_pool2d(lib.tensor(x), 2, padding=2))
    same_error(lambda lib: F(lib).avg_pool2d(lib.tensor(x), 5))
    same_error(lambda lib: F(lib).avg_pool2d(lib.tensor(x), 2, divisor_override=0),
               match_message=False)


# ----------------------------------------------------------------------------- adaptive

@pytest.mark.parametrize('osz', [1, 3, (2, 5), (None, 4), (7, 9), (4, 1)])
def test_adaptive_avg_max_pool2d(device, osz):
    x = f32(2, 3, 7, 9)
    compare(lambda lib, a: F(lib).adaptive_avg_pool2d(a, osz), x, device=device)
    compare(lambda lib, a: F(lib).adaptive_max_pool2d(a, osz), x, device=device)
    compare(lambda lib, a: F(lib).adaptive_max_pool2d(a, osz, return_indices=True),
            ties(3, 7, 9), device=device)


def test_adaptive_1d_3d(device):
    for o in (1, 3, 4, 11, 13):
        compare(lambda lib, a: F(lib).adaptive_avg_pool1d(a, o), f32(2, 3, 11), device=device)
        compare(lambda lib, a: F(lib).adaptive_max_pool1d(a, o, True), f32(2, 3, 11),
                device=device)
    for o in (1, (2, 3, 4), (None, 2, None)):
        compare(lambda lib, a: F(lib).adaptive_avg_pool3d(a, o), f32(2, 2, 5, 6, 7),
                device=device)
        compare(lambda lib, a: F(lib).adaptive_max_pool3d(a, o, True), f32(2, 5, 6, 7),
                device=device)


def test_adaptive_gradcheck(device):
    x = ember.tensor(f64(1, 2, 5, 7), device=device, requires_grad=True)
    for fn in (lambda a: F(ember).adaptive_avg_pool2d(a, (3, 4)),
               lambda a: F(ember).adaptive_max_pool2d(a, (3, 4))):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_adaptive_errors():
    same_error(lambda lib: F(lib).adaptive_avg_pool2d(lib.tensor(f32(1, 3, 4, 4)), (2, 2, 2)))
    same_error(lambda lib: F(lib).adaptive_max_pool2d(lib.tensor(f32(2, 2)), 2))


# ----------------------------------------------------------------------------- unpool, lp

@pytest.mark.parametrize('nd,kw', [(1, dict(kernel_size=2)), (2, dict(kernel_size=2)),
                                   (2, dict(kernel_size=3, stride=2, padding=1)),
                                   (3, dict(kernel_size=2))])
def test_max_unpool(device, nd, kw):
    shape = {1: (2, 3, 10), 2: (2, 3, 6, 8), 3: (1, 2, 4, 6, 4)}[nd]
    x = f32(*shape)
    res = []
    for lib in (ember, torch):
        pool = getattr(F(lib), f'max_pool{nd}d')
        unpool = getattr(F(lib), f'max_unpool{nd}d')
        a = lib.tensor(x, requires_grad=True)
        y, i = pool(a, return_indices=True, **kw)
        u = unpool(y, i, **kw, output_size=x.shape[-nd:])
        (u * lib.tensor(np.arange(u.numel(), dtype=np.float32).reshape(tuple(u.shape)))).sum() \
            .backward()
        res.append((u, a.grad))
    assert_same(res[0], res[1])


def test_max_unpool_gradcheck_and_errors(device):
    idx = ember.tensor(np.array([[[0, 3], [5, 14]]], np.int64), device=device)
    x = ember.tensor(f64(1, 2, 2), device=device, requires_grad=True)
    assert gradcheck(lambda a: F(ember).max_unpool2d(a, idx, 2), (x,))
    assert gradgradcheck(lambda a: F(ember).max_unpool2d(a, idx, 2), (x,))
    same_error(lambda lib: F(lib).max_unpool2d(lib.tensor(f32(1, 3, 4, 4)),
                                               lib.zeros(1, 3, 4, 4, dtype=lib.int64), 2,
                                               output_size=(3, 3)))
    same_error(lambda lib: F(lib).max_unpool2d(lib.tensor(f32(1, 3, 4, 4)),
                                               lib.full((1, 3, 4, 4), 100, dtype=lib.int64), 2))


def test_lp_pool(device):
    x = np.abs(f32(2, 3, 8, 9)) + 0.1
    for p in (1.0, 2.0, 3.0, float('inf')):
        compare(lambda lib, a: F(lib).lp_pool2d(a, p, 2), x, device=device, rtol=1e-4)
        compare(lambda lib, a: F(lib).lp_pool2d(a, p, (3, 2), stride=2, ceil_mode=True), x,
                device=device, rtol=1e-4)
        compare(lambda lib, a: F(lib).lp_pool1d(a, p, 3, stride=2), x[0], device=device,
                rtol=1e-4)
    compare(lambda lib, a: F(lib).lp_pool3d(a, 2, 2), x[None], device=device, rtol=1e-4)


# ----------------------------------------------------------------------------- interpolate

INTERP = [dict(size=(5, 7)), dict(scale_factor=2), dict(scale_factor=(1.5, 0.7)),
          dict(scale_factor=2.3, recompute_scale_factor=True), dict(size=(3, 2)),
          dict(scale_factor=(3, 1.3))]


@pytest.mark.parametrize('kw', INTERP)
@pytest.mark.parametrize('mode,ac', [('nearest', None), ('nearest-exact', None),
                                     ('bilinear', False), ('bilinear', True),
                                     ('bicubic', False), ('bicubic', True), ('area', None)])
def test_interpolate_2d(device, kw, mode, ac):
    if mode == 'area' and 'scale_factor' in kw and not kw.get('recompute_scale_factor'):
        kw = dict(kw, recompute_scale_factor=None)
    compare(lambda lib, a: F(lib).interpolate(a, mode=mode, align_corners=ac, **kw),
            f32(2, 3, 4, 5), device=device, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('mode,ac', [('nearest', None), ('nearest-exact', None),
                                     ('linear', False), ('linear', True), ('area', None)])
def test_interpolate_1d_3d(device, mode, ac):
    for kw in (dict(size=9), dict(scale_factor=1.7), dict(size=3)):
        compare(lambda lib, a: F(lib).interpolate(a, mode=mode, align_corners=ac, **kw),
                f32(2, 3, 6), device=device, rtol=1e-4, atol=1e-5)
    m3 = 'trilinear' if mode == 'linear' else mode
    for kw in (dict(size=(3, 5, 4)), dict(scale_factor=(2, 1.5, 0.5))):
        compare(lambda lib, a: F(lib).interpolate(a, mode=m3, align_corners=ac, **kw),
                f32(1, 2, 3, 4, 5), device=device, rtol=1e-4, atol=1e-5)


def test_interpolate_sizes_sweep(device):
    """Source-index arithmetic (float32, as PyTorch's kernels) over many size pairs."""
    for s in (1, 3, 5, 7, 10):
        x = f32(1, 2, s)
        for o in (1, 2, 3, 6, 9, 10, 11, 26):
            for mode in ('nearest', 'nearest-exact', 'linear'):
                compare(lambda lib, a: F(lib).interpolate(a, size=o, mode=mode), x,
                        device=device, grad=False)
        for sf in [f for f in (0.5, 1 / 3, 0.7, 1.1, 1.3, 2.5) if int(s * f) > 0]:
            for mode in ('nearest', 'nearest-exact', 'linear'):
                compare(lambda lib, a: F(lib).interpolate(a, scale_factor=sf, mode=mode), x,
                        device=device, grad=False)


def test_interpolate_gradcheck(device):
    x = ember.tensor(f64(1, 2, 3, 4), device=device, requires_grad=True)
    for mode, ac in (('nearest', None), ('bilinear', False), ('bicubic', True)):
        fn = lambda a: F(ember).interpolate(a, size=(5, 3), mode=mode, align_corners=ac)  # noqa
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_interpolate_errors():
    x = f32(1, 2, 4, 4)
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x), size=3, mode='nearest',
                                              align_corners=True))
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x), size=3, mode='linear'))
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x), size=3, scale_factor=2))
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x)))
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x), size=(3, 3, 3)))
    same_error(lambda lib: F(lib).interpolate(lib.tensor(x), size=3,
                                              recompute_scale_factor=True))


# ----------------------------------------------------------------------------- shuffles

def test_pixel_and_channel_shuffle(device):
    compare(lambda lib, a: F(lib).pixel_shuffle(a, 2), f32(2, 8, 3, 4), device=device)
    compare(lambda lib, a: F(lib).pixel_shuffle(a, 3), f32(9, 2, 3), device=device)
    compare(lambda lib, a: F(lib).pixel_unshuffle(a, 2), f32(2, 3, 4, 6), device=device)
    compare(lambda lib, a: F(lib).pixel_unshuffle(a, 2), f32(2, 2, 3, 4, 6), device=device)
    compare(lambda lib, a: F(lib).channel_shuffle(a, 3), f32(2, 6, 3, 4), device=device)
    compare(lambda lib, a: lib.nn.ChannelShuffle(2)(a), f32(2, 4, 5), device=device)
    same_error(lambda lib: F(lib).pixel_shuffle(lib.tensor(f32(1, 5, 4, 4)), 2))
    same_error(lambda lib: F(lib).pixel_unshuffle(lib.tensor(f32(1, 5, 4, 4)), 3))
    same_error(lambda lib: F(lib).pixel_shuffle(lib.tensor(f32(4, 4)), 2))
    same_error(lambda lib: F(lib).channel_shuffle(lib.tensor(f32(1, 5, 4, 4)), 2))


# ----------------------------------------------------------------------------- modules

MODULES = [
    ('MaxPool1d', (2,), {}, (2, 3, 9)), ('MaxPool2d', (2,), {}, (2, 3, 8, 8)),
    ('MaxPool2d', ((2, 3),), dict(stride=1, padding=1, dilation=1, ceil_mode=True), (2, 3, 7, 8)),
    ('MaxPool3d', (2,), {}, (1, 2, 4, 4, 4)), ('AvgPool1d', (3,), dict(stride=2), (2, 3, 9)),
    ('AvgPool2d', (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), (2, 3, 7, 8)),
    ('AvgPool2d', (2,), dict(divisor_override=3), (2, 3, 8, 8)),
    ('AvgPool3d', (2,), {}, (1, 2, 4, 4, 4)),
    ('AdaptiveAvgPool1d', (3,), {}, (2, 3, 10)),
    ('AdaptiveAvgPool2d', ((None, 3),), {}, (2, 3, 7, 8)),
    ('AdaptiveAvgPool3d', (2,), {}, (1, 2, 5, 4, 3)),
    ('AdaptiveMaxPool1d', (3,), {}, (2, 3, 10)), ('AdaptiveMaxPool2d', (3,), {}, (2, 3, 7, 8)),
    ('AdaptiveMaxPool3d', (2,), {}, (1, 2, 5, 4, 3)),
    ('LPPool1d', (2, 3), {}, (2, 3, 9)), ('LPPool2d', (2, 2), dict(stride=1), (2, 3, 5, 6)),
    ('PixelShuffle', (2,), {}, (1, 8, 3, 3)), ('PixelUnshuffle', (2,), {}, (1, 2, 4, 6)),
    ('Upsample', (), dict(scale_factor=2), (1, 2, 3, 4)),
    ('Upsample', (), dict(size=(5, 3), mode='bilinear'), (1, 2, 3, 4)),
    ('Upsample', (), dict(scale_factor=1.5, mode='bicubic', align_corners=True), (1, 2, 3, 4)),
    ('Upsample', (), dict(size=5, mode='linear'), (1, 2, 3)),
    ('UpsamplingNearest2d', (), dict(scale_factor=2), (1, 2, 3, 4)),
    ('UpsamplingBilinear2d', (), dict(size=(4, 7)), (1, 2, 3, 4)),
]


@pytest.mark.parametrize('name,args,kw,shape', MODULES)
def test_modules(device, name, args, kw, shape):
    em, tm = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict()) == []
    x = np.abs(f32(*shape)) + 0.1 if name.startswith('LP') else f32(*shape)
    compare(lambda lib, a: (em if lib is ember else tm)(a), x, device=device, rtol=1e-4)
    em.eval(), tm.eval()
    compare(lambda lib, a: (em if lib is ember else tm)(a), x, device=device, grad=False,
            rtol=1e-4)


def test_module_reprs_and_unpool_module(device):
    for name, args, kw in [('MaxPool2d', ((2, 3),), dict(stride=1, return_indices=True)),
                           ('AvgPool1d', (2,), {}), ('AvgPool2d', (3, 2, 1, True, False, 2), {}),
                           ('MaxUnpool1d', (2,), {}), ('MaxUnpool2d', (2,), {}),
                           ('MaxUnpool3d', (2, 1), {}), ('LPPool2d', (2, 3), {}),
                           ('LPPool3d', (1.5, 2), dict(stride=1, ceil_mode=True)),
                           ('PixelUnshuffle', (3,), {}), ('ChannelShuffle', (2,), {}),
                           ('AdaptiveMaxPool2d', (2, True), {}),
                           ('Upsample', (), dict(scale_factor=(2, 3))),
                           ('Upsample', (), dict(size=3, mode='bilinear'))]:
        assert repr(getattr(ember.nn, name)(*args, **kw)) == \
            repr(getattr(torch.nn, name)(*args, **kw))
    x = f32(2, 3, 6, 8)
    res = []
    for lib in (ember, torch):
        p, u = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        y, i = p(lib.tensor(x))
        res.append(u(y, i, output_size=(2, 3, 6, 8)))
    assert_same(res[0], res[1])


@needs_torch
@pytest.mark.parametrize('shape', [(2, 3, 8, 8), (1, 2, 7, 9), (3, 1, 4, 6)])
def test_max_pool_2x2_ties_route_to_first_max_like_torch(shape, device):
    """The 2x2/stride-2 fast path records the first maximum in row-major order (PyTorch's
    rule) in forward; with many ties the input gradient must equal torch's."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(np.float32)     # small ints: ties everywhere
    g = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(np.float32)
    e = ember.tensor(x, device=device, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ember.nn.functional.max_pool2d(e, 2).backward(ember.tensor(g, device=device))
    torch.nn.functional.max_pool2d(t, 2).backward(torch.tensor(g))
    np.testing.assert_array_equal(e.grad.cpu().numpy(), t.grad.numpy())
