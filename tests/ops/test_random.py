"""Random sampling: generators and seeding, factories, in-place samplers.

PyTorch's numbers are not reproduced bit for bit, so torch is the oracle for dtypes, shapes,
argument handling and errors, and the values are checked statistically with fixed seeds.
"""
import math

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, to_np

pytestmark = needs_torch

N = 200_000   # samples for the moment checks: standard error of a mean ~ 0.0022 sigma


def lib_dev(lib, device):
    return device if lib is ember else 'cpu'


@pytest.fixture
def f64_default():
    old = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    told = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    ember.set_default_dtype(old)
    torch.set_default_dtype(told)


# ---------------------------------------------------------------------------- generators

def test_generator_seeding_api(device):
    g = ember.Generator(device)
    assert g.device == ember.device(device) or g.device.type == device
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert g.manual_seed(123) is g
    assert g.initial_seed() == 123
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    # negative seeds wrap to 64 bits as in PyTorch
    assert g.manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    assert ember.manual_seed(2.0).initial_seed() == torch.manual_seed(2.0).initial_seed()
    for bad in (2.0, 'a', True):
        with pytest.raises(RuntimeError, match='manual_seed expected a long'):
            torch.Generator().manual_seed(bad)
        with pytest.raises(RuntimeError, match='manual_seed expected a long'):
            g.manual_seed(bad)
    for bad in (2 ** 64, -2 ** 63 - 1):
        with pytest.raises(ValueError):
            torch.Generator().manual_seed(bad)
        with pytest.raises(ValueError):
            g.manual_seed(bad)
    with pytest.raises(ValueError):
        ember.manual_seed('a')
    torch.manual_seed(0)


def test_generator_state_roundtrip(device):
    g = ember.Generator(device).manual_seed(7)
    ember.rand(10, generator=g, device=device)
    st = g.get_state()
    assert st.dtype is ember.uint8 and st.dim() == 1 and st.device.type == 'cpu'
    a = ember.randn(100, generator=g, device=device)
    b = ember.randint(0, 1000, (50,), generator=g, device=device)
    g2 = ember.Generator(device).set_state(st)
    np.testing.assert_array_equal(to_np(ember.randn(100, generator=g2, device=device)), to_np(a))
    np.testing.assert_array_equal(to_np(ember.randint(0, 1000, (50,), generator=g2,
                                                      device=device)), to_np(b))
    # the state is a copy: drawing does not change a saved state
    st2 = g.get_state()
    ember.rand(3, generator=g, device=device)
    np.testing.assert_array_equal(to_np(st2), to_np(g2.get_state()))


def test_generator_state_errors(device):
    g, tg = ember.Generator(device), torch.Generator()
    for e_bad, t_bad in ((ember.zeros(3), torch.zeros(3)),
                         (ember.zeros(3, dtype=ember.uint8), torch.zeros(3, dtype=torch.uint8))):
        with pytest.raises(Exception) as te:
            tg.set_state(t_bad)
        with pytest.raises(type(te.value)):
            g.set_state(e_bad)
    with pytest.raises(RuntimeError, match='Expected a .*GeneratorImplState of size'):
        g.set_state(ember.zeros(3, dtype=ember.uint8))


def test_same_seed_same_numbers(device):
    g1 = ember.Generator(device).manual_seed(42)
    g2 = ember.Generator(device).manual_seed(42)
    for f in (lambda g: ember.rand(3, 4, generator=g, device=device),
              lambda g: ember.randn(5, generator=g, device=device),
              lambda g: ember.randperm(20, generator=g, device=device),
              lambda g: ember.empty(6, device=device).exponential_(generator=g)):
        a, b = f(g1), f(g2)
        np.testing.assert_array_equal(to_np(a), to_np(b))
    # a generator's stream is independent of the default one
    ember.manual_seed(0)
    a = ember.rand(4, generator=ember.Generator(device).manual_seed(5), device=device)
    ember.rand(100, device=device)
    b = ember.rand(4, generator=ember.Generator(device).manual_seed(5), device=device)
    np.testing.assert_array_equal(to_np(a), to_np(b))


def test_global_seed_and_state(device):
    g = ember.manual_seed(3)
    assert g is ember.default_generator
    assert ember.initial_seed() == 3
    a = ember.rand(8, device=device)
    b = ember.rand(8, device=device)
    assert not np.array_equal(to_np(a), to_np(b)), 'successive calls must advance the stream'
    ember.manual_seed(3)
    np.testing.assert_array_equal(to_np(ember.rand(8, device=device)), to_np(a))
    st = ember.get_rng_state()
    assert st.dtype is ember.uint8
    c = ember.randn(10)
    ember.set_rng_state(st)
    np.testing.assert_array_equal(to_np(ember.randn(10)), to_np(c))
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    # the ember.random namespace
    assert ember.random.manual_seed(9) is ember.default_generator
    assert ember.random.initial_seed() == 9
    st = ember.random.get_rng_state()
    x = ember.rand(5)
    ember.random.set_rng_state(st)
    np.testing.assert_array_equal(to_np(ember.rand(5)), to_np(x))


def test_fork_rng(device):
    ember.manual_seed(11)
    before = ember.get_rng_state()
    with ember.random.fork_rng():
        ember.rand(100)
    np.testing.assert_array_equal(to_np(ember.get_rng_state()), to_np(before))
    with ember.random.fork_rng(enabled=False):
        ember.rand(1)
    assert not np.array_equal(to_np(ember.get_rng_state()), to_np(before))


def test_generator_device_and_type_checks():
    # torch: "Expected a 'cpu' device type for generator but found 'cuda'"; a CUDA generator
    # is stood in for by relabelling a CPU one, so this runs without a GPU
    g = ember.Generator('cpu')
    g._dev = ember.device('cuda', 0)
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator"):
        ember.rand(2, generator=g)
    with pytest.raises(TypeError):
        ember.rand(2, generator=3)


# ---------------------------------------------------------------------------- dtypes, shapes

FACTORIES = [
    ('rand', lambda L, d: L.rand(2, 3, device=d)),
    ('rand_tuple', lambda L, d: L.rand((2, 3), device=d)),
    ('rand_list_f64', lambda L, d: L.rand([4], dtype=L.float64, device=d)),
    ('rand_size_kw', lambda L, d: L.rand(size=(2, 1), device=d)),
    ('rand_scalar', lambda L, d: L.rand((), device=d)),
    ('rand_empty', lambda L, d: L.rand(0, 3, device=d)),
    ('rand_f16', lambda L, d: L.rand(5, dtype=L.float16, device=d)),
    ('rand_bf16', lambda L, d: L.rand(5, dtype=L.bfloat16, device=d)),
    ('rand_c64', lambda L, d: L.rand(3, dtype=L.complex64, device=d)),
    ('randn', lambda L, d: L.randn(3, 2, device=d)),
    ('randn_c128', lambda L, d: L.randn(3, dtype=L.complex128, device=d)),
    ('randn_f16', lambda L, d: L.randn(3, dtype=L.float16, device=d)),
    ('rand_like', lambda L, d: L.rand_like(L.ones(2, 3, dtype=L.float64, device=d))),
    ('rand_like_dtype', lambda L, d: L.rand_like(L.ones(2, device=d), dtype=L.float16)),
    ('randn_like', lambda L, d: L.randn_like(L.ones(4, 1, device=d))),
    ('randint', lambda L, d: L.randint(10, (3, 4), device=d)),
    ('randint_low', lambda L, d: L.randint(-5, 5, (7,), device=d)),
    ('randint_kw', lambda L, d: L.randint(low=2, high=5, size=(3,), device=d)),
    ('randint_f32', lambda L, d: L.randint(0, 10, (3,), dtype=L.float32, device=d)),
    ('randint_u8', lambda L, d: L.randint(0, 256, (3,), dtype=L.uint8, device=d)),
    ('randint_list', lambda L, d: L.randint(3, [2, 2], device=d)),
    ('randint_like', lambda L, d: L.randint_like(L.ones(2, 3, device=d), 5)),
    ('randint_like_lh', lambda L, d: L.randint_like(L.ones(2, dtype=L.int32, device=d), 3, 9)),
    ('randperm', lambda L, d: L.randperm(7, device=d)),
    ('randperm_0', lambda L, d: L.randperm(0, device=d)),
    ('randperm_f16', lambda L, d: L.randperm(5, dtype=L.float16, device=d)),
    ('normal_tt', lambda L, d: L.normal(L.zeros(2, 1, device=d), L.ones(3, device=d))),
    ('normal_tt_promote', lambda L, d: L.normal(L.zeros(2, device=d),
                                                L.ones(2, dtype=L.float64, device=d))),
    ('normal_tf', lambda L, d: L.normal(L.zeros(3, dtype=L.float64, device=d), 2.0)),
    ('normal_t', lambda L, d: L.normal(L.zeros(3, dtype=L.float16, device=d))),
    ('normal_ft', lambda L, d: L.normal(1.0, L.ones(2, 2, device=d))),
    ('normal_ff', lambda L, d: L.normal(0, 1, (2, 3), device=d)),
    ('normal_ff_dtype', lambda L, d: L.normal(0., 1., size=(2,), dtype=L.float64, device=d)),
    ('bernoulli', lambda L, d: L.bernoulli(L.full((3,), 0.5, device=d))),
    ('bernoulli_f64_p', lambda L, d: L.bernoulli(L.ones(3, dtype=L.float64, device=d), p=0.5)),
    ('bernoulli_int_p', lambda L, d: L.bernoulli(L.tensor([1, 0], device=d), 0.5)),
    ('bernoulli_method', lambda L, d: L.full((2, 2), 0.3, device=d).bernoulli()),
    ('multinomial', lambda L, d: L.multinomial(L.ones(5, device=d), 3)),
    ('multinomial_2d', lambda L, d: L.multinomial(L.ones(2, 3, device=d), 5, True)),
    ('multinomial_f64', lambda L, d: L.ones(4, dtype=L.float64, device=d).multinomial(4)),
    ('multinomial_0rows', lambda L, d: L.multinomial(L.ones(0, 3, device=d), 2)),
    ('poisson', lambda L, d: L.poisson(L.ones(3, device=d))),
    ('poisson_f64', lambda L, d: L.poisson(L.ones(2, 2, dtype=L.float64, device=d))),
    ('uniform_', lambda L, d: L.empty(3, device=d).uniform_(1, 2)),
    ('normal_', lambda L, d: L.empty(3, dtype=L.float64, device=d).normal_()),
    ('random_i32', lambda L, d: L.empty(3, dtype=L.int32, device=d).random_()),
    ('random_f', lambda L, d: L.empty(3, device=d).random_(10)),
    ('random_bool', lambda L, d: L.empty(3, dtype=L.bool, device=d).random_()),
    ('exponential_', lambda L, d: L.empty(3, device=d).exponential_()),
    ('geometric_int', lambda L, d: L.empty(3, dtype=L.int64, device=d).geometric_(0.5)),
    ('log_normal_', lambda L, d: L.empty(3, device=d).log_normal_()),
    ('cauchy_', lambda L, d: L.empty(3, dtype=L.float16, device=d).cauchy_()),
    ('bernoulli_', lambda L, d: L.empty(3, dtype=L.int64, device=d).bernoulli_(0.5)),
    ('bernoulli_t', lambda L, d: L.empty(2, 3, device=d).bernoulli_(L.rand(3, device=d))),
]


@pytest.mark.parametrize('name,f', FACTORIES, ids=[n for n, _ in FACTORIES])
def test_dtype_shape_like_torch(name, f, device):
    e, t = f(ember, device), f(torch, 'cpu')
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    assert e.device.type == device
    assert e.requires_grad == t.requires_grad


@pytest.mark.parametrize('name,f', [x for x in FACTORIES if x[0] in
                                    ('rand', 'randn', 'rand_like', 'normal_ff', 'randint_f32',
                                     'bernoulli', 'poisson', 'randperm_f16')])
def test_dtype_under_float64_default(name, f, device, f64_default):
    e, t = f(ember, device), f(torch, 'cpu')
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)


def test_requires_grad_and_out(device):
    x = ember.rand(2, 3, requires_grad=True, device=device)
    assert x.requires_grad and x.is_leaf
    y = ember.randn(2, dtype=ember.float64, requires_grad=True, device=device)
    assert y.requires_grad
    for L in (ember, torch):
        with pytest.raises(RuntimeError):
            L.randint(0, 10, (2,), requires_grad=True)
    out = ember.empty(4, device=device)
    r = ember.rand(4, out=out, device=device)
    assert r is out and 0 <= to_np(out).min() and to_np(out).max() < 1
    out = ember.empty(3, dtype=ember.int64, device=device)
    ember.randint(5, 9, (3,), out=out, device=device)
    assert set(to_np(out).tolist()) <= {5, 6, 7, 8}


# ---------------------------------------------------------------------------- distributions

def _moments(t):
    a = to_np(t).astype(np.float64)
    return a.mean(), a.std()


def test_rand_randn_moments(device):
    ember.manual_seed(0)
    for dt in (ember.float32, ember.float64):
        u = ember.rand(N, dtype=dt, device=device)
        a = to_np(u)
        assert a.min() >= 0 and a.max() < 1
        m, s = _moments(u)
        assert abs(m - 0.5) < 0.005 and abs(s - math.sqrt(1 / 12)) < 0.005
        m, s = _moments(ember.randn(N, dtype=dt, device=device))
        assert abs(m) < 0.01 and abs(s - 1) < 0.01
    for dt in (ember.float16, ember.bfloat16):
        a = to_np(ember.rand(N, dtype=dt, device=device)).astype(np.float64)
        assert a.min() >= 0 and a.max() < 1
        assert abs(a.mean() - 0.5) < 0.01
    z = to_np(ember.randn(N, dtype=ember.complex64, device=device))
    assert abs(z.real.var() - 0.5) < 0.01 and abs(z.imag.var() - 0.5) < 0.01
    # like-factories draw fresh numbers, not a copy
    x = ember.ones(3, 4, dtype=ember.float64, device=device)
    r = ember.randn_like(x)
    assert r.dtype is ember.float64 and not np.array_equal(to_np(r), to_np(ember.randn_like(x)))


def test_randint_and_randperm(device):
    ember.manual_seed(1)
    a = to_np(ember.randint(-3, 4, (N,), device=device))
    assert a.min() == -3 and a.max() == 3
    counts = np.bincount(a + 3)
    assert np.all(np.abs(counts / N - 1 / 7) < 0.01)
    big = to_np(ember.randint(0, 2 ** 62, (1000,), device=device))
    assert big.max() > 2 ** 60
    for n in (1, 10, 1000):
        p = to_np(ember.randperm(n, device=device))
        np.testing.assert_array_equal(np.sort(p), np.arange(n))
    perms = {tuple(to_np(ember.randperm(4, device=device))) for _ in range(200)}
    assert len(perms) > 20


def test_normal_overloads_moments(device):
    ember.manual_seed(2)
    m, s = _moments(ember.normal(3.0, 2.0, (N,), device=device))
    assert abs(m - 3) < 0.03 and abs(s - 2) < 0.03
    mean = ember.tensor([-5.0, 0.0, 5.0], device=device).reshape(3, 1).expand(3, N // 3)
    std = ember.tensor([0.5, 1.0, 2.0], device=device).reshape(3, 1)
    r = to_np(ember.normal(mean, std))
    np.testing.assert_allclose(r.mean(1), [-5, 0, 5], atol=0.05)
    np.testing.assert_allclose(r.std(1), [0.5, 1, 2], rtol=0.03)
    r = to_np(ember.normal(mean, 0.5))
    np.testing.assert_allclose(r.mean(1), [-5, 0, 5], atol=0.02)
    r = to_np(ember.normal(1.0, std.expand(3, N // 3)))
    np.testing.assert_allclose(r.std(1), [0.5, 1, 2], rtol=0.03)
    np.testing.assert_allclose(r.mean(1), [1, 1, 1], atol=0.05)
    # std = 0 gives the mean exactly
    np.testing.assert_array_equal(to_np(ember.normal(ember.arange(4.0, device=device), 0.0)),
                                  np.arange(4.0))


def test_bernoulli_frequencies(device):
    ember.manual_seed(3)
    p = ember.tensor([0.0, 0.1, 0.5, 0.9, 1.0], device=device).reshape(5, 1).expand(5, N // 5)
    b = to_np(ember.bernoulli(p))
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(1), [0, 0.1, 0.5, 0.9, 1], atol=0.01)
    assert b[0].max() == 0 and b[4].min() == 1
    x = ember.empty(N, device=device).bernoulli_(0.25)
    assert abs(to_np(x).mean() - 0.25) < 0.01
    x = ember.empty(5, N // 5, dtype=ember.int64, device=device).bernoulli_(p)
    np.testing.assert_allclose(to_np(x).mean(1), [0, 0.1, 0.5, 0.9, 1], atol=0.01)
    assert abs(to_np(ember.bernoulli(ember.zeros(N, device=device), 0.7)).mean() - 0.7) < 0.01


def test_multinomial(device):
    ember.manual_seed(4)
    probs = ember.tensor([[1.0, 2.0, 0.0, 7.0], [0.0, 0.0, 5.0, 5.0]], device=device)
    s = to_np(ember.multinomial(probs, N // 4, replacement=True))
    assert s.shape == (2, N // 4) and s.dtype == np.int64
    f0 = np.bincount(s[0], minlength=4) / s.shape[1]
    f1 = np.bincount(s[1], minlength=4) / s.shape[1]
    np.testing.assert_allclose(f0, [0.1, 0.2, 0.0, 0.7], atol=0.01)
    np.testing.assert_allclose(f1, [0, 0, 0.5, 0.5], atol=0.01)
    assert f0[2] == 0 and f1[0] == 0 and f1[1] == 0, 'zero-probability categories never drawn'
    # without replacement: no repeats, every row a subset; zero-probability ones come last
    w = ember.rand(50, 30, device=device) + 0.01
    s = to_np(ember.multinomial(w, 30))
    assert all(len(set(r)) == 30 for r in s)
    s = to_np(ember.multinomial(w, 7))
    assert s.shape == (50, 7) and all(len(set(r)) == 7 for r in s)
    s = to_np(ember.multinomial(ember.tensor([0.0, 1.0, 0.0], device=device), 2))
    assert s[0] == 1 and s[1] in (0, 2)
    # first draw without replacement follows the probabilities
    p = ember.tensor([1.0, 3.0, 6.0], device=device).expand(20000, 3)
    first = to_np(ember.multinomial(p, 2))[:, 0]
    np.testing.assert_allclose(np.bincount(first, minlength=3) / 20000, [0.1, 0.3, 0.6],
                               atol=0.015)
    # second draw: P(second = 0) = 0.3*1/7 + 0.6*1/4
    second = to_np(ember.multinomial(p, 2))[:, 1]
    assert abs((second == 0).mean() - (0.3 / 7 + 0.6 / 4)) < 0.015
    # 1-D with replacement
    s = to_np(ember.multinomial(ember.tensor([0.5, 0.5], device=device), 1000, True))
    assert s.shape == (1000,) and 400 < s.sum() < 600


def test_poisson(device):
    ember.manual_seed(5)
    lam = ember.tensor([0.0, 1.0, 4.0, 50.0], device=device).reshape(4, 1).expand(4, N // 4)
    r = to_np(ember.poisson(lam))
    assert np.all(r == np.round(r)) and r[0].max() == 0
    np.testing.assert_allclose(r.mean(1), [0, 1, 4, 50], rtol=0.02, atol=0.01)
    np.testing.assert_allclose(r.var(1), [0, 1, 4, 50], rtol=0.05, atol=0.01)


def test_inplace_samplers_moments(device):
    ember.manual_seed(6)
    x = ember.empty(N, device=device)
    a = to_np(x.uniform_(-2, 3))
    assert a.min() >= -2 and a.max() < 3 and abs(a.mean() - 0.5) < 0.03
    m, s = _moments(x.normal_(1.5, 0.5))
    assert abs(m - 1.5) < 0.01 and abs(s - 0.5) < 0.01
    m, _ = _moments(x.exponential_(4.0))
    assert abs(m - 0.25) < 0.005 and to_np(x).min() >= 0
    m, _ = _moments(x.geometric_(0.2))
    assert abs(m - 5) < 0.1 and to_np(x).min() >= 1
    a = np.log(to_np(x.log_normal_(0.5, 0.25)).astype(np.float64))
    assert abs(a.mean() - 0.5) < 0.01 and abs(a.std() - 0.25) < 0.01
    a = to_np(x.cauchy_(2.0, 0.5))
    assert abs(np.median(a) - 2) < 0.02
    assert abs(np.percentile(a, 75) - 2.5) < 0.03
    x = ember.empty(N, dtype=ember.float16, device=device)
    m, s = _moments(x.normal_())
    assert abs(m) < 0.02 and abs(s - 1) < 0.02
    # in place: same object, memory, dtype; version bumped
    y = ember.zeros(4, 5, device=device)
    v = y._version
    assert y.uniform_() is y and y._version == v + 1


RANDOM_CASES = [
    ('int64', (), 0, 2 ** 63 - 1), ('int32', (), 0, 2 ** 31 - 1), ('uint8', (), 0, 255),
    ('int8', (), 0, 127), ('bool', (), 0, 1), ('float32', (), 0, 2 ** 24),
    ('float64', (), 0, 2 ** 53), ('int64', (10,), 0, 9), ('int32', (-5, 5), -5, 4),
    ('float32', (3, 7), 3, 6), ('int16', (100, None), 100, 2 ** 15 - 1),
    ('int64', (-2 ** 63, None), -2 ** 63, 2 ** 63 - 1),
]


@pytest.mark.parametrize('dt,args,lo,hi', RANDOM_CASES)
def test_random_(dt, args, lo, hi, device):
    ember.manual_seed(7)
    a = to_np(ember.empty(20000, dtype=getattr(ember, dt), device=device).random_(*args))
    b = torch.empty(20000, dtype=getattr(torch, dt)).random_(*args).numpy()
    a64 = a.astype(object) if a.dtype.kind in 'iu' else a.astype(np.float64)
    assert a64.min() >= lo and a64.max() <= hi
    # both libraries cover the range alike: the extremes are near the same values
    span = hi - lo
    assert float(a64.min() - lo) <= 0.01 * span + 1 and float(hi - a64.max()) <= 0.01 * span + 1
    assert float(b.astype(object).min() - lo) <= 0.01 * span + 1
    if span < 100:
        assert set(np.unique(a).tolist()) == set(np.unique(b).tolist())


def test_random_from_to_keywords(device):
    a = to_np(ember.empty(1000, device=device).random_(**{'from': 2, 'to': 4}))
    assert set(np.unique(a).tolist()) == {2.0, 3.0}


# ---------------------------------------------------------------------------- autograd

def test_random_ops_have_zero_gradient(device):
    for L in (ember, torch):
        dev = lib_dev(L, device)
        m = L.zeros(3, requires_grad=True, device=dev)
        s = L.ones(3, requires_grad=True, device=dev)
        p = L.full((3,), 0.5, requires_grad=True, device=dev)
        out = (L.normal(m, s).sum() + L.normal(m, 2.0).sum() + L.normal(1.0, s).sum()
               + L.bernoulli(p).sum() + L.poisson(p).sum())
        out.backward()
        for t in (m, s, p):
            assert t.grad is not None
            np.testing.assert_array_equal(to_np(t.grad), np.zeros(3))
    e = ember.normal(ember.zeros(2, requires_grad=True, device=device), 1.0)
    t = torch.normal(torch.zeros(2, requires_grad=True), 1.0)
    assert e.requires_grad and t.requires_grad


def test_inplace_sampler_autograd(device):
    for L in (ember, torch):
        dev = lib_dev(L, device)
        leaf = L.zeros(3, requires_grad=True, device=dev)
        with pytest.raises(RuntimeError, match='leaf Variable that requires grad'):
            leaf.uniform_()
        with L.no_grad():
            leaf.normal_()          # fine without grad mode (what nn.init does)
        y = leaf * 2
        y.uniform_()
        assert y.requires_grad and y.grad_fn is not None
        (y * 3 + leaf).sum().backward()
        np.testing.assert_array_equal(to_np(leaf.grad), np.ones(3))


# ---------------------------------------------------------------------------- errors

ERRORS = [
    ('randint_high_le_low', lambda L: L.randint(5, 3, (2,))),
    ('randint_equal', lambda L: L.randint(3, 3, (2,))),
    ('randint_u8_oob', lambda L: L.randint(0, 300, (2,), dtype=L.uint8)),
    ('randint_u8_neg', lambda L: L.randint(-2, 3, (2,), dtype=L.uint8)),
    ('randint_bool', lambda L: L.randint(5, (2,), dtype=L.bool)),
    ('randint_no_size', lambda L: L.randint(5)),
    ('randint_int_size', lambda L: L.randint(5, 2)),
    ('randint_float_high', lambda L: L.randint(5.5, (2,))),
    ('rand_neg', lambda L: L.rand(-1)),
    ('rand_int', lambda L: L.rand(2, dtype=L.int64)),
    ('randn_int', lambda L: L.randn(2, dtype=L.int64)),
    ('rand_like_int', lambda L: L.rand_like(L.ones(2, dtype=L.int64))),
    ('randperm_neg', lambda L: L.randperm(-1)),
    ('randperm_u8_overflow', lambda L: L.randperm(300, dtype=L.uint8)),
    ('randint_like_eq', lambda L: L.randint_like(L.ones(2), 3, 3)),
    ('multinomial_neg', lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1)),
    ('multinomial_nan', lambda L: L.multinomial(L.tensor([1.0, float('nan')]), 1)),
    ('multinomial_inf', lambda L: L.multinomial(L.tensor([1.0, float('inf')]), 1)),
    ('multinomial_too_many', lambda L: L.multinomial(L.tensor([1.0, 2.0]), 3)),
    ('multinomial_zero_sum', lambda L: L.multinomial(L.tensor([[1.0, 1.0], [0.0, 0.0]]), 1)),
    ('multinomial_zero_samples', lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0)),
    ('multinomial_3d', lambda L: L.multinomial(L.ones(2, 2, 2), 1)),
    ('multinomial_0d', lambda L: L.multinomial(L.ones(()), 1)),
    ('multinomial_int', lambda L: L.multinomial(L.tensor([1, 2]), 1)),
    ('normal_neg_std', lambda L: L.normal(L.zeros(2), -1.0)),
    ('normal_neg_std_t', lambda L: L.normal(L.zeros(2), L.tensor([-1.0, 1.0]))),
    ('normal_neg_std_ft', lambda L: L.normal(0.0, L.tensor([-1.0, 1.0]))),
    ('normal_ff_neg', lambda L: L.normal(0.0, -1.0, (2,))),
    ('normal_ff_nosize', lambda L: L.normal(0.0, 1.0)),
    ('normal_t_size', lambda L: L.normal(L.zeros(2), 1.0, (2,))),
    ('normal_int_mean', lambda L: L.normal(L.tensor([1, 2]), 1.0)),
    ('normal_bad_broadcast', lambda L: L.normal(L.zeros(2), L.ones(3))),
    ('bernoulli_p_oob', lambda L: L.bernoulli(L.tensor([0.0, 1.5, 1.0]))),
    ('bernoulli_float_oob', lambda L: L.bernoulli(L.tensor([0.5]), 1.5)),
    ('bernoulli_int', lambda L: L.bernoulli(L.tensor([1, 0]))),
    ('bernoulli__oob', lambda L: L.empty(3).bernoulli_(1.5)),
    ('bernoulli__t_oob', lambda L: L.empty(3).bernoulli_(L.tensor([0.0, 1.5, 1.0]))),
    ('bernoulli__t_shape', lambda L: L.empty(3).bernoulli_(L.tensor([0.0, 1.0]))),
    ('poisson_neg', lambda L: L.poisson(L.tensor([-1.0]))),
    ('poisson_int', lambda L: L.poisson(L.tensor([1, 2]))),
    ('uniform_int', lambda L: L.empty(3, dtype=L.int64).uniform_()),
    ('uniform_from_gt_to', lambda L: L.empty(3).uniform_(2, 1)),
    ('normal__neg', lambda L: L.empty(3).normal_(0, -1)),
    ('normal__int', lambda L: L.empty(3, dtype=L.int64).normal_()),
    ('random__from_ge_to', lambda L: L.empty(2).random_(5, 3)),
    ('random__neg_to', lambda L: L.empty(3, dtype=L.int32).random_(-5)),
    ('random__u8_to', lambda L: L.empty(3, dtype=L.uint8).random_(0, 1000)),
    ('random__u8_from', lambda L: L.empty(3, dtype=L.uint8).random_(-1, 10)),
    ('exponential_neg', lambda L: L.empty(3).exponential_(-1)),
    ('exponential_zero', lambda L: L.empty(3).exponential_(0)),
    ('exponential_int', lambda L: L.empty(3, dtype=L.int64).exponential_()),
    ('geometric_0', lambda L: L.empty(3).geometric_(0)),
    ('geometric_1', lambda L: L.empty(3).geometric_(1)),
    ('log_normal_std', lambda L: L.empty(3).log_normal_(0, 0)),
    ('log_normal_int', lambda L: L.empty(3, dtype=L.int64).log_normal_()),
    ('cauchy_sigma', lambda L: L.empty(3).cauchy_(0, -1)),
    ('cauchy_int', lambda L: L.empty(3, dtype=L.int64).cauchy_()),
]


@pytest.mark.parametrize('name,f', ERRORS, ids=[n for n, _ in ERRORS])
def test_errors_like_torch(name, f):
    with pytest.raises(Exception) as te:
        f(torch)
    with pytest.raises(Exception) as ee:
        f(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    # the first line of the message matches PyTorch's where it is short and specific
    t_msg = str(te.value).splitlines()[0]
    if isinstance(te.value, RuntimeError) and 'size of' not in t_msg and 'Expected' not in t_msg:
        assert str(ee.value).splitlines()[0] == t_msg


def test_randomness_between_calls_inplace(device):
    x = ember.empty(100, device=device)
    a = to_np(x.uniform_()).copy()
    b = to_np(x.uniform_()).copy()
    assert not np.array_equal(a, b)


def test_noncontiguous_inplace(device):
    base = ember.zeros(6, 8, device=device)
    v = base.t()[::2]        # a strided view
    v.uniform_(1, 2)
    a = to_np(base)
    assert np.all(a[:, ::2] >= 1) and np.all(a[:, 1::2] == 0)
    v.bernoulli_(ember.ones(6, device=device))
    assert np.all(to_np(base)[:, ::2] == 1)
