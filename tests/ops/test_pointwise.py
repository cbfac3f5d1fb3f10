"""Pointwise ops against PyTorch: values, dtypes (type promotion), gradients, in-place, out=."""
import itertools
import math
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, numeric_grad, needs_torch, torch

pytestmark = needs_torch

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']


def _arr(dt, shape=(3,), nonzero=False):
    vals = np.array([1, 2, 3, 0, 5, 1]) if not nonzero else np.array([1, 2, 3, 4, 5, 6])
    a = vals[:int(np.prod(shape))].reshape(shape)
    return a.astype(dt)


def _run(lib, fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return fn(lib, *args)
    except Exception as e:   # noqa: BLE001 - the exception type is compared
        return e


def _same_outcome(e, t, ctx):
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f'{ctx}: torch raised {type(t).__name__}: {t}, ember gave {e}'
        assert type(e) is type(t), f'{ctx}: {type(e).__name__}: {e} != {type(t).__name__}: {t}'
        return
    assert not isinstance(e, Exception), f'{ctx}: ember raised {type(e).__name__}: {e}'
    assert_same(e, t)


# ------------------------------------------------------------------ type promotion tables

BINARY = {
    'add': lambda L, a, b: a + b,
    'radd': lambda L, a, b: b + a,
    'sub': lambda L, a, b: a - b,
    'mul': lambda L, a, b: a * b,
    'div': lambda L, a, b: a / b,
    'rdiv': lambda L, a, b: b / a,
    'floordiv': lambda L, a, b: a // b,
    'mod': lambda L, a, b: a % b,
    'pow': lambda L, a, b: a ** b,
    'rpow': lambda L, a, b: b ** a,
    'add_alpha': lambda L, a, b: L.add(a, b, alpha=2),
    'div_trunc': lambda L, a, b: L.div(a, b, rounding_mode='trunc'),
    'eq': lambda L, a, b: a == b,
    'lt': lambda L, a, b: a < b,
    'ge': lambda L, a, b: L.ge(a, b),
    'and': lambda L, a, b: a & b,
    'lshift': lambda L, a, b: a << b,
}


@pytest.mark.parametrize('op', ['add', 'mul', 'div', 'sub', 'eq', 'lt', 'floordiv', 'mod', 'pow',
                                'add_alpha', 'div_trunc', 'and', 'lshift'])
def test_promotion_tensor_pairs(op, device):
    """Every dtype pair, as (1-d, 1-d), (1-d, 0-dim) and (0-dim, 1-d) operands."""
    fn = BINARY[op]
    for da, db in itertools.product(DTYPES, DTYPES):
        for sa, sb in [((3,), (3,)), ((3,), ()), ((), (3,))]:
            a, b = _arr(da, sa, nonzero=True), _arr(db, sb, nonzero=True)
            e = _run(ember, fn, ember.tensor(a, device=device), ember.tensor(b, device=device))
            t = _run(torch, fn, torch.tensor(a), torch.tensor(b))
            _same_outcome(e, t, f'{op} {da}{list(sa)} {db}{list(sb)}')


SCALARS = [True, False, 2, -1, 300, 2.5, np.float64(1.5), np.float32(2.0), np.int64(3),
           np.bool_(True)]


@pytest.mark.parametrize('op', sorted(BINARY))
def test_promotion_python_scalars(op, device):
    fn = BINARY[op]
    for da in DTYPES:
        for s in SCALARS:
            for shape in [(3,), ()]:
                a = _arr(da, shape, nonzero=True)
                e = _run(ember, fn, ember.tensor(a, device=device), s)
                t = _run(torch, fn, torch.tensor(a), s)
                _same_outcome(e, t, f'{op} {da}{list(shape)} {s!r}')


def test_promotion_examples(device):
    i = ember.tensor([1, 2, 3], device=device)
    f = ember.tensor([1.0, 2.0], device=device)
    assert (i * 2.5).dtype == ember.float32
    assert (f + np.float64(1)).dtype == ember.float32
    assert (f + ember.tensor(1.0, dtype=ember.float64, device=device)).dtype == ember.float32
    assert (i / i).dtype == ember.float32
    assert (ember.tensor([True], device=device) + True).dtype == ember.bool
    assert (ember.tensor([True], device=device) * 2).dtype == ember.int64
    ember.set_default_dtype(ember.float64)
    try:
        assert (i / 2).dtype == ember.float64
        assert (i * 2.5).dtype == ember.float64
        assert (f * 2.5).dtype == ember.float32
    finally:
        ember.set_default_dtype(ember.float32)


def test_int_scalar_wraps_and_half_opmath(device):
    u = np.array([1, 200], np.uint8)
    c = np.array([1, 100], np.int8)
    h = np.array([1e-3, 3.0, -2.5], np.float16)
    cases = [(u, lambda L, x: x - 2), (u, lambda L, x: x + 300), (c, lambda L, x: x * 300),
             (u, lambda L, x: x < -1), (u, lambda L, x: x == 257), (c, lambda L, x: x // 300),
             (c, lambda L, x: x % 300), (h, lambda L, x: x * 1e5), (h, lambda L, x: 2.5 / x),
             (h, lambda L, x: 0.1 / x), (h, lambda L, x: x + 1e-4), (h, lambda L, x: x ** 2.5),
             (h, lambda L, x: L.remainder(x, 0.1)), (h, lambda L, x: L.fmod(x, 0.1)),
             (h, lambda L, x: x // 0.1), (h, lambda L, x: x / 3.0),
             (h, lambda L, x: L.add(x, x, alpha=0.1)), (u, lambda L, x: x | 300),
             (h, lambda L, x: L.lerp(x, x + 1, 0.1)), (h, lambda L, x: L.sigmoid(x)),
             (h, lambda L, x: L.round(x, decimals=1)), (h, lambda L, x: x - 0.3)]
    for a, fn in cases:
        e = fn(ember, ember.tensor(a, device=device))
        t = fn(torch, torch.tensor(a))
        assert_same(e, t, rtol=1e-3, atol=1e-6)


# ------------------------------------------------------------------ arithmetic values and grads

def _rand(*shape, lo=-2.0, hi=2.0, dtype=np.float32):
    return np.random.uniform(lo, hi, shape).astype(dtype)


@pytest.mark.parametrize('fn', [
    lambda L, x, y: x + y, lambda L, x, y: x - y, lambda L, x, y: x * y, lambda L, x, y: x / y,
    lambda L, x, y: L.add(x, y, alpha=2.5), lambda L, x, y: L.sub(x, y, alpha=-0.5),
    lambda L, x, y: L.maximum(x, y), lambda L, x, y: L.minimum(x, y),
    lambda L, x, y: L.fmax(x, y), lambda L, x, y: L.fmin(x, y), lambda L, x, y: L.atan2(x, y),
    lambda L, x, y: L.hypot(x, y), lambda L, x, y: L.fmod(x, y), lambda L, x, y: L.remainder(x, y),
    lambda L, x, y: L.div(x, y, rounding_mode='floor'), lambda L, x, y: L.div(x, y, rounding_mode='trunc'),
    lambda L, x, y: L.floor_divide(x, y).detach() + x, lambda L, x, y: x % y,
    lambda L, x, y: L.lerp(x, y, 0.3),
    lambda L, x, y: L.lerp(x, y, 0.7), lambda L, x, y: L.where(x > y, x, y),
    lambda L, x, y: L.clamp(x, min=y), lambda L, x, y: L.clamp(x, max=y),
])
def test_binary_broadcast_grad(fn, device):
    x = _rand(3, 4)
    y = _rand(4)
    y[np.abs(y) < 0.3] = 0.7
    compare(fn, x, y, device=device)
    compare(fn, x.T.copy().T, y, device=device)   # same values, F-ordered copy


def test_non_contiguous_inputs(device):
    x = _rand(4, 6)
    y = _rand(6, 4)
    compare(lambda L, a, b: (a.t() * b[:, ::2].repeat_interleave(2, 1) if False else a.t() * b),
            x, y, device=device)
    compare(lambda L, a, b: L.exp(a[:, 1::2]) + L.sin(b.t()[:, ::2]), x, y, device=device)
    compare(lambda L, a, b: L.pow(a.t().abs() + 0.5, b), x, y, device=device)


@pytest.mark.parametrize('fn', [
    lambda L, x: x + 2, lambda L, x: 2 + x, lambda L, x: x - 2.5, lambda L, x: 2.5 - x,
    lambda L, x: x * 3, lambda L, x: 3 * x, lambda L, x: x / 4, lambda L, x: 4 / x,
    lambda L, x: x ** 2, lambda L, x: x ** 3.5, lambda L, x: 2 ** x, lambda L, x: 0.5 ** x,
    lambda L, x: (x // 0.7).detach(), lambda L, x: x % 0.7, lambda L, x: (1.3 % x).detach(),
    lambda L, x: (1.3 // x).detach(),
    lambda L, x: -x, lambda L, x: +x, lambda L, x: abs(x), lambda L, x: L.rsub(x, 2.0, alpha=3),
    lambda L, x: L.fmod(x, -0.7), lambda L, x: L.lerp(x, x * 2, x.sigmoid()),
])
def test_scalar_operand_grad(fn, device):
    x = _rand(5, lo=0.2, hi=2.0)
    x[1] = -x[1]
    compare(fn, x, device=device)


def test_div_rounding_modes_ints(device):
    a = np.array([7, -7, 7, -7, 0, 5], np.int64)
    b = np.array([2, 2, -2, -2, 3, 1], np.int64)
    for mode in [None, 'trunc', 'floor']:
        compare(lambda L, x, y: L.div(x, y, rounding_mode=mode), a, b, device=device)
        compare(lambda L, x: L.div(x, 2, rounding_mode=mode), a, device=device)
        compare(lambda L, x: L.div(x, -2.5, rounding_mode=mode), a, device=device)
    compare(lambda L, x, y: L.remainder(x, y), a, b, device=device)
    compare(lambda L, x, y: L.fmod(x, y), a, b, device=device)
    compare(lambda L, x: 5 % x, b, device=device)
    compare(lambda L, x: 5 // x, b, device=device)


def test_integer_division_by_zero_raises(device):
    i = ember.tensor([3, -3], device=device)
    z = ember.tensor([0, 1], device=device)
    for fn in [lambda: i // z, lambda: i % z, lambda: ember.fmod(i, z), lambda: i // 0,
               lambda: ember.div(i, 0, rounding_mode='trunc'), lambda: i % 0]:
        with pytest.raises(RuntimeError, match='ZeroDivisionError'):
            fn()
    assert_same(i / z, torch.tensor([3, -3]) / torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match='rounding_mode'):
        ember.div(i, 2, rounding_mode='bad')


def test_float_division_special_values(device):
    x = np.array([1.0, -1.0, 0.0, np.inf, -0.0, 5.0], np.float32)
    y = np.array([0.0, 0.0, 0.0, 2.0, 3.0, np.inf], np.float32)
    for fn in [lambda L, a, b: a / b, lambda L, a, b: a // b, lambda L, a, b: a % b,
               lambda L, a, b: L.fmod(a, b), lambda L, a, b: L.div(a, b, rounding_mode='trunc')]:
        compare(fn, x, y, grad=False, device=device)


def test_bool_arithmetic_rules(device):
    b = ember.tensor([True, False], device=device)
    for fn, exc, msg in [(lambda: b - b, RuntimeError, 'two bool tensors'),
                         (lambda: b - 1, RuntimeError, 'with a bool tensor'),
                         (lambda: 1 - b, RuntimeError, 'with a bool tensor'),
                         (lambda: ember.tensor([1.0], device=device) - True, RuntimeError, 'bool'),
                         (lambda: -b, RuntimeError, 'Negation'),
                         (lambda: +b, RuntimeError, r'`\+` operator'),
                         (lambda: ember.abs(b), NotImplementedError, 'abs_cpu'),
                         (lambda: b // b, NotImplementedError, 'div_floor_cpu'),
                         (lambda: b ** b, NotImplementedError, 'pow'),
                         (lambda: ember.relu(b), RuntimeError, 'Boolean inputs'),
                         (lambda: ember.floor(b), NotImplementedError, 'floor_vml_cpu'),
                         (lambda: ember.add(b, b, alpha=1.5), RuntimeError, 'alpha'),
                         (lambda: ember.add(ember.tensor([1], device=device), 1, alpha=2.5),
                          RuntimeError, 'alpha must not be a floating'),
                         (lambda: ember.add(ember.tensor([1.0], device=device), 1, alpha=True),
                          RuntimeError, 'Boolean alpha')]:
        with pytest.raises(exc, match=msg):
            fn()
    for fn in [lambda L, x: x + x, lambda L, x: x * x, lambda L, x: x / x, lambda L, x: x + 1,
               lambda L, x: x * 2.5, lambda L, x: L.add(x, x, alpha=2), lambda L, x: x ** True,
               lambda L, x: x ** 2, lambda L, x: 2 ** x, lambda L, x: L.square(x),
               lambda L, x: L.add(x, x, alpha=False), lambda L, x: L.sign(x)]:
        compare(fn, np.array([True, False, True]), device=device)


def test_pow_special_cases(device):
    i = np.array([2, -3, 0, 1, -1], np.int64)
    e = np.array([3, 2, 0, -2, -3], np.int64)
    compare(lambda L, a, b: a ** b, i, e, device=device)
    compare(lambda L, a, b: L.pow(a, b), i, np.int64(-1) + 0 * e, device=device)
    with pytest.raises(RuntimeError, match='negative integer powers'):
        ember.tensor(i, device=device) ** -1
    compare(lambda L, a: a ** -1.0, i, device=device)
    compare(lambda L, a: L.pow(2.5, a), i, device=device)
    compare(lambda L, a: a ** 7, np.array([2, 3], np.int8), device=device)   # wraps


def test_pow_grad_at_zero_base(device):
    x = np.array([0.0, 0.0, -1.0, 2.0, 0.0], np.float32)
    e = np.array([-1.0, 0.0, 2.0, 0.5, 2.0], np.float32)
    compare(lambda L, a, b: a ** b, x, e, device=device, seed_grad=False)
    for p in [0, 0.5, 2, 3, -1]:
        compare(lambda L, a: a ** p, x, device=device, seed_grad=False)
    for base in [0.0, -2.0, 2.0]:
        compare(lambda L, b: L.pow(base, b), e, device=device, seed_grad=False)


# ------------------------------------------------------------------ unary ops

UNARY = {
    'exp': (-3, 3), 'exp2': (-3, 3), 'expm1': (-3, 3), 'log': (0.1, 4), 'log1p': (-0.9, 4),
    'log2': (0.1, 4), 'log10': (0.1, 4), 'sqrt': (0.1, 4), 'rsqrt': (0.1, 4), 'abs': (-3, 3),
    'sign': (-3, 3), 'sin': (-3, 3), 'cos': (-3, 3), 'tan': (-1.2, 1.2), 'asin': (-0.95, 0.95),
    'acos': (-0.95, 0.95), 'atan': (-3, 3), 'sinh': (-3, 3), 'cosh': (-3, 3), 'tanh': (-3, 3),
    'asinh': (-3, 3), 'acosh': (1.1, 4), 'atanh': (-0.95, 0.95), 'sigmoid': (-8, 8),
    'relu': (-3, 3), 'floor': (-3, 3), 'ceil': (-3, 3), 'round': (-3, 3), 'trunc': (-3, 3),
    'frac': (-3, 3), 'erf': (-2, 2), 'erfc': (-2, 2), 'erfinv': (-0.95, 0.95),
    'lgamma': (0.2, 5), 'digamma': (0.2, 5), 'square': (-3, 3), 'reciprocal': (0.3, 3),
    'neg': (-3, 3), 'nan_to_num': (-3, 3),
}


@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_values_and_grad(name, device):
    lo, hi = UNARY[name]
    x = _rand(3, 5, lo=lo, hi=hi)
    compare(lambda L, a: getattr(L, name)(a), x, device=device)
    loose = name in ('digamma', 'lgamma')   # PyTorch's trigamma is good to ~1e-9
    compare(lambda L, a: getattr(a, name)(), x.astype(np.float64), device=device,
            grad_rtol=1e-8 if loose else None)
    compare(lambda L, a: getattr(L, name)(a.t()[1:]), x, device=device)   # non-contiguous


@pytest.mark.parametrize('name', sorted(UNARY) + ['isnan', 'isinf', 'isfinite', 'logical_not',
                                                 'bitwise_not', 'signbit', 'positive'])
def test_unary_dtypes_and_special_values(name, device):
    vals = np.array([0., 1., 2., -1., 0.5, -0.5, 3.7, -2.5, 1.5, 2.5, np.nan, np.inf, -np.inf,
                     100., -100., 0.999, 1e-8, -0.0])
    for dt in DTYPES:
        a = vals
        if dt not in ('float16', 'float32', 'float64'):
            a = np.nan_to_num(vals, nan=0, posinf=5, neginf=-5)
            if dt == 'uint8':
                a = np.abs(a)
        a = a.astype(dt)
        fn = lambda L, x: getattr(L, name)(x)   # noqa: E731
        e = _run(ember, fn, ember.tensor(a, device=device))
        t = _run(torch, fn, torch.tensor(a))
        if isinstance(e, ember.Tensor) and isinstance(t, torch.Tensor) and dt == 'float16':
            assert_same(e, t, rtol=2e-3, atol=1e-3)
        else:
            _same_outcome(e, t, f'{name} {dt}')


def test_round_decimals(device):
    x = np.array([1.2345, -2.5, 0.5, 1.5, 123.456, -0.055], np.float32)
    for d in [0, 1, 2, -1, -2]:
        compare(lambda L, a: L.round(a, decimals=d), x, device=device)
        compare(lambda L, a: L.round(a, decimals=d), x.astype(np.float64), device=device)
    with pytest.raises(NotImplementedError, match='round_cpu'):
        ember.round(ember.tensor([1, 2], device=device), decimals=1)


def test_special_function_values(device):
    x = np.array([0.0, -0.0, -1.0, -0.5, 1e-3, 10.0, -np.inf, np.inf, np.nan], np.float32)
    for name in ['lgamma', 'digamma', 'erf', 'erfc']:
        compare(lambda L, a: getattr(L, name)(a), x, grad=False, device=device)
    compare(lambda L, a: L.erfinv(a), np.array([1.0, -1.0, 2.0, 0.0, 0.3], np.float32),
            grad=False, device=device)
    compare(lambda L, a: L.polygamma(1, a), _rand(5, lo=0.3, hi=3), device=device)


def test_sigmoid_extremes(device):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    compare(lambda L, a: L.sigmoid(a), x, device=device)
    compare(lambda L, a: L.sigmoid(a), x.astype(np.float16), grad=False, device=device)


# ------------------------------------------------------------------ gradients at special points

def test_grads_at_special_points(device):
    x = np.array([0.0, -0.0, 1.0, -1.0, 2.0], np.float32)
    for fn in [lambda L, a: L.relu(a), lambda L, a: L.abs(a), lambda L, a: L.sign(a),
               lambda L, a: L.clamp(a, -1.0, 1.0), lambda L, a: L.clamp(a, min=0.0),
               lambda L, a: L.clamp(a, 2.0, 1.0), lambda L, a: L.sqrt(a),
               lambda L, a: L.floor(a), lambda L, a: L.round(a), lambda L, a: L.frac(a)]:
        compare(fn, x, device=device, seed_grad=False)


def test_maximum_minimum_ties_and_nan(device):
    x = np.array([0.0, 1.0, 2.0, np.nan, 3.0, np.nan], np.float32)
    y = np.array([0.0, 2.0, 2.0, 1.0, np.nan, np.nan], np.float32)
    for name in ['maximum', 'minimum', 'fmax', 'fmin']:
        compare(lambda L, a, b: getattr(L, name)(a, b), x, y, device=device, seed_grad=False)


def test_clamp_tensor_bounds(device):
    x = np.array([0.0, 1.0, 2.0, 3.0, 1.0, 5.0], np.float32)
    lo = np.array([0.0, 2.0, 1.0, 4.0, 1.0, 6.0], np.float32)
    hi = np.array([2.0, 1.0, 2.0, 5.0, 1.0, 4.0], np.float32)
    compare(lambda L, a, b, c: L.clamp(a, b, c), x, lo, hi, device=device, seed_grad=False)
    compare(lambda L, a, b: L.clamp(a, min=b), x, lo, device=device, seed_grad=False)
    compare(lambda L, a, c: L.clamp(a, max=c), x, hi, device=device, seed_grad=False)
    compare(lambda L, a, b: L.clamp(a, b[:1]), x, lo, device=device)   # broadcast bound
    with pytest.raises(RuntimeError, match='At least one'):
        ember.clamp(ember.tensor(x, device=device))
    with pytest.raises(TypeError):
        ember.clamp(ember.tensor(x, device=device), ember.tensor(lo, device=device), 1.0)


def test_clamp_dtypes(device):
    i = np.array([-3, 0, 3], np.int64)
    for fn in [lambda L, a: L.clamp(a, 0.5), lambda L, a: L.clamp(a, -1, 1),
               lambda L, a: L.clamp(a, max=2), lambda L, a: L.clamp(a, 0, 1).dtype,
               lambda L, a: L.clamp(a > 0, 0, 1), lambda L, a: L.clamp(a.abs().to(L.uint8), 1, 2),
               lambda L, a: L.clamp(a.abs().to(L.uint8), 1, 300)]:
        e, t = _run(ember, fn, ember.tensor(i, device=device)), _run(torch, fn, torch.tensor(i))
        if isinstance(t, Exception):
            _same_outcome(e, t, 'clamp')
            continue
        if isinstance(t, torch.dtype):
            assert str(e) == str(t)
        else:
            assert_same(e, t)
    compare(lambda L, a: L.clamp(a, 0.5), i, device=device)


# ------------------------------------------------------------------ where, lerp, misc

def test_where(device):
    c = np.array([True, False, True])
    x = _rand(2, 3)
    y = _rand(3)
    compare(lambda L, m, a, b: L.where(m, a, b), c, x, y, device=device)
    compare(lambda L, m, a: L.where(m, a, 0.0), c, x, device=device)
    compare(lambda L, m, a: L.where(m, 2, a), c, x, device=device)
    compare(lambda L, m, a: a.where(m, 1.5), c, x, device=device)
    for u, v in [(1, 2.5), (1, 2), (True, False), (np.int64(1), 2)]:
        assert_same(ember.where(ember.tensor(c, device=device), u, v), torch.where(torch.tensor(c), u, v))
    ic = np.array([1, 2, 3], np.int32)
    compare(lambda L, m, a, b: L.where(m, a, b), c, ic, x.astype(np.float64), device=device)
    compare(lambda L, m, a: L.where(m, a, 2.5), c, ic, device=device)
    with pytest.raises(RuntimeError, match='boolean'):
        ember.where(ember.tensor(ic, device=device), 1, 2)
    r = ember.where(ember.tensor([True, False, True], device=device))
    assert [t.tolist() for t in r] == [[0, 2]]


def test_lerp(device):
    x, y, w = _rand(3, 4), _rand(4), _rand(3, 4, lo=0, hi=1)
    compare(lambda L, a, b, c: L.lerp(a, b, c), x, y, w, device=device)
    compare(lambda L, a, b: L.lerp(a, b, 2.0), x, y, device=device)
    compare(lambda L, a, b: a.lerp(b, 0.5), x, y, device=device)
    compare(lambda L, a, b: L.lerp(a, b, L.tensor(0.25, dtype=L.float64)), x, y, device=device)
    ex = ember.tensor(x, device=device)
    with pytest.raises(RuntimeError, match='expected dtype float for `end`'):
        ember.lerp(ex, ex.double(), 0.5)
    with pytest.raises(NotImplementedError, match='lerp_kernel_scalar'):
        ember.lerp(ex.long(), ex.long(), 0.5)


def test_nan_to_num(device):
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], np.float32)
    compare(lambda L, a: L.nan_to_num(a), x, device=device, seed_grad=False)
    compare(lambda L, a: L.nan_to_num(a, nan=1.5, posinf=9.0, neginf=-9.0), x, device=device)
    compare(lambda L, a: L.nan_to_num(a), x.astype(np.float16), grad=False, device=device)
    compare(lambda L, a: L.nan_to_num(a), x.astype(np.float64), device=device)
    compare(lambda L, a: L.nan_to_num(a), np.array([1, 2]), device=device)
    for name in ['isnan', 'isinf', 'isfinite', 'isposinf', 'isneginf', 'signbit']:
        compare(lambda L, a: getattr(L, name)(a), x, grad=False, device=device)


def test_comparisons_logical_bitwise(device):
    a = np.array([1, 2, 3, -4, 0], np.int32)
    b = np.array([3, 2, 1, -4, 5], np.int32)
    f = np.array([1.0, np.nan, 3.0, -4.0, 0.0], np.float32)
    for fn in [lambda L, x, y: x == y, lambda L, x, y: x != y, lambda L, x, y: x < y,
               lambda L, x, y: x <= y, lambda L, x, y: x > y, lambda L, x, y: x >= y,
               lambda L, x, y: L.logical_and(x, y), lambda L, x, y: L.logical_or(x, y),
               lambda L, x, y: L.logical_xor(x, y), lambda L, x, y: L.logical_not(x),
               lambda L, x, y: L.greater_equal(x, y), lambda L, x, y: L.not_equal(x, y)]:
        compare(fn, a, b, device=device)
        compare(fn, f, b, grad=False, device=device)
    for fn in [lambda L, x, y: x & y, lambda L, x, y: x | y, lambda L, x, y: x ^ y,
               lambda L, x, y: ~x, lambda L, x, y: x << (y & 7), lambda L, x, y: x >> (y & 7),
               lambda L, x, y: x & 6, lambda L, x, y: 6 | x, lambda L, x, y: 1 << (y & 7)]:
        compare(fn, a, b, device=device)
        compare(fn, a > 1, b > 1, device=device) if '<<' not in str(fn) else None
    i8 = np.array([1, -8, 3], np.int8)
    for s in [7, 8, 9, -1]:
        compare(lambda L, x: x << s, i8, device=device)
        compare(lambda L, x: x >> s, i8, device=device)
    ef = ember.tensor(f, device=device)
    with pytest.raises(NotImplementedError, match='bitwise_and_cpu'):
        ef & ef
    with pytest.raises(TypeError, match='invert'):
        ~ef
    with pytest.raises(NotImplementedError, match='bitwise_not_cpu'):
        ember.bitwise_not(ef)
    assert (ember.tensor([1], device=device) == None) is False  # noqa: E711
    assert (ember.tensor([1], device=device) != None) is True  # noqa: E711
    assert ember.equal(ember.tensor([1, 2]), ember.tensor([1, 2]))
    assert ember.allclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))


def test_tensor_required_arguments(device):
    x = ember.tensor([1.0, 2.0], device=device)
    for fn in [lambda: ember.maximum(x, 2), lambda: ember.minimum(x, 2.0),
               lambda: ember.atan2(x, 2.5), lambda: ember.hypot(x, 1.0),
               lambda: ember.fmod(2, x)]:
        with pytest.raises(TypeError):
            fn()
    with pytest.raises(NotImplementedError, match='hypot_cpu'):
        ember.hypot(x.long(), x.long())
    compare(lambda L, a, b: L.atan2(a, b), np.array([1, -2, 0]), np.array([0, 3, -1]), device=device)
    compare(lambda L, a, b: L.atan2(a, b), np.array([1, -2, 0]), np.array([0, 3, -1], np.float16),
            device=device, grad=False)


# ------------------------------------------------------------------ in-place ops

def test_inplace_dtype_errors(device):
    i = ember.tensor([1, 2], device=device)
    ti = torch.tensor([1, 2])
    for name, args in [('add_', (1.5,)), ('mul_', (ember.tensor([1.0, 2.0], device=device),)),
                       ('div_', (2,)), ('sqrt_', ()), ('exp_', ()), ('clamp_', (0.5,)),
                       ('__iadd__', (1.5,)), ('__itruediv__', (2,)), ('pow_', (-1,))]:
        targs = tuple(torch.tensor(a.tolist()) if isinstance(a, ember.Tensor) else a for a in args)
        with pytest.raises(RuntimeError) as te:
            getattr(ti.clone(), name)(*targs)
        with pytest.raises(RuntimeError) as ee:
            getattr(i.clone(), name)(*args)
        if 'cast' in str(te.value):
            assert str(ee.value).split('desired')[0] == str(te.value).split('desired')[0]
    b = ember.tensor([True, False], device=device)
    with pytest.raises(RuntimeError, match="can't be cast"):
        b.add_(1)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ember.tensor([1.0, 2.0], device=device).add_(ember.ones(2, 2, device=device))


def test_inplace_values(device):
    x = np.array([0.5, -1.5, 2.0], np.float32)
    for name, args in [('add_', (2,)), ('add_', (1.0,)), ('sub_', (1,)), ('mul_', (3,)),
                       ('div_', (2,)), ('pow_', (2,)), ('clamp_', (-1, 1)), ('relu_', ()),
                       ('abs_', ()), ('neg_', ()), ('exp_', ()), ('sigmoid_', ()), ('tanh_', ()),
                       ('floor_', ()), ('round_', ()), ('lt_', (1.0,)), ('sign_', ()),
                       ('fmod_', (0.7,)), ('remainder_', (0.7,)), ('lerp_', (ember.ones(3), 0.5)),
                       ('nan_to_num_', ()), ('logical_not_', ())]:
        e, t = ember.tensor(x, device=device), torch.tensor(x)
        targs = tuple(torch.ones(3) if isinstance(a, ember.Tensor) else a for a in args)
        args = tuple(a.to(device) if isinstance(a, ember.Tensor) else a for a in args)
        v0 = e._version
        r = getattr(e, name)(*args)
        getattr(t, name)(*targs)
        assert r is e and e._version > v0, name
        assert_same(e, t)
    i = np.array([3, -2, 5], np.int64)
    for name, args in [('add_', (2,)), ('mul_', (3,)), ('floor_divide_', (2,)),
                       ('remainder_', (2,)), ('bitwise_and_', (6,)), ('__ior__', (8,)),
                       ('__ilshift__', (1,)), ('abs_', ()), ('neg_', ()), ('relu_', ()),
                       ('sign_', ()), ('lt_', (1.5,)), ('clamp_', (0, 2)), ('pow_', (2,))]:
        e, t = ember.tensor(i, device=device), torch.tensor(i)
        getattr(e, name)(*args)
        getattr(t, name)(*args)
        assert_same(e, t)
    e = ember.tensor(x, device=device)
    e += 1
    e *= 2
    e -= 0.5
    e /= 4
    e **= 2
    t = torch.tensor(x)
    t += 1
    t *= 2
    t -= 0.5
    t /= 4
    t **= 2
    assert_same(e, t)


def test_inplace_autograd(device):
    leaf = ember.tensor([1.0, 2.0], requires_grad=True, device=device)
    for fn in [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.exp_(), lambda t: t.relu_(),
               lambda t: t.clamp_(0, 1)]:
        with pytest.raises(RuntimeError, match='a leaf Variable that requires grad is being used '
                                               'in an in-place operation.'):
            fn(leaf)
    with pytest.raises(RuntimeError, match='leaf Variable'):
        leaf += 1
    with ember.no_grad():
        leaf.add_(1)   # allowed without grad
    assert leaf.tolist() == [2.0, 3.0]

    x = np.array([0.5, -1.5, 2.0, 0.0], np.float32)
    fns = [lambda L, a: (a * 1).add_(a, alpha=2).mul_(a),
           lambda L, a: (a * 2).mul_(3).exp_(),
           lambda L, a: (a + 0).pow_(2).sigmoid_(),
           lambda L, a: (a + 0).relu_() * a,
           lambda L, a: (a + 0).clamp_(-1, 1),
           lambda L, a: (a - 1).abs_().sqrt_(),
           lambda L, a: (a * 1).div_(a.exp()),
           lambda L, a: (a * 1).lerp_(a.sin(), 0.3)]
    for fn in fns:
        compare(fn, x, device=device)

    def on_view(L, a):
        b = a * 1
        b[1:3].mul_(a[:2]).add_(1)
        b[0:2].tanh_()
        return b
    compare(on_view, x, device=device)

    def modified_saved(L, a):
        y = a.exp()
        z = y * 2
        y.add_(1)   # y is saved by exp's backward
        return z + y

    for L in (ember, torch):
        for fn in (modified_saved, lambda L, a: (a * 2).exp_().mul_(3),
                   lambda L, a: (a + 0).sigmoid_().pow_(2)):
            e = L.tensor(x, requires_grad=True)
            with pytest.raises(RuntimeError, match='modified by an inplace operation'):
                fn(L, e).sum().backward()

    # PyTorch saves only what each gradient needs: modifying an unsaved operand is fine
    for fn in (lambda L, b: b * L.tensor([1.0, 2.0, 3.0, 4.0]), lambda L, b: b / L.tensor(3.0),
               lambda L, b: b - L.tensor(1.0), lambda L, b: b + 1):
        grads = []
        for L in (ember, torch):
            a = L.tensor(x, requires_grad=True)
            b = a * 2
            c = fn(L, b)
            b.add_(1)
            c.sum().backward()
            grads.append(a.grad)
        assert_same(*grads)

    # no-grad paths: floor_divide and remainder(Scalar, Tensor) have no derivative in PyTorch
    for L in (ember, torch):
        e = L.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError, match='derivative for aten::floor_divide'):
            (e // 0.7).sum().backward()
        with pytest.raises(RuntimeError, match='derivative for aten::remainder'):
            (1.3 % e).sum().backward()


def test_out_keyword(device):
    x = _rand(2, 3)
    y = _rand(3)
    for name, args in [('add', (y,)), ('mul', (y,)), ('div', (y,)), ('exp', ()), ('clamp', (0.0, 1.0)),
                       ('lt', (y,)), ('maximum', (y,)), ('pow', (2,)), ('sigmoid', ())]:
        ex = ember.tensor(x, device=device)
        eargs = tuple(ember.tensor(a, device=device) if isinstance(a, np.ndarray) else a for a in args)
        targs = tuple(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args)
        eo = ember.empty(2, 3, dtype=ember.bool if name == 'lt' else ember.float32, device=device)
        to = torch.empty(2, 3, dtype=torch.bool if name == 'lt' else torch.float32)
        r = getattr(ember, name)(ex, *eargs, out=eo)
        getattr(torch, name)(torch.tensor(x), *targs, out=to)
        assert r is eo
        assert_same(eo, to)
    # an int result into a float out is fine; a float result into an int out raises
    eo = ember.empty(3, device=device)
    ember.add(ember.tensor([1, 2, 3], device=device), 1, out=eo)
    assert eo.dtype == ember.float32 and eo.tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.exp(ember.tensor([1.0], device=device), out=ember.empty(1, dtype=ember.int64, device=device))
    # resizing an empty out
    eo = ember.empty(0, device=device)
    ember.mul(ember.tensor(x, device=device), 2, out=eo)
    assert tuple(eo.shape) == (2, 3)
    with pytest.raises(RuntimeError, match='out='):
        ember.exp(ember.tensor(x, requires_grad=True, device=device), out=ember.empty(2, 3, device=device))


# ------------------------------------------------------------------ finite differences, double backward

GRADCHECK = {
    'exp': (lambda L, a: L.exp(a), -1, 1), 'expm1': (lambda L, a: L.expm1(a), -1, 1),
    'log': (lambda L, a: L.log(a), 0.5, 2), 'log1p': (lambda L, a: L.log1p(a), 0.5, 2),
    'log2': (lambda L, a: L.log2(a), 0.5, 2), 'sqrt': (lambda L, a: L.sqrt(a), 0.5, 2),
    'rsqrt': (lambda L, a: L.rsqrt(a), 0.5, 2), 'abs': (lambda L, a: L.abs(a), 0.3, 2),
    'sin': (lambda L, a: L.sin(a), -2, 2), 'cos': (lambda L, a: L.cos(a), -2, 2),
    'tan': (lambda L, a: L.tan(a), -1, 1), 'asin': (lambda L, a: L.asin(a), -0.8, 0.8),
    'acos': (lambda L, a: L.acos(a), -0.8, 0.8), 'atan': (lambda L, a: L.atan(a), -2, 2),
    'sinh': (lambda L, a: L.sinh(a), -2, 2), 'cosh': (lambda L, a: L.cosh(a), -2, 2),
    'tanh': (lambda L, a: L.tanh(a), -2, 2), 'asinh': (lambda L, a: L.asinh(a), -2, 2),
    'acosh': (lambda L, a: L.acosh(a), 1.2, 3), 'atanh': (lambda L, a: L.atanh(a), -0.8, 0.8),
    'sigmoid': (lambda L, a: L.sigmoid(a), -3, 3), 'relu': (lambda L, a: L.relu(a), 0.2, 2),
    'erf': (lambda L, a: L.erf(a), -1.5, 1.5), 'erfinv': (lambda L, a: L.erfinv(a), -0.8, 0.8),
    'lgamma': (lambda L, a: L.lgamma(a), 0.5, 3), 'digamma': (lambda L, a: L.digamma(a), 0.5, 3),
    'pow': (lambda L, a: L.pow(a, a), 0.5, 2), 'rpow': (lambda L, a: 1.7 ** a, -1, 1),
    'div': (lambda L, a: (a + 3) / a, 0.5, 2), 'clamp': (lambda L, a: L.clamp(a, -0.5, 0.5) * a, -1, 1),
    'lerp': (lambda L, a: L.lerp(a, a * a, a.sigmoid()), -1, 1),
    'fmod': (lambda L, a: L.fmod(a.exp(), a), 0.6, 0.9),
    'remainder': (lambda L, a: L.remainder(a.exp(), a), 0.6, 0.9),
    'atan2': (lambda L, a: L.atan2(a, a.cos()), -1, 1),
    'hypot': (lambda L, a: L.hypot(a, a.cos()), -1, 1),
    'maximum': (lambda L, a: L.maximum(a, a.flip(0)), -1, 1),
}


@pytest.mark.parametrize('name', sorted(GRADCHECK))
def test_gradcheck_float64(name, device):
    fn, lo, hi = GRADCHECK[name]
    x = np.random.uniform(lo, hi, 5)
    w = np.random.standard_normal(5)
    t = ember.tensor(x, requires_grad=True, device=device)
    (fn(ember, t) * ember.tensor(w, device=device)).sum().backward()

    def f(v):
        return float((fn(ember, ember.tensor(v, device=device)) * ember.tensor(w, device=device)).sum())
    np.testing.assert_allclose(t.grad.cpu().numpy(), numeric_grad(f, x.copy()), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('fn', [
    lambda L, a: L.exp(a) * L.sin(a), lambda L, a: L.sigmoid(a), lambda L, a: L.tanh(a),
    lambda L, a: a ** 3, lambda L, a: L.log(a) / a, lambda L, a: L.sqrt(a) * L.atan(a),
    lambda L, a: L.erf(a), lambda L, a: L.lgamma(a), lambda L, a: L.pow(a, a),
    lambda L, a: L.maximum(a, a.flip(0) * 0.5) * a,
])
def test_double_backward(fn, device):
    x = np.random.uniform(0.5, 2.0, 4)
    w = np.random.standard_normal(4)
    res = []
    for L in (ember, torch):
        t = L.tensor(x, requires_grad=True) if L is torch else L.tensor(x, requires_grad=True, device=device)
        y = (fn(L, t) * L.tensor(w)).sum() if L is torch else (fn(L, t) * L.tensor(w, device=device)).sum()
        g, = L.autograd.grad(y, t, create_graph=True)
        gg, = L.autograd.grad((g * g).sum(), t)
        res.append((g.detach(), gg))
    assert_same(res[0][0], res[1][0])
    assert_same(res[0][1], res[1][1], rtol=1e-8, atol=1e-10)
