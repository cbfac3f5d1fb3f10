"""grid_sample and affine_grid against PyTorch: values, gradients (input and grid), double
backward, padding modes with out-of-range grids, errors."""
import itertools
import warnings
import zlib

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, assert_same, needs_torch, torch

MODES = ['bilinear', 'nearest', 'bicubic']
PADS = ['zeros', 'border', 'reflection']


def _case(rng, nd, N=2, C=3, lo=-2.5, hi=2.5):
    S = (4, 5) if nd == 2 else (3, 4, 5)
    O = (6, 3) if nd == 2 else (2, 3, 4)
    x = rng.standard_normal((N, C) + S)
    g = rng.uniform(lo, hi, (N,) + O + (nd,))
    return x, g


@needs_torch
@pytest.mark.parametrize('mode,padding_mode,align', itertools.product(MODES, PADS, [False, True]))
def test_grid_sample_2d_matches_torch(mode, padding_mode, align, device):
    rng = np.random.default_rng(zlib.crc32(repr((mode, padding_mode, align)).encode()))
    for _ in range(3):   # many random grids, most points out of range on some axis
        x, g = _case(rng, 2)
        compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode, padding_mode, align),
                x, g, device=device)


@needs_torch
@pytest.mark.parametrize('mode,padding_mode,align',
                         itertools.product(['bilinear', 'nearest'], PADS, [False, True]))
def test_grid_sample_3d_matches_torch(mode, padding_mode, align, device):
    rng = np.random.default_rng(7)
    x, g = _case(rng, 3)
    compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode, padding_mode, align),
            x, g, device=device)


@needs_torch
@pytest.mark.parametrize('mode', MODES)
def test_grid_sample_float32(mode, device):
    rng = np.random.default_rng(3)
    x, g = _case(rng, 2, lo=-1.3, hi=1.3)
    for pm in PADS:
        e, t = compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode, pm, False),
                       x.astype(np.float32), g.astype(np.float32), device=device,
                       rtol=1e-4, atol=1e-4)
        assert e.dtype == ember.float32


@needs_torch
@pytest.mark.parametrize('mode', MODES)
def test_grid_sample_special_points(mode, device):
    """Grid points on pixel centres, edges, exactly at +-1 and just past it, on size-1 axes."""
    rng = np.random.default_rng(5)
    vals = np.array([-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 3.0])
    gx, gy = np.meshgrid(vals, vals[::-1])
    g = np.stack([gx, gy], -1)[None].repeat(2, 0)
    for S in [(4, 4), (1, 5), (3, 1)]:
        x = rng.standard_normal((2, 2) + S)
        for pm, align in itertools.product(PADS, [False, True]):
            compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode, pm, align),
                    x, g, device=device, grad=False)


@needs_torch
def test_grid_sample_nonfinite_grid_like_torch(device):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    g = np.array([[[[np.nan, 0.2], [-np.inf, 0.0], [1e20, 0.0], [0.3, np.nan],
                    [-1e20, 0.5]]]], np.float32)
    # (+inf is left out: PyTorch's vectorised CPU kernel maps it to either border by chunk)
    for mode, pm in itertools.product(MODES, PADS):
        compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode, pm, False),
                x, g, device=device, grad=False)


@needs_torch
def test_grid_sample_noncontiguous_and_empty(device):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 5, 4))
    g = rng.uniform(-1.2, 1.2, (2, 3, 6, 2))
    compare(lambda lib, a, b: lib.nn.functional.grid_sample(
        a.transpose(2, 3), b.transpose(1, 2), 'bilinear', 'border', False), x, g, device=device)
    compare(lambda lib, a, b: lib.nn.functional.grid_sample(
        a[:, ::2], b[..., ::1], 'bicubic', 'reflection', True), x, g, device=device)
    # empty channel / batch / output dims
    for xs, gs in [((2, 0, 4, 5), (2, 3, 3, 2)), ((0, 2, 4, 5), (0, 3, 3, 2)),
                   ((2, 2, 4, 5), (2, 0, 3, 2))]:
        compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, align_corners=False),
                rng.standard_normal(xs), rng.uniform(-1, 1, gs), device=device)


@needs_torch
@pytest.mark.parametrize('mode,nd', [('bilinear', 2), ('nearest', 2), ('bicubic', 2),
                                     ('bilinear', 3), ('nearest', 3)])
def test_grid_sample_double_backward_matches_torch(mode, nd, device):
    rng = np.random.default_rng(11)
    for pm, align in itertools.product(PADS, [False, True]):
        x, g = _case(rng, nd, N=1, C=2)
        w = rng.standard_normal((1, 2) + g.shape[1:-1])
        r1, r2 = rng.standard_normal(x.shape), rng.standard_normal(g.shape)
        res = []
        for lib in (ember, torch):
            kw = {'device': device} if lib is ember else {}
            X, G, W = (lib.tensor(a, requires_grad=True, **kw) for a in (x, g, w))
            out = lib.nn.functional.grid_sample(X, G, mode, pm, align)
            gx, gg = lib.autograd.grad((out * W).sum(), (X, G), create_graph=True)
            l2 = (gx * lib.tensor(r1, **kw)).sum() + (gg * lib.tensor(r2, **kw)).sum()
            res.append(lib.autograd.grad(l2, (X, G, W), allow_unused=True))
        for a, b in zip(*res):
            if b is None:
                assert a is None or not np.any(a.detach().cpu().numpy())
            else:
                assert_same(a, b)


@pytest.mark.parametrize('mode,pm,align', [('bilinear', 'zeros', False),
                                          ('bilinear', 'reflection', True),
                                          ('bicubic', 'border', False),
                                          ('bicubic', 'reflection', False),
                                          ('nearest', 'zeros', True)])
def test_grid_sample_gradcheck(mode, pm, align, device):
    rng = np.random.default_rng(4)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True, device=device)
    # keep points off the kinks (integer coordinates, borders) of the piecewise maps
    g = ember.tensor(rng.uniform(-1.4, 1.4, (1, 2, 3, 2)) + 0.013, requires_grad=True,
                     device=device)
    f = lambda a, b: F.grid_sample(a, b, mode, pm, align)
    assert gradcheck(f, (x, g), eps=1e-6, atol=1e-5)
    assert gradgradcheck(f, (x, g), eps=1e-6, atol=1e-5)


def test_grid_sample_3d_gradcheck(device):
    rng = np.random.default_rng(6)
    x = ember.tensor(rng.standard_normal((1, 2, 2, 3, 3)), requires_grad=True, device=device)
    g = ember.tensor(rng.uniform(-1.2, 1.2, (1, 2, 1, 2, 3)) + 0.011, requires_grad=True,
                     device=device)
    f = lambda a, b: F.grid_sample(a, b, 'bilinear', 'border', False)
    assert gradcheck(f, (x, g))
    assert gradgradcheck(f, (x, g))


def test_grid_sample_grad_fn_names(device):
    x = ember.randn(1, 1, 3, 3, device=device, requires_grad=True)
    g = ember.rand(1, 2, 2, 2, device=device) * 2 - 1
    assert F.grid_sample(x, g, align_corners=False).grad_fn.name() == 'GridSampler2DBackward0'
    x5 = ember.randn(1, 1, 2, 3, 3, device=device, requires_grad=True)
    g5 = ember.rand(1, 2, 2, 2, 3, device=device) * 2 - 1
    assert F.grid_sample(x5, g5, align_corners=False).grad_fn.name() == \
        'GridSampler3DBackward0'


@needs_torch
def test_grid_sample_errors_match_torch(device):
    x = np.random.randn(2, 3, 4, 5).astype(np.float32)
    g = (np.random.rand(2, 6, 7, 2) * 2 - 1).astype(np.float32)
    cases = [
        lambda lib, X, G: lib.nn.functional.grid_sample(X, G, mode='foo', align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X, G, padding_mode='x', align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X, G.double(), align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X.double(), G, align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X, G[0], align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X, G[:1], align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X, lib.cat([G, G[..., :1]], -1),
                                                        align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X[:, :, :0], G, align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(X.int(), G, align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(
            X[:1, :, None], lib.cat([G, G[..., :1]], -1)[:1, None], mode='bicubic',
            align_corners=False),
        lambda lib, X, G: lib.nn.functional.grid_sample(
            X[:1, :, None], lib.cat([G, G[..., :1]], -1)[:1], align_corners=False),
    ]
    for fn in cases:
        with pytest.raises(Exception) as te:
            fn(torch, torch.tensor(x), torch.tensor(g))
        with pytest.raises(type(te.value)) as ee:
            fn(ember, ember.tensor(x, device=device), ember.tensor(g, device=device))
        assert str(ee.value) == str(te.value)


def test_grid_sample_align_corners_none_warns(device):
    x = ember.randn(1, 1, 3, 3, device=device)
    g = ember.zeros(1, 2, 2, 2, device=device)
    with pytest.warns(UserWarning, match='Default grid_sample and affine_grid behavior'):
        F.grid_sample(x, g)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        F.grid_sample(x, g, align_corners=False)


# ---------------------------------------------------------------- affine_grid

@needs_torch
@pytest.mark.parametrize('size', [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 7, 1), (2, 3, 2, 3, 4),
                                  (1, 2, 1, 5, 3)])
@pytest.mark.parametrize('align', [False, True])
def test_affine_grid_matches_torch(size, align, device):
    rng = np.random.default_rng(0)
    nd = len(size) - 2
    theta = rng.standard_normal((size[0], nd, nd + 1))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda lib, t: lib.nn.functional.affine_grid(t, size, align), theta,
                device=device)
        compare(lambda lib, t: lib.nn.functional.affine_grid(t, size, align),
                theta.astype(np.float32), device=device)


def test_affine_grid_gradcheck(device):
    t = ember.tensor(np.random.randn(2, 2, 3), requires_grad=True, device=device)
    assert gradcheck(lambda a: F.affine_grid(a, (2, 1, 3, 4), align_corners=False), (t,))
    t3 = ember.tensor(np.random.randn(1, 3, 4), requires_grad=True, device=device)
    assert gradcheck(lambda a: F.affine_grid(a, (1, 1, 2, 3, 2), align_corners=True), (t3,))


@needs_torch
def test_affine_grid_warnings_and_errors_match_torch(device):
    th = np.random.randn(2, 2, 3).astype(np.float32)
    with pytest.warns(UserWarning, match='Default grid_sample and affine_grid behavior'):
        F.affine_grid(ember.tensor(th, device=device), (2, 3, 4, 5))
    with pytest.warns(UserWarning, match='unit-size grids'):
        F.affine_grid(ember.tensor(th, device=device), (2, 3, 1, 5), align_corners=True)
    cases = [
        lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 0, 5), align_corners=False),
        lambda lib, t: lib.nn.functional.affine_grid(t.int(), (2, 3, 4, 5), align_corners=False),
        lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 4, 5, 6), align_corners=False),
        lambda lib, t: lib.nn.functional.affine_grid(t[:, :1], (2, 3, 4, 5), align_corners=False),
        lambda lib, t: lib.nn.functional.affine_grid(t, (2, 3, 4), align_corners=False),
        lambda lib, t: lib.nn.functional.affine_grid(t, (3, 3, 4, 5), align_corners=False),
    ]
    for fn in cases:
        with pytest.raises(Exception) as te:
            fn(torch, torch.tensor(th))
        with pytest.raises(type(te.value)) as ee:
            fn(ember, ember.tensor(th, device=device))
        assert str(ee.value) == str(te.value)


@needs_torch
def test_spatial_transformer_pipeline(device):
    """affine_grid -> grid_sample, gradients to the image and the affine parameters."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 2, 8, 8)).astype(np.float32)
    theta = (np.eye(2, 3)[None] + 0.2 * rng.standard_normal((3, 2, 3))).astype(np.float32)
    compare(lambda lib, a, t: lib.nn.functional.grid_sample(
        a, lib.nn.functional.affine_grid(t, (3, 2, 6, 7), align_corners=False),
        align_corners=False), x, theta, device=device, rtol=1e-4, atol=1e-4)
