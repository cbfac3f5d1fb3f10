"""nn.init against PyTorch's formulas: calculate_gain, fans, every initialiser's distribution
(bounds, mean, std with fixed seeds), structure (eye, dirac, orthogonal, sparse), dtype kept,
no autograd recording, errors."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import needs_torch, torch
from tests.nn.modcheck import same_error

pytestmark = needs_torch
init = ember.nn.init


@pytest.mark.parametrize('args', [('linear',), ('conv1d',), ('conv2d',), ('conv3d',),
                                  ('conv_transpose1d',), ('conv_transpose2d',),
                                  ('conv_transpose3d',), ('sigmoid',), ('tanh',), ('relu',),
                                  ('leaky_relu',), ('leaky_relu', 0.2), ('leaky_relu', 1),
                                  ('selu',)])
def test_calculate_gain(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_calculate_gain_errors():
    same_error(lambda lib: lib.nn.init.calculate_gain('swish'))
    same_error(lambda lib: lib.nn.init.calculate_gain('leaky_relu', 'x'))
    same_error(lambda lib: lib.nn.init.calculate_gain('leaky_relu', True))


def big(*shape, dtype=None):
    ember.manual_seed(0)
    return ember.empty(*shape, dtype=dtype)


def stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a, a.mean(), a.std()


def test_uniform_normal_constant():
    a, m, s = stats(init.uniform_(big(200, 300), -2.0, 3.0))
    assert a.min() >= -2 and a.max() <= 3 and abs(m - 0.5) < 0.02
    assert abs(s - 5 / math.sqrt(12)) < 0.02
    a, m, s = stats(init.normal_(big(200, 300), 1.5, 0.5))
    assert abs(m - 1.5) < 0.01 and abs(s - 0.5) < 0.01
    assert (init.constant_(big(3, 4), 2.5).numpy() == 2.5).all()
    assert (init.ones_(big(3)).numpy() == 1).all()
    assert (init.zeros_(big(3)).numpy() == 0).all()
    t = big(3, dtype=ember.float64)
    assert init.uniform_(t) is t and t.dtype == ember.float64


def test_trunc_normal():
    a, m, s = stats(init.trunc_normal_(big(300, 300), 0.0, 1.0, -2.0, 2.0))
    assert a.min() >= -2 and a.max() <= 2
    # variance of N(0,1) truncated to [-2, 2]
    phi = math.exp(-2) / math.sqrt(2 * math.pi)
    z = math.erf(2 / math.sqrt(2))
    assert abs(m) < 0.01 and abs(s - math.sqrt(1 - 4 * phi / z)) < 0.01
    a, m, s = stats(init.trunc_normal_(big(300, 300), 1.0, 0.5, 0.5, 3.0))
    assert a.min() >= 0.5 and a.max() <= 3.0
    with pytest.warns(UserWarning):
        init.trunc_normal_(big(3), mean=10.0)


@pytest.mark.parametrize('shape', [(300, 200), (64, 32, 3, 3), (40, 20, 5)])
def test_xavier(shape):
    fan_in = shape[1] * math.prod(shape[2:])
    fan_out = shape[0] * math.prod(shape[2:])
    bound = 1.5 * math.sqrt(6 / (fan_in + fan_out))
    a, m, s = stats(init.xavier_uniform_(big(*shape), gain=1.5))
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
    assert abs(s - bound / math.sqrt(3)) < 0.02 * bound
    std = 0.7 * math.sqrt(2 / (fan_in + fan_out))
    a, m, s = stats(init.xavier_normal_(big(*shape), gain=0.7))
    assert abs(s - std) < 0.02 * std and abs(m) < 0.02 * std


@pytest.mark.parametrize('kw', [{}, dict(a=math.sqrt(5)), dict(mode='fan_out'),
                                dict(nonlinearity='relu'), dict(a=0.2, mode='fan_out')])
@pytest.mark.parametrize('shape', [(300, 200), (64, 32, 3, 3)])
def test_kaiming(kw, shape):
    fan = shape[1] if kw.get('mode', 'fan_in') == 'fan_in' else shape[0]
    fan *= math.prod(shape[2:])
    gain = torch.nn.init.calculate_gain(kw.get('nonlinearity', 'leaky_relu'), kw.get('a', 0))
    bound = gain * math.sqrt(3 / fan)
    a, m, s = stats(init.kaiming_uniform_(big(*shape), **kw))
    assert np.abs(a).max() <= bound * (1 + 1e-6) and np.abs(a).max() > 0.99 * bound
    assert abs(s - bound / math.sqrt(3)) < 0.02 * bound
    std = gain / math.sqrt(fan)
    a, m, s = stats(init.kaiming_normal_(big(*shape), **kw))
    assert abs(s - std) < 0.02 * std


def test_kaiming_zero_element_and_errors():
    with pytest.warns(UserWarning, match='Initializing zero-element tensors is a no-op'):
        init.kaiming_uniform_(ember.empty(0, 3))
    same_error(lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), mode='fan_avg'))
    same_error(lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)))
    same_error(lambda lib: lib.nn.init.kaiming_normal_(lib.empty(3)))


def test_eye_and_dirac():
    for shape in ((3, 5), (5, 3), (4, 4)):
        np.testing.assert_array_equal(init.eye_(big(*shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(*shape)).numpy())
    for shape, groups in (((6, 4, 3, 3), 1), ((6, 2, 3), 2), ((4, 4, 3, 3, 3), 1),
                          ((8, 2, 1, 2), 4), ((2, 5, 3), 1)):
        np.testing.assert_array_equal(init.dirac_(big(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    x = ember.tensor(np.random.RandomState(0).randn(2, 3, 5, 5).astype(np.float32))
    w = init.dirac_(ember.empty(3, 3, 3, 3))
    np.testing.assert_allclose(ember.nn.functional.conv2d(x, w, padding=1).numpy(), x.numpy())
    same_error(lambda lib: lib.nn.init.eye_(lib.empty(3, 3, 3)))
    same_error(lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)))
    same_error(lambda lib: lib.nn.init.dirac_(lib.empty(3, 3, 3), groups=2))


@pytest.mark.parametrize('shape', [(5, 8), (8, 5), (6, 2, 3), (4, 4)])
def test_orthogonal(shape):
    t = init.orthogonal_(big(*shape), gain=2.0)
    assert t.dtype == ember.float32
    q = t.numpy().reshape(shape[0], -1).astype(np.float64)
    if q.shape[0] <= q.shape[1]:
        np.testing.assert_allclose(q @ q.T, 4 * np.eye(q.shape[0]), atol=1e-5)
    else:
        np.testing.assert_allclose(q.T @ q, 4 * np.eye(q.shape[1]), atol=1e-5)
    same_error(lambda lib: lib.nn.init.orthogonal_(lib.empty(3)))


def test_sparse():
    t = init.sparse_(big(100, 30), sparsity=0.3, std=0.05)
    a = t.numpy()
    assert ((a == 0).sum(0) == 30).all()      # ceil(0.3 * 100) zeros per column
    nz = a[a != 0]
    assert abs(nz.std() - 0.05) < 0.005
    same_error(lambda lib: lib.nn.init.sparse_(lib.empty(3, 3, 3), 0.1))


def test_init_does_not_record_autograd():
    p = ember.nn.Parameter(ember.empty(3, 4))
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
               init.zeros_, init.ones_, init.orthogonal_, init.trunc_normal_, init.eye_,
               lambda t: init.constant_(t, 0.3), lambda t: init.sparse_(t, 0.5)):
        r = fn(p)
        assert r is p and p.grad_fn is None and p.is_leaf and p.requires_grad


def test_seeded_reproducible_and_generator():
    a = init.kaiming_uniform_(big(4, 5)).numpy()
    b = init.kaiming_uniform_(big(4, 5)).numpy()
    np.testing.assert_array_equal(a, b)
    g = ember.Generator().manual_seed(7)
    c = init.normal_(ember.empty(4), generator=g).numpy()
    g.manual_seed(7)
    np.testing.assert_array_equal(c, init.normal_(ember.empty(4), generator=g).numpy())


def test_deprecated_aliases():
    with pytest.warns(FutureWarning):
        init.xavier_uniform(ember.empty(3, 3))
