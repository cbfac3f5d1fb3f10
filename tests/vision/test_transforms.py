"""ember.vision.transforms against hand-computed NumPy references and Pillow's own operations
(torchvision is not installable beside this torch), plus torchvision's reprs and error types."""
import math

import numpy as np
import pytest

pytest.importorskip('PIL')
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F
from ember.vision.transforms import InterpolationMode as IM


def rgb(h=10, w=12, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def chw(a, device, dtype=None):
    t = ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))).to(device)
    return t if dtype is None else t.to(dtype)


def arr(t):
    return t.detach().cpu().numpy()


# ------------------------------------------------------------------------------ conversions

def test_to_tensor(device):
    a = rgb()
    x = T.ToTensor()(Image.fromarray(a))
    assert x.dtype == ember.float32 and tuple(x.shape) == (3, 10, 12)
    np.testing.assert_array_equal(arr(x), a.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    g = T.ToTensor()(Image.fromarray(a[..., 0]))
    assert tuple(g.shape) == (1, 10, 12)
    x2 = T.ToTensor()(a)                                   # HWC ndarray
    np.testing.assert_array_equal(arr(x2), arr(x))
    f = np.random.default_rng(1).random((4, 5, 2))         # float ndarray keeps values and dtype
    xf = F.to_tensor(f)
    assert xf.dtype == ember.float64
    np.testing.assert_array_equal(arr(xf), f.transpose(2, 0, 1))
    i32 = F.to_tensor(Image.fromarray(np.arange(12, dtype=np.int32).reshape(3, 4)))
    assert i32.dtype == ember.int32 and arr(i32)[0, 2, 3] == 11
    b = F.to_tensor(Image.fromarray(a[..., 0]).convert('1'))
    assert set(np.unique(arr(b))) <= {0.0, 1.0}
    with pytest.raises(TypeError):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError):
        F.to_tensor(np.zeros((1, 2, 3, 4), np.uint8))


def test_pil_to_tensor_and_back(device):
    a = rgb()
    t = T.PILToTensor()(Image.fromarray(a))
    assert t.dtype == ember.uint8
    np.testing.assert_array_equal(arr(t), a.transpose(2, 0, 1))
    im = T.ToPILImage()(t.to(device))
    assert im.mode == 'RGB'
    np.testing.assert_array_equal(np.asarray(im), a)
    f = ember.from_numpy(a.transpose(2, 0, 1).astype(np.float32) / 255).to(device)
    im2 = F.to_pil_image(f)
    # float -> uint8 is mul(255) then truncation, as torch's .byte()
    np.testing.assert_array_equal(np.asarray(im2), (a.astype(np.float32) / 255 * 255).astype(np.uint8))
    gray = F.to_pil_image(ember.from_numpy(a[..., 0]).to(device))
    assert gray.mode == 'L'
    assert F.to_pil_image(np.zeros((3, 4, 4), np.uint8)).mode == 'RGBA'
    assert F.to_pil_image(np.zeros((3, 4), np.float32), mode='F').mode == 'F'
    with pytest.raises(ValueError):
        F.to_pil_image(ember.zeros(5, 4, 4))
    with pytest.raises(ValueError):
        F.to_pil_image(ember.zeros(1, 4, 4, dtype=ember.uint8), mode='RGB')
    assert repr(T.ToPILImage()) == 'ToPILImage()' and repr(T.ToPILImage('L')) == 'ToPILImage(mode=L)'


def test_convert_image_dtype(device):
    u = chw(rgb(), device)
    f = T.ConvertImageDtype(ember.float32)(u)
    np.testing.assert_allclose(arr(f), arr(u) / np.float32(255), rtol=1e-6)
    back = F.convert_image_dtype(f, ember.uint8)
    np.testing.assert_array_equal(arr(back), (arr(f) * (255 + 1 - 1e-3)).astype(np.uint8))
    np.testing.assert_array_equal(arr(back), arr(u))
    i16 = F.convert_image_dtype(u, ember.int16)          # 8 -> 15 bits: times 128
    np.testing.assert_array_equal(arr(i16), arr(u).astype(np.int16) * 128)
    np.testing.assert_array_equal(arr(F.convert_image_dtype(i16, ember.uint8)), arr(u))
    with pytest.raises(RuntimeError, match='cannot be performed safely'):
        F.convert_image_dtype(f, ember.int32)
    assert repr(T.ConvertImageDtype(ember.float32)) == 'ConvertImageDtype()'


def test_normalize(device):
    x = ember.from_numpy(np.random.default_rng(0).random((3, 4, 5)).astype(np.float32)).to(device)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    y = T.Normalize(mean, std)(x)
    ref = (arr(x) - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(arr(y), ref, rtol=1e-6)
    assert y.dtype == ember.float32 and y is not x
    z = x.clone()
    out = F.normalize(z, mean, std, inplace=True)
    assert out is z
    np.testing.assert_allclose(arr(z), ref, rtol=1e-6)
    b = F.normalize(x[None].expand(2, 3, 4, 5), mean, std)   # batched, broadcast input
    np.testing.assert_allclose(arr(b)[1], ref, rtol=1e-6)
    with pytest.raises(TypeError, match='float tensor'):
        F.normalize(chw(rgb(), device), mean, std)
    with pytest.raises(ValueError, match='std evaluated to zero'):
        F.normalize(x, mean, (1.0, 0.0, 1.0))
    with pytest.raises(ValueError):
        F.normalize(x[0], mean, std)
    with pytest.raises(TypeError):
        T.Normalize(mean, std)(Image.fromarray(rgb()))
    assert repr(T.Normalize((0.5,), (0.5,))) == 'Normalize(mean=(0.5,), std=(0.5,))'


# ------------------------------------------------------------------------------ geometry

@pytest.mark.parametrize('size', [(5, 7), (23, 17), (10, 5), (4, 12)])
@pytest.mark.parametrize('mode,pil', [(IM.BILINEAR, Image.BILINEAR), (IM.BICUBIC, Image.BICUBIC),
                                      (IM.NEAREST_EXACT, Image.NEAREST)])
def test_resize_tensor_matches_pil(size, mode, pil, device):
    a = rgb()
    out = F.resize(chw(a, device), list(size), interpolation=mode)
    assert out.dtype == ember.uint8 and tuple(out.shape) == (3,) + size
    ref = np.asarray(Image.fromarray(a).resize(size[::-1], pil)).astype(int)
    assert np.abs(arr(out).transpose(1, 2, 0).astype(int) - ref).max() <= 1   # PIL rounds in fixed point


def test_resize_pil_and_sizes(device):
    a = rgb(10, 20)
    im = Image.fromarray(a)
    r = T.Resize(5)(im)                    # smaller edge -> 5, aspect kept: (w, h) = (10, 5)
    assert r.size == (10, 5)
    np.testing.assert_array_equal(np.asarray(r), np.asarray(im.resize((10, 5), Image.BILINEAR)))
    assert T.Resize((4, 6))(im).size == (6, 4)
    assert T.Resize(8, max_size=12)(im).size == (12, 6)
    t = chw(a, device)
    assert tuple(T.Resize(5)(t).shape) == (3, 5, 10)
    assert T.Resize([10])(t) is t                         # same size: returned as is
    # float tensors: the same filter without rounding (uint8 rounds between its two passes)
    f = F.resize(t.float(), [5, 10])
    np.testing.assert_allclose(arr(f), arr(F.resize(t, [5, 10])), atol=1.0)
    # torch's nearest (floor(i * scale)) for tensors
    n = F.resize(t, [5, 7], interpolation=IM.NEAREST)
    rows = np.floor(np.arange(5) * 10 / 5).astype(int)
    cols = np.floor(np.arange(7) * 20 / 7).astype(int)
    np.testing.assert_array_equal(arr(n), arr(t)[:, rows][:, :, cols])
    with pytest.raises(TypeError):
        T.Resize(2.5)
    with pytest.raises(ValueError):
        T.Resize((1, 2, 3))
    assert repr(T.Resize(256)) == 'Resize(size=256, interpolation=bilinear, max_size=None, antialias=True)'


def test_crops(device):
    a = rgb(10, 12)
    t = chw(a, device)
    im = Image.fromarray(a)
    np.testing.assert_array_equal(arr(F.crop(t, 2, 3, 4, 5)), a[2:6, 3:8].transpose(2, 0, 1))
    np.testing.assert_array_equal(np.asarray(F.crop(im, 2, 3, 4, 5)), a[2:6, 3:8])
    o = arr(F.crop(t, -1, 10, 3, 4))                       # out of bounds -> zeros
    ref = np.zeros((3, 3, 4), np.uint8)
    ref[:, 1:, :2] = a[0:2, 10:12].transpose(2, 0, 1)
    np.testing.assert_array_equal(o, ref)
    c = T.CenterCrop(4)(t)                                 # top = round(3.0) = 3, left = round(4.0) = 4
    np.testing.assert_array_equal(arr(c), a[3:7, 4:8].transpose(2, 0, 1))
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((4, 5))(im)), a[3:7, 4:9])
    big = arr(T.CenterCrop((12, 13))(t))                   # larger than the image: zero-padded
    assert big.shape == (3, 12, 13)
    np.testing.assert_array_equal(big[:, 1:11, 0:12], a.transpose(2, 0, 1))
    assert repr(T.CenterCrop(4)) == 'CenterCrop(size=(4, 4))'


def test_pad(device):
    a = rgb(4, 5)
    t = chw(a, device)
    for mode in ('constant', 'edge', 'reflect', 'symmetric'):
        ref = np.pad(a, ((2, 4), (1, 3), (0, 0)), mode=mode)
        np.testing.assert_array_equal(arr(F.pad(t, [1, 2, 3, 4], padding_mode=mode)), ref.transpose(2, 0, 1))
        np.testing.assert_array_equal(np.asarray(F.pad(Image.fromarray(a), [1, 2, 3, 4], padding_mode=mode)), ref)
    p = arr(T.Pad(1, fill=(1, 2, 3))(t))
    assert p.shape == (3, 6, 7) and list(p[:, 0, 0]) == [1, 2, 3]
    assert np.asarray(T.Pad((1, 2), fill=7)(Image.fromarray(a))).shape == (8, 7, 3)
    np.testing.assert_array_equal(arr(F.pad(t, [-1, 0, 0, -1])), a[:3, 1:].transpose(2, 0, 1))
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode='wrap')
    with pytest.raises(ValueError):
        T.Pad((1, 2, 3))
    assert repr(T.Pad(2)) == 'Pad(padding=2, fill=0, padding_mode=constant)'


def test_flips(device):
    a = rgb()
    t = chw(a, device)
    np.testing.assert_array_equal(arr(F.hflip(t)), a[:, ::-1].transpose(2, 0, 1))
    np.testing.assert_array_equal(arr(F.vflip(t)), a[::-1].transpose(2, 0, 1))
    np.testing.assert_array_equal(np.asarray(F.hflip(Image.fromarray(a))), a[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(Image.fromarray(a))), a[::-1])
    assert arr(T.RandomHorizontalFlip(p=1.0)(t)).tolist() == arr(F.hflip(t)).tolist()
    assert T.RandomVerticalFlip(p=0.0)(t) is t
    ember.manual_seed(0)
    outs = [bool((arr(T.RandomHorizontalFlip()(t)) != arr(t)).any()) for _ in range(40)]
    assert 5 < sum(outs) < 35
    assert repr(T.RandomHorizontalFlip()) == 'RandomHorizontalFlip(p=0.5)'


def test_rotate(device):
    a = rgb(10, 10)
    t = chw(a, device)
    np.testing.assert_array_equal(arr(F.rotate(t, 90)), np.rot90(a).transpose(2, 0, 1))   # counter-clockwise
    np.testing.assert_array_equal(np.asarray(F.rotate(Image.fromarray(a), 90)), np.rot90(a))
    for ang in (30, -10, 180):
        ours = arr(F.rotate(t, ang)).transpose(1, 2, 0)
        pil = np.asarray(Image.fromarray(a).rotate(ang, Image.NEAREST))
        assert (ours != pil).any(-1).mean() < 0.03
    e = F.rotate(t, 30, expand=True)
    assert tuple(e.shape[-2:]) == Image.fromarray(a).rotate(30, expand=True).size[::-1]
    filled = arr(F.rotate(t.float(), 45, fill=[9.0, 9.0, 9.0]))
    assert (filled[:, 0, 0] == 9.0).all()
    b = arr(F.rotate(t.float(), 30, interpolation=IM.BILINEAR))
    assert b.shape == (3, 10, 10) and np.isfinite(b).all()
    ember.manual_seed(3)
    r = T.RandomRotation(20)
    assert r.degrees == [-20.0, 20.0]
    out = r(Image.fromarray(a))
    assert out.size == (10, 10)
    with pytest.raises(ValueError):
        T.RandomRotation(-1)
    assert repr(r) == 'RandomRotation(degrees=[-20.0, 20.0], interpolation=nearest, expand=False, fill=0)'


def test_random_crop(device):
    a = rgb(10, 12)
    t = chw(a, device)
    ember.manual_seed(0)
    seen = set()
    for _ in range(20):
        c = arr(T.RandomCrop(4)(t))
        hits = [(i, j) for i in range(7) for j in range(9)
                if (a[i:i + 4, j:j + 4].transpose(2, 0, 1) == c).all()]
        assert hits
        seen.add(hits[0])
    assert len(seen) > 5
    # reproducible under the same seed, and through a PIL image as well
    ember.manual_seed(7)
    p1 = np.asarray(T.RandomCrop((3, 5), padding=2)(Image.fromarray(a)))
    ember.manual_seed(7)
    p2 = arr(T.RandomCrop((3, 5), padding=2)(t)).transpose(1, 2, 0)
    np.testing.assert_array_equal(p1, p2)
    assert tuple(T.RandomCrop(16, pad_if_needed=True)(t).shape) == (3, 16, 16)
    with pytest.raises(ValueError, match='larger than input image size'):
        T.RandomCrop(16)(t)
    assert T.RandomCrop((10, 12))(t).shape == t.shape
    assert repr(T.RandomCrop(32, padding=4)) == 'RandomCrop(size=(32, 32), padding=4)'


def test_random_resized_crop(device):
    a = rgb(20, 30)
    t = chw(a, device)
    ember.manual_seed(0)
    for _ in range(5):
        i, j, h, w = T.RandomResizedCrop.get_params(t, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i <= 20 - h and 0 <= j <= 30 - w and h > 0 and w > 0
        assert 0.08 * 600 * 0.5 <= h * w <= 600
    out = T.RandomResizedCrop(8)(Image.fromarray(a))
    assert out.size == (8, 8)
    assert tuple(T.RandomResizedCrop((6, 9))(t).shape) == (3, 6, 9)
    # no valid draw in 10 tries -> central crop with the ratio clamped
    assert T.RandomResizedCrop.get_params(t, (2.0, 2.0), (1.0, 1.0)) == (0, 5, 20, 20)
    assert repr(T.RandomResizedCrop(224)) == ('RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), '
                                              'ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)')


# ------------------------------------------------------------------------------ colour

def _gray(a):
    return 0.2989 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


def test_grayscale(device):
    a = rgb()
    t = chw(a, device)
    g = T.Grayscale()(t)
    assert tuple(g.shape) == (1, 10, 12) and g.dtype == ember.uint8
    np.testing.assert_array_equal(arr(g)[0], _gray(a.astype(np.float32)).astype(np.uint8))
    g3 = arr(T.Grayscale(3)(t.float() / 255))
    np.testing.assert_allclose(g3[2], _gray(a.astype(np.float32) / 255), rtol=1e-5)
    pg = T.Grayscale(3)(Image.fromarray(a))
    assert pg.mode == 'RGB'
    assert np.abs(np.asarray(pg)[..., 0].astype(int) - np.asarray(Image.fromarray(a).convert('L'))).max() == 0
    assert arr(T.RandomGrayscale(p=1.0)(t)).shape == (3, 10, 12)
    with pytest.raises(ValueError):
        F.rgb_to_grayscale(t, 2)
    assert repr(T.Grayscale()) == 'Grayscale(num_output_channels=1)'
    assert repr(T.RandomGrayscale()) == 'RandomGrayscale(p=0.1)'


def test_color_adjustments(device):
    a = rgb()
    t = chw(a, device)
    x = t.float() / 255
    xa = arr(x)
    np.testing.assert_allclose(arr(F.adjust_brightness(x, 1.5)), np.clip(xa * 1.5, 0, 1), rtol=1e-5)
    m = _gray(xa.transpose(1, 2, 0)).mean()
    np.testing.assert_allclose(arr(F.adjust_contrast(x, 0.3)), np.clip(0.3 * xa + 0.7 * m, 0, 1), rtol=1e-4)
    g = _gray(xa.transpose(1, 2, 0))[None]
    np.testing.assert_allclose(arr(F.adjust_saturation(x, 0.0)), np.broadcast_to(g, xa.shape), rtol=1e-4, atol=1e-6)
    # uint8 tensors agree with Pillow's ImageEnhance within rounding
    im = Image.fromarray(a)
    for fn, f in ((F.adjust_brightness, 1.3), (F.adjust_contrast, 0.6), (F.adjust_saturation, 0.5)):
        d = np.abs(arr(fn(t, f)).transpose(1, 2, 0).astype(int) - np.asarray(fn(im, f)).astype(int))
        assert d.max() <= 1
    h = arr(F.adjust_hue(x, 0.0))
    np.testing.assert_allclose(h, xa, atol=1e-5)
    import colorsys
    hx = arr(F.adjust_hue(x, 0.25))
    px = xa[:, 3, 4]
    hh, ss, vv = colorsys.rgb_to_hsv(*px)
    np.testing.assert_allclose(hx[:, 3, 4], colorsys.hsv_to_rgb((hh + 0.25) % 1.0, ss, vv), atol=1e-5)
    ph = np.asarray(F.adjust_hue(im, 0.25)).astype(int)
    assert np.abs(ph - arr(F.adjust_hue(t, 0.25)).transpose(1, 2, 0)).mean() < 3
    with pytest.raises(ValueError):
        F.adjust_hue(x, 0.7)
    with pytest.raises(ValueError):
        F.adjust_brightness(x, -1)


def test_color_jitter(device):
    cj = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
    assert cj.brightness == (0.6, 1.4) and cj.hue == (-0.1, 0.1)
    assert T.ColorJitter(brightness=0).brightness is None
    x = ember.from_numpy(np.random.default_rng(0).random((3, 6, 7)).astype(np.float32)).to(device)
    ember.manual_seed(0)
    y1 = arr(cj(x))
    ember.manual_seed(0)
    y2 = arr(cj(x))
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(y1, arr(x))
    assert cj(Image.fromarray(rgb())).mode == 'RGB'
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.6)
    with pytest.raises(ValueError):
        T.ColorJitter(brightness=-1)
    assert repr(cj) == 'ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), hue=(-0.1, 0.1))'


# ------------------------------------------------------------------------------ blur, erasing

def test_gaussian_blur(device):
    a = rgb(8, 9).astype(np.float32) / 255
    x = chw(a, device)
    k, s = 5, 1.3
    xs = np.linspace(-2, 2, 5)
    k1 = np.exp(-0.5 * (xs / s) ** 2)
    k1 /= k1.sum()
    pad = np.pad(a, ((2, 2), (2, 2), (0, 0)), mode='reflect')
    ref = np.zeros_like(a)
    for dy in range(5):
        for dx in range(5):
            ref += k1[dy] * k1[dx] * pad[dy:dy + 8, dx:dx + 9]
    np.testing.assert_allclose(arr(F.gaussian_blur(x, [k, k], [s, s])).transpose(1, 2, 0), ref, atol=1e-5)
    u = F.gaussian_blur(chw(rgb(8, 9), device), 3)
    assert u.dtype == ember.uint8
    assert F.gaussian_blur(Image.fromarray(rgb(8, 9)), 3).size == (9, 8)
    ember.manual_seed(0)
    gb = T.GaussianBlur(3, sigma=(0.1, 2.0))
    assert tuple(gb(x).shape) == (3, 8, 9)
    with pytest.raises(ValueError):
        T.GaussianBlur(4)
    with pytest.raises(ValueError):
        T.GaussianBlur(3, sigma=0)
    assert repr(T.GaussianBlur(3)) == 'GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))'


def test_random_erasing(device):
    x = ember.ones(3, 20, 20).to(device)
    ember.manual_seed(0)
    y = arr(T.RandomErasing(p=1.0, value=0)(x))
    zero = (y == 0).all(0)
    rows, cols = np.where(zero)
    assert zero.sum() > 0 and zero.sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)   # one rectangle
    assert (arr(x) == 1).all()                                                      # not in place
    z = x.clone()
    T.RandomErasing(p=1.0, value=(2, 3, 4), inplace=True)(z)
    assert set(np.unique(arr(z)[1])) == {1.0, 3.0}
    r = arr(T.RandomErasing(p=1.0, value='random')(x))
    assert (r != 1).sum() > 0
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(ValueError):
        T.RandomErasing(value='noise')
    with pytest.raises(ValueError):
        T.RandomErasing(p=1.0, value=(1, 2))(x)
    assert repr(T.RandomErasing()) == 'RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False)'


# ------------------------------------------------------------------------------ containers

def test_containers_and_reprs(device):
    c = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    assert repr(c) == 'Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)'
    lam = T.Lambda(lambda v: v + 1)
    assert lam(1) == 2 and repr(lam) == 'Lambda()'
    with pytest.raises(TypeError):
        T.Lambda(3)
    ra = T.RandomApply([lam], p=1.0)
    assert ra(1) == 2 and T.RandomApply([lam], p=0.0)(1) == 1
    assert repr(ra) == 'RandomApply(\n    p=1.0\n    Lambda()\n)'
    ember.manual_seed(0)
    picks = {T.RandomChoice([T.Lambda(lambda v: 'a'), T.Lambda(lambda v: 'b')])(0) for _ in range(30)}
    assert picks == {'a', 'b'}
    assert T.RandomChoice([T.Lambda(lambda v: 'a'), T.Lambda(lambda v: 'b')], p=[0, 1])(0) == 'b'
    orders = {T.RandomOrder([T.Lambda(lambda v: v + 'x'), T.Lambda(lambda v: v + 'y')])('') for _ in range(30)}
    assert orders == {'xy', 'yx'}
    with pytest.raises(TypeError):
        T.RandomOrder(3)
    x = ember.rand(3, 8, 8).to(device)
    pipe = T.Compose([T.RandomCrop(6, padding=1), T.RandomHorizontalFlip(), T.Normalize((0.5,) * 3, (0.2,) * 3)])
    ember.manual_seed(11)
    o1 = arr(pipe(x))
    ember.manual_seed(11)
    np.testing.assert_array_equal(o1, arr(pipe(x)))


def test_image_folder_style_pipeline_on_pil(device):
    im = Image.fromarray(rgb(40, 50))
    pipe = T.Compose([T.Resize(32), T.CenterCrop(28), T.RandomRotation(10), T.ColorJitter(0.2, 0.2),
                      T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)), T.RandomErasing()])
    ember.manual_seed(0)
    out = pipe(im)
    assert tuple(out.shape) == (3, 28, 28) and out.dtype == ember.float32
    assert float(out.min()) >= -1.0 and float(out.max()) <= 1.0


def test_make_grid_and_save_image(tmp_path, device):
    from ember.vision.utils import make_grid, save_image
    x = ember.from_numpy(np.random.default_rng(0).random((5, 1, 4, 3)).astype(np.float32)).to(device)
    g = arr(make_grid(x, nrow=2, padding=1, pad_value=0.5))
    assert g.shape == (3, 3 * 5 + 1, 2 * 4 + 1)       # 3 rows x 2 cols of (4+1)x(3+1) cells
    np.testing.assert_array_equal(g[1, 1 + 5 * 2:1 + 5 * 2 + 4, 1:4], arr(x)[4, 0])   # 5th image: row 2, col 0
    assert g[0, 0, 0] == 0.5
    save_image(x, tmp_path / 'g.png', nrow=2)
    assert Image.open(tmp_path / 'g.png').size == (2 * 5 + 2, 3 * 6 + 2)


# --------------------------------------------------- affine, perspective, five/ten crop (issue 5)

def _tv_grid_sample(torch, img, grid, mode, fill):
    """torchvision's ``_apply_grid_transform`` (transforms/_functional_tensor.py) in real torch."""
    out_dtype = img.dtype
    x = img[None].to(grid.dtype)
    if fill is not None:
        x = torch.cat((x, torch.ones_like(x[:, :1])), 1)
    x = torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode='zeros', align_corners=False)
    if fill is not None:
        mask = x[:, -1:].expand_as(x[:, :-1])
        x = x[:, :-1]
        f = torch.tensor(fill, dtype=x.dtype).view(1, -1, 1, 1).expand_as(x)
        if mode == 'nearest':
            x = torch.where(mask < 0.5, f, x)
        else:
            x = x * mask + (1.0 - mask) * f
    x = x[0]
    if not out_dtype.is_floating_point:
        x = torch.round(x)
    return x.to(out_dtype)


def _tv_affine_matrix(center, angle, translate, scale, shear):
    """torchvision's ``_get_inverse_affine_matrix`` (written out here, independently)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    cx, cy = center
    tx, ty = translate
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _tv_affine_tensor(torch, img, angle, translate, scale, shear, mode, fill):
    h, w = img.shape[-2:]
    theta = torch.tensor(_tv_affine_matrix([0.0, 0.0], angle, translate, scale, shear),
                         dtype=torch.float64).reshape(1, 2, 3)
    base = torch.empty(1, h, w, 3, dtype=torch.float64)
    base[..., 0] = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w, dtype=torch.float64)
    base[..., 1] = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h, dtype=torch.float64)[:, None]
    base[..., 2] = 1
    grid = base.view(1, h * w, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h],
                                                                          dtype=torch.float64))
    return _tv_grid_sample(torch, img, grid.view(1, h, w, 2), mode, fill)


@pytest.mark.parametrize('mode', ['nearest', 'bilinear'])
@pytest.mark.parametrize('dtype', ['float32', 'uint8'])
def test_affine_tensor_matches_torch_grid_sample(mode, dtype, device):
    torch = pytest.importorskip('torch')
    a = rgb(11, 13, seed=2)        # odd sizes: a quarter turn hits no rounding ties
    t = chw(a, device)
    if dtype == 'float32':
        t = t.float() / 255
    ref_in = torch.from_numpy(arr(t).copy())
    for angle, tr, sc, sh, fill in [(30.0, [2, -1], 1.2, [10.0, 0.0], None),
                                    (-17.0, [0, 3], 0.8, [4.0, -6.0], [1.0, 2.0, 3.0]),
                                    (90.0, [0, 0], 1.0, [0.0, 0.0], [0.5, 0.5, 0.5])]:
        ours = arr(F.affine(t, angle, tr, sc, sh, interpolation=IM(mode), fill=fill))
        ref = _tv_affine_tensor(torch, ref_in, angle, tr, sc, sh, mode, fill).numpy()
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        if mode == 'nearest':
            assert (np.abs(ours.astype(np.float64) - ref) > 1e-5).any(0).mean() < 0.01
        else:
            np.testing.assert_allclose(ours.astype(np.float64), ref, atol=1.0 if dtype == 'uint8' else 1e-4)


def test_affine_known_maps_pil_and_tensor(device):
    a = rgb(10, 10, seed=3)
    t = chw(a, device)
    pil = Image.fromarray(a)
    # clockwise angle: -90 is a counter-clockwise quarter turn
    np.testing.assert_array_equal(arr(F.affine(t, -90, [0, 0], 1.0, 0.0)), np.rot90(a).transpose(2, 0, 1))
    np.testing.assert_array_equal(np.asarray(F.affine(pil, -90, [0, 0], 1.0, 0.0)), np.rot90(a))
    np.testing.assert_array_equal(np.asarray(F.affine(pil, 90, [0, 0], 1.0, 0.0)), np.rot90(a, -1))
    # a pure integer translation moves pixels and fills the gap
    sh = arr(F.affine(t, 0, [2, 1], 1.0, [0.0, 0.0], fill=[7.0, 7.0, 7.0]))
    np.testing.assert_array_equal(sh[:, 1:, 2:], a.transpose(2, 0, 1)[:, :-1, :-2])
    assert (sh[:, 0] == 7).all() and (sh[:, :, :2] == 7).all()
    sp = np.asarray(F.affine(pil, 0, [2, 1], 1.0, 0, fill=7))
    np.testing.assert_array_equal(sp[1:, 2:], a[:-1, :-2])
    assert (sp[0] == 7).all()
    # PIL and tensor paths agree (nearest) on a general map
    ours_t = arr(F.affine(t, 25.0, [1, -2], 1.1, [5.0, 3.0])).transpose(1, 2, 0)
    ours_p = np.asarray(F.affine(pil, 25.0, [1, -2], 1.1, [5.0, 3.0]))
    assert (ours_t != ours_p).any(-1).mean() < 0.05
    # a centre (x, y) other than the image centre stays fixed (origin: the top-left corner, so
    # pixel (0, 0) is centred at (0.5, 0.5))
    c = arr(F.affine(t, 90, [0, 0], 1.0, 0.0, center=[0.5, 0.5]))
    np.testing.assert_array_equal(c[:, 0, 0], a[0, 0])
    np.testing.assert_array_equal(c[:, 0, 1:], 0)            # the rest of row 0 swung outside
    cp = np.asarray(F.affine(pil, 90, [0, 0], 1.0, 0.0, center=[0.5, 0.5]))
    np.testing.assert_array_equal(cp, c.transpose(1, 2, 0))
    with pytest.raises(TypeError, match='Argument angle should be int or float'):
        F.affine(t, '1', [0, 0], 1.0, 0.0)
    with pytest.raises(ValueError, match='Argument translate should be a sequence of length 2'):
        F.affine(t, 1, [0], 1.0, 0.0)
    with pytest.raises(ValueError, match='Argument scale should be positive'):
        F.affine(t, 1, [0, 0], 0.0, 0.0)
    with pytest.raises(ValueError, match='Shear should be a sequence containing two values'):
        F.affine(t, 1, [0, 0], 1.0, [1, 2, 3])
    with pytest.raises(TypeError, match="Unexpected type <class 'numpy.ndarray'>"):
        F.affine(a, 1, [0, 0], 1.0, 0.0)


def test_random_affine(device):
    ra = T.RandomAffine(degrees=15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3))
    assert ra.degrees == [-15.0, 15.0] and ra.shear == [-5.0, 5.0, -3.0, 3.0]
    assert repr(ra) == ('RandomAffine(degrees=[-15.0, 15.0], translate=(0.1, 0.2), scale=(0.8, 1.2), '
                        'shear=[-5.0, 5.0, -3.0, 3.0])')
    assert repr(T.RandomAffine(0, interpolation=IM.BILINEAR, fill=3, center=(1, 2))) == \
        'RandomAffine(degrees=[0.0, 0.0], interpolation=bilinear, fill=3, center=(1, 2))'
    # parameters drawn from ember's RNG in torchvision's order: angle, tx, ty, scale, shear x, y
    ember.manual_seed(5)
    got = ra.get_params(ra.degrees, ra.translate, ra.scale, ra.shear, [40, 30])
    ember.manual_seed(5)
    u = lambda lo, hi: float(ember.empty(1).uniform_(lo, hi).item())
    exp_angle = u(-15.0, 15.0)
    exp_t = (int(round(u(-4.0, 4.0))), int(round(u(-6.0, 6.0))))
    exp = (exp_angle, exp_t, u(0.8, 1.2), (u(-5.0, 5.0), u(-3.0, 3.0)))
    assert got[1] == exp[1]
    np.testing.assert_allclose([got[0], got[2], *got[3]], [exp[0], exp[2], *exp[3]], rtol=1e-6)
    assert -15 <= got[0] <= 15 and abs(got[1][0]) <= 4 and abs(got[1][1]) <= 6 and 0.8 <= got[2] <= 1.2
    # seeded: the same transform on tensor and PIL, reproducible
    a = rgb(16, 16, seed=4)
    ember.manual_seed(9)
    x1 = arr(ra(chw(a, device)))
    ember.manual_seed(9)
    x2 = arr(ra(chw(a, device)))
    np.testing.assert_array_equal(x1, x2)
    ember.manual_seed(9)
    p = np.asarray(ra(Image.fromarray(a)))
    assert p.shape == (16, 16, 3) and (p != x1.transpose(1, 2, 0)).any(-1).mean() < 0.1
    with pytest.raises(ValueError, match='translation values should be between 0 and 1'):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match='scale values should be positive'):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match='shear should be a sequence of length'):
        T.RandomAffine(0, shear=(1, 2, 3))
    with pytest.raises(TypeError, match='Fill should be either a sequence or a number'):
        T.RandomAffine(0, fill={'x': 1})


def _tv_perspective_coeffs(torch, startpoints, endpoints):
    a = torch.zeros(8, 8, dtype=torch.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = torch.tensor([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]])
        a[2 * i + 1] = torch.tensor([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])
    b = torch.tensor(startpoints, dtype=torch.float64).view(8)
    return torch.linalg.lstsq(a, b, driver='gels').solution.to(torch.float32).tolist()


@pytest.mark.parametrize('mode', ['nearest', 'bilinear'])
def test_perspective_matches_torch(mode, device):
    torch = pytest.importorskip('torch')
    a = rgb(12, 15, seed=6)
    t = chw(a, device).float()
    start = [[0, 0], [14, 0], [14, 11], [0, 11]]
    end = [[2, 1], [13, 3], [12, 10], [1, 9]]
    c = _tv_perspective_coeffs(torch, start, end)
    np.testing.assert_allclose(F._get_perspective_coeffs(start, end), c, rtol=1e-5, atol=1e-6)
    h, w = 12, 15
    base = torch.empty(1, h, w, 3)
    base[..., 0] = torch.linspace(0.5, w - 0.5, w)
    base[..., 1] = torch.linspace(0.5, h - 0.5, h)[:, None]
    base[..., 2] = 1
    th1 = torch.tensor([[c[0], c[1], c[2]], [c[3], c[4], c[5]]])[None]
    th2 = torch.tensor([[c[6], c[7], 1.0], [c[6], c[7], 1.0]])[None]
    g = base.view(1, -1, 3).bmm(th1.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h])) / \
        base.view(1, -1, 3).bmm(th2.transpose(1, 2)) - 1.0
    for fill in (None, [5.0, 6.0, 7.0]):
        ref = _tv_grid_sample(torch, torch.from_numpy(arr(t).copy()), g.view(1, h, w, 2), mode, fill).numpy()
        ours = arr(F.perspective(t, start, end, IM(mode), fill))
        if mode == 'nearest':
            assert (np.abs(ours - ref) > 1e-3).any(0).mean() < 0.01
        else:
            np.testing.assert_allclose(ours, ref, atol=1e-2)
    # identity corners change nothing; PIL path agrees with the tensor one
    np.testing.assert_allclose(arr(F.perspective(t, start, start)), arr(t), atol=1e-4)
    pil = np.asarray(F.perspective(Image.fromarray(a), start, end, IM.NEAREST))
    ours = arr(F.perspective(chw(a, device), start, end, IM.NEAREST)).transpose(1, 2, 0)
    assert ours.dtype == np.uint8 and (pil != ours).any(-1).mean() < 0.1
    with pytest.raises(ValueError, match='Please provide exactly four corners'):
        F.perspective(t, start[:3], end)


def test_random_perspective(device):
    rp = T.RandomPerspective(distortion_scale=0.4, p=1.0)
    assert repr(rp) == 'RandomPerspective(p=1.0)'
    ember.manual_seed(0)
    s, e = rp.get_params(20, 10, 0.4)
    assert s == [[0, 0], [19, 0], [19, 9], [0, 9]]
    dw, dh = int(0.4 * 10), int(0.4 * 5)
    assert 0 <= e[0][0] <= dw and 0 <= e[0][1] <= dh and 19 - dw <= e[1][0] <= 19
    assert 9 - dh <= e[2][1] <= 9 and 0 <= e[3][0] <= dw
    a = rgb(10, 20)
    ember.manual_seed(1)
    out = rp(chw(a, device))
    assert tuple(out.shape) == (3, 10, 20) and out.dtype == ember.uint8
    assert (arr(out) != a.transpose(2, 0, 1)).any()
    assert rp(Image.fromarray(a)).size == (20, 10)
    t = chw(a, device)
    assert T.RandomPerspective(p=0.0)(t) is t


def test_five_ten_crop(device):
    a = rgb(10, 12)
    t = chw(a, device)
    crops = F.five_crop(t, (4, 6))
    assert len(crops) == 5
    exp = [a[:4, :6], a[:4, 6:], a[6:, :6], a[6:, 6:], a[3:7, 3:9]]
    for c, e in zip(crops, exp):
        np.testing.assert_array_equal(arr(c), e.transpose(2, 0, 1))
    pil = F.five_crop(Image.fromarray(a), 4)
    for c, e in zip(pil, [a[:4, :4], a[:4, 8:], a[6:, :4], a[6:, 8:], a[3:7, 4:8]]):
        np.testing.assert_array_equal(np.asarray(c), e)
    ten = T.TenCrop(4)(t)
    assert len(ten) == 10
    np.testing.assert_array_equal(arr(ten[5]), a[:4, ::-1][:, :4].transpose(2, 0, 1))   # flipped tl
    ten_v = F.ten_crop(Image.fromarray(a), [4], vertical_flip=True)
    np.testing.assert_array_equal(np.asarray(ten_v[5]), a[::-1][:4, :4])
    assert repr(T.FiveCrop(3)) == 'FiveCrop(size=(3, 3))'
    assert repr(T.TenCrop((3, 4), vertical_flip=True)) == 'TenCrop(size=(3, 4), vertical_flip=True)'
    with pytest.raises(ValueError, match=r'Requested crop size \(11, 4\) is bigger than input size \(10, 12\)'):
        F.five_crop(t, (11, 4))
    with pytest.raises(ValueError, match='Please provide only two dimensions'):
        T.FiveCrop((1, 2, 3))
    # the usual ten-crop evaluation pipeline: stack the crops into a batch
    tf = T.Compose([T.TenCrop(4), T.Lambda(lambda cs: ember.stack([T.functional.to_tensor(c) for c in cs]))])
    assert tuple(tf(Image.fromarray(a)).shape) == (10, 3, 4, 4)
