"""Dropout family (train vs eval, p = 0 / 1, scaling, channel masks, in-place, gradients) and
Embedding (padding_idx, max_norm, from_pretrained, gradients, errors) against PyTorch."""
import numpy as np
import pytest

import ember
from tests.helpers import assert_same, compare, needs_torch, torch
from tests.nn.modcheck import check_module, pair, same_error

pytestmark = needs_torch
R = np.random.RandomState(0)


def f32(*s):
    return R.standard_normal(s).astype(np.float32)


@pytest.mark.parametrize('name,shape', [('Dropout', (50, 40)), ('Dropout1d', (20, 30, 8)),
                                        ('Dropout2d', (20, 30, 4, 4)),
                                        ('Dropout3d', (10, 30, 2, 3, 4)),
                                        ('Dropout2d', (30, 4, 4))])
@pytest.mark.parametrize('p', [0.2, 0.5])
@pytest.mark.filterwarnings('ignore:dropout2d')
def test_dropout_train(device, name, shape, p):
    m = getattr(ember.nn, name)(p)
    x = np.abs(f32(*shape)) + 1
    xe = ember.tensor(x, device=device, requires_grad=True)
    y = m(xe)
    assert y.dtype == ember.float32 and tuple(y.shape) == shape
    yn = y.detach().numpy()
    kept = yn != 0
    np.testing.assert_allclose(yn[kept], x[kept] / (1 - p), rtol=1e-6)
    draws = kept.size if name == 'Dropout' else shape[0] * shape[1]
    assert abs(1 - kept.mean() - p) < 4 * np.sqrt(p * (1 - p) / draws)
    if name != 'Dropout':     # whole channels are zeroed together
        ch = kept.reshape(shape[:2] + (-1,))     # 3-D input to Dropout2d is (N, C, L)
        assert (ch.all(-1) | ~ch.any(-1)).all()
    g = f32(*shape)
    (y * ember.tensor(g, device=device)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), np.where(kept, g / (1 - p), 0), rtol=1e-6)


@pytest.mark.parametrize('name', ['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d',
                                  'AlphaDropout', 'FeatureAlphaDropout'])
def test_dropout_eval_and_p0_identity(device, name):
    shape = (2, 3, 4) if name == 'Dropout1d' else (2, 3, 4, 5) if name != 'Dropout3d' \
        else (2, 3, 2, 3, 4)
    x = f32(*shape)
    check_module(lambda lib: getattr(lib.nn, name)(0.5), x, device=device, train=False)
    check_module(lambda lib: getattr(lib.nn, name)(0.0), x, device=device, train=True)
    for kw in ({}, {'p': 0.3, 'inplace': True}):
        assert repr(getattr(ember.nn, name)(**kw)) == repr(getattr(torch.nn, name)(**kw))


def test_dropout_p1_and_inplace(device):
    x = f32(4, 5)
    xe = ember.tensor(x, device=device, requires_grad=True)
    y = ember.nn.functional.dropout(xe, 1.0)
    assert (y.detach().numpy() == 0).all()
    y.sum().backward()
    assert (xe.grad.numpy() == 0).all()
    a = ember.tensor(np.abs(x) + 1, device=device)
    b = ember.nn.functional.dropout(a, 0.5, inplace=True)
    assert b is a and ((a.numpy() == 0) | (a.numpy() > 1)).all()
    xe = ember.tensor(x, device=device, requires_grad=True)
    h = xe * 1
    out = ember.nn.Dropout(0.5, inplace=True)(h)
    assert out is h
    out.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), (h.detach().numpy() != 0) * 2.0)


def test_feature_dropout_unbatched_and_warnings(device):
    for name, shape in (('dropout1d', (30, 5)), ('dropout3d', (30, 2, 2, 2))):
        x = ember.ones(*shape, device=device)
        y = getattr(ember.nn.functional, name)(x, 0.5).numpy().reshape(30, -1)
        assert ((y == 0).all(-1) | (y == 2).all(-1)).all()
    with pytest.warns(UserWarning, match='Received a 3D input to dropout2d'):
        ember.nn.functional.dropout2d(ember.ones(2, 3, 4))
    with pytest.warns(UserWarning, match='Received a 2-D input to dropout2d'):
        ember.nn.functional.dropout2d(ember.ones(2, 3))
    same_error(lambda lib: lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5)))
    y = ember.nn.functional.feature_alpha_dropout(ember.ones(50, 6, 4), 0.5, True).numpy()
    assert (y == y[..., :1]).all()       # whole channels share the draw


def test_dropout_errors():
    for name in ('Dropout', 'Dropout2d', 'AlphaDropout'):
        same_error(lambda lib: getattr(lib.nn, name)(1.5))
    same_error(lambda lib: lib.nn.functional.dropout(lib.ones(2), -0.1))


def test_alpha_dropout_statistics(device):
    x = ember.tensor(np.random.RandomState(0).standard_normal(200000).astype(np.float32),
                     device=device)
    y = ember.nn.functional.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert y.dtype == np.float32


def test_dropout_seeded_reproducible(device):
    x = ember.ones(100, device=device)
    ember.manual_seed(3)
    a = ember.nn.functional.dropout(x, 0.5).numpy()
    ember.manual_seed(3)
    b = ember.nn.functional.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- embedding

@pytest.mark.parametrize('kw', [{}, dict(padding_idx=1), dict(padding_idx=-2),
                                dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0)])
def test_embedding(device, kw):
    idx = np.array([[0, 2, 1, 2], [4, 3, 1, 0]])
    e, t = check_module(lambda lib: lib.nn.Embedding(6, 3, **kw), idx, device=device)
    assert_same(e.weight, t.weight)      # max_norm renormalises looked-up rows in place


def test_embedding_padding_row_zero_and_init():
    ember.manual_seed(0)
    m = ember.nn.Embedding(1000, 16, padding_idx=3)
    w = m.weight.detach().numpy()
    assert (w[3] == 0).all()
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02     # N(0, 1)
    assert m.weight.dtype == ember.float32


def test_embedding_from_pretrained(device):
    w = f32(5, 3)
    for kw in ({}, dict(freeze=False), dict(padding_idx=0)):
        e = ember.nn.Embedding.from_pretrained(ember.tensor(w, device=device), **kw)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), **kw)
        assert e.weight.requires_grad == t.weight.requires_grad
        assert repr(e) == repr(t)
        i = np.array([0, 4, 0])
        assert_same(e(ember.tensor(i, device=device)), t(torch.tensor(i)))
    same_error(lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)), match=False)


def test_embedding_functional_and_errors(device):
    compare(lambda lib, w: lib.nn.functional.embedding(lib.tensor([[1, 1], [0, 2]]), w,
                                                       padding_idx=0), f32(3, 4), device=device)
    compare(lambda lib, w: lib.nn.functional.embedding(lib.tensor(2), w), f32(3, 4),
            device=device)
    same_error(lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([3])))
    same_error(lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([0.5])))
    same_error(lambda lib: lib.nn.Embedding(3, 2, padding_idx=3), match=False)
    for make in (lambda lib: lib.nn.Embedding(3, 2), lambda lib: lib.nn.Embedding(
            10, 4, padding_idx=2, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True)):
        assert repr(make(ember)) == repr(make(torch))


def test_embedding_double_backward(device):
    def f(lib, w):
        y = lib.nn.functional.embedding(lib.tensor([0, 2, 2]), w)
        g, = lib.autograd.grad((y ** 2).sum(), (w,), create_graph=True)
        return (g ** 2).sum()
    compare(f, R.randn(3, 2), device=device)
