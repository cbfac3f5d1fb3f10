"""Gradients of complex tensors follow PyTorch's convention (conjugate Wirtinger derivatives):
for a holomorphic ``y = f(x)``, ``grad_x = grad_y * conj(f'(x))``; non-holomorphic ops (abs,
sgn, angle, real, imag, conj) use PyTorch's own formulas. Each op is checked against torch
with three real-valued losses, for complex64 and complex128."""
import numpy as np
import pytest

import ember
from tests.helpers import needs_torch, torch, assert_same, to_np

pytestmark = needs_torch

TOL = {'complex64': (2e-4, 2e-4), 'complex128': (1e-9, 1e-9)}


def _cplx(rng, shape, dtype, shift=0):
    a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape) + shift
    return a.astype(dtype)


def _loss(y, kind):
    if not y.is_complex():
        return (y * y).sum() if kind == 'sq' else y.sum()
    if kind == 'sq':
        return (y * y.conj()).real.sum()
    if kind == 'abs':
        return y.abs().sum()
    return y.real.sum() + y.imag.sum()


def _grads(lib, dev, fn, arrays, kind, create_graph=False):
    xs = [lib.tensor(a, device=dev, requires_grad=True) for a in arrays]
    y = fn(lib, *xs)
    gs = lib.autograd.grad(_loss(y, kind), xs, create_graph=create_graph)
    return y, xs, gs


def check(fn, arrays, device, kind, dtype):
    """ember's gradients (and values) of ``_loss(fn(*inputs))`` equal torch's."""
    rtol, atol = TOL[dtype]
    ye, _, ge = _grads(ember, device, fn, arrays, kind)
    yt, _, gt = _grads(torch, 'cpu', fn, arrays, kind)
    assert_same(ye, yt.resolve_conj(), rtol, atol)
    for e, t in zip(ge, gt):
        assert_same(e, t.resolve_conj(), rtol, atol)


A, B = (3, 4), (3, 4)
UNARY = {
    'neg': lambda l, a: -a,
    'exp': lambda l, a: a.exp(),
    'log': lambda l, a: a.log(),
    'sqrt': lambda l, a: a.sqrt(),
    'rsqrt': lambda l, a: a.rsqrt(),
    'reciprocal': lambda l, a: a.reciprocal(),
    'square': lambda l, a: a.square(),
    'sin': lambda l, a: a.sin(),
    'cos': lambda l, a: a.cos(),
    'tan': lambda l, a: a.tan(),
    'sinh': lambda l, a: a.sinh(),
    'cosh': lambda l, a: a.cosh(),
    'tanh': lambda l, a: a.tanh(),
    'sigmoid': lambda l, a: a.sigmoid(),
    'exp2': lambda l, a: l.exp2(a),
    'expm1': lambda l, a: a.expm1(),
    'log2': lambda l, a: a.log2(),
    'log10': lambda l, a: a.log10(),
    'log1p': lambda l, a: a.log1p(),
    'asin': lambda l, a: a.asin(),
    'acos': lambda l, a: a.acos(),
    'atan': lambda l, a: a.atan(),
    'asinh': lambda l, a: a.asinh(),
    'acosh': lambda l, a: a.acosh(),
    'atanh': lambda l, a: a.atanh(),
    'abs': lambda l, a: a.abs(),
    'sgn': lambda l, a: a.sgn(),
    'angle': lambda l, a: a.angle(),
    'real': lambda l, a: a.real,
    'imag': lambda l, a: a.imag,
    'conj': lambda l, a: a.conj() * 1,          # torch's lazy conj view: materialise it
    'conj_physical': lambda l, a: l.conj_physical(a),
    'view_as_real': lambda l, a: l.view_as_real(a),
    'pow_scalar': lambda l, a: a ** 2.5,
    'pow_int': lambda l, a: a ** 3,
    'pow_complex_scalar': lambda l, a: a ** (1 + 2j),
    'rpow': lambda l, a: 2.0 ** a,
    'rpow_complex': lambda l, a: (1 + 1j) ** a,
    'mul_scalar': lambda l, a: a * (2 - 1j),
    'div_scalar': lambda l, a: (2 + 1j) / a,
    'sum': lambda l, a: a.sum(0),
    'mean': lambda l, a: a.mean(1),
    'prod': lambda l, a: a.prod(1),
    'prod_all': lambda l, a: a.prod(),
    'cumsum': lambda l, a: a.cumsum(1),
    'cumprod': lambda l, a: a.cumprod(1),
    'logsumexp': lambda l, a: l.logsumexp(a, 1),
}

BINARY = {
    'add': lambda l, a, b: a + b,
    'add_alpha': lambda l, a, b: l.add(a, b, alpha=2),
    'add_complex_alpha': lambda l, a, b: l.add(a, b, alpha=1 - 2j),
    'sub_alpha': lambda l, a, b: l.sub(a, b, alpha=3),
    'mul': lambda l, a, b: a * b,
    'div': lambda l, a, b: a / b,
    'pow': lambda l, a, b: a ** b,
    'where': lambda l, a, b: l.where(a.real > 0, a, b),
    'lerp': lambda l, a, b: l.lerp(a, b, 0.3),
    'addcmul': lambda l, a, b: l.addcmul(a, a, b, value=2),
}

MATMUL = {   # (fn, shapes)
    'matmul': (lambda l, a, b: a @ b, [(3, 4), (4, 5)]),
    'mm': (lambda l, a, b: l.mm(a, b), [(3, 4), (4, 5)]),
    'bmm': (lambda l, a, b: l.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    'matmul_bcast': (lambda l, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    'matmul_vec': (lambda l, a, b: a @ b, [(4,), (2, 4, 5)]),
    'mv': (lambda l, a, b: l.mv(a, b), [(3, 4), (4,)]),
    'dot': (lambda l, a, b: l.dot(a, b), [(4,), (4,)]),
    'vdot': (lambda l, a, b: l.vdot(a, b), [(4,), (4,)]),
    'addmm': (lambda l, c, a, b: l.addmm(c, a, b, beta=0.5, alpha=2), [(3, 5), (3, 4), (4, 5)]),
    'addmm_calpha': (lambda l, c, a, b: l.addmm(c, a, b, beta=1j, alpha=2 - 1j),
                     [(3, 5), (3, 4), (4, 5)]),
    'addmv': (lambda l, c, a, b: l.addmv(c, a, b), [(3,), (3, 4), (4,)]),
    'baddbmm': (lambda l, c, a, b: l.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    'addbmm': (lambda l, c, a, b: l.addbmm(c, a, b), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    'einsum': (lambda l, a, b: l.einsum('ij,jk->ik', a, b), [(3, 4), (4, 5)]),
    'einsum_batch': (lambda l, a, b: l.einsum('bij,bjk->bik', a, b), [(2, 3, 4), (2, 4, 5)]),
    'einsum_trace': (lambda l, a: l.einsum('ii->', a), [(3, 3)]),
    'outer': (lambda l, a, b: l.outer(a, b), [(3,), (4,)]),
    'cross': (lambda l, a, b: l.linalg.cross(a, b), [(4, 3), (4, 3)]),
    'tensordot': (lambda l, a, b: l.tensordot(a, b, dims=1), [(3, 4), (4, 5)]),
}

LINALG = {   # well-conditioned square inputs (complex normal + 3 I)
    'det': lambda l, a: l.linalg.det(a),
    'inv': lambda l, a: l.linalg.inv(a),
    'slogdet_logabs': lambda l, a: l.linalg.slogdet(a)[1],
    'slogdet_sign': lambda l, a: l.linalg.slogdet(a)[0],
    'logdet': lambda l, a: l.logdet(a),
    'solve': lambda l, a: l.linalg.solve(a, a[:, :2].exp()),
    'matrix_power': lambda l, a: l.linalg.matrix_power(a, 3),
}

DTYPES = ['complex64', 'complex128']
LOSSES = ['sq', 'abs', 'ri']


@pytest.mark.parametrize('kind', LOSSES)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary(name, dtype, kind, device):
    rng = np.random.RandomState(0)
    check(UNARY[name], [_cplx(rng, A, dtype)], device, kind, dtype)


@pytest.mark.parametrize('kind', LOSSES)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(BINARY))
def test_binary(name, dtype, kind, device):
    rng = np.random.RandomState(1)
    check(BINARY[name], [_cplx(rng, A, dtype), _cplx(rng, B, dtype)], device, kind, dtype)


@pytest.mark.parametrize('kind', LOSSES)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(MATMUL))
def test_products(name, dtype, kind, device):
    rng = np.random.RandomState(2)
    fn, shapes = MATMUL[name]
    check(fn, [_cplx(rng, s, dtype) for s in shapes], device, kind, dtype)


@pytest.mark.parametrize('kind', LOSSES)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(LINALG))
def test_linalg(name, dtype, kind, device):
    rng = np.random.RandomState(3)
    a = (_cplx(rng, (3, 3), 'complex128') + 3 * np.eye(3)).astype(dtype)
    check(LINALG[name], [a], device, kind, dtype)


def test_prod_cumprod_with_zeros(device):
    rng = np.random.RandomState(4)
    a = _cplx(rng, (3, 4), 'complex128')
    a[0, 1] = a[2, 0] = a[2, 3] = 0
    for fn in (lambda l, x: x.prod(1), lambda l, x: x.prod(), lambda l, x: x.cumprod(1)):
        check(fn, [a], device, 'sq', 'complex128')


def test_det_singular(device):
    rng = np.random.RandomState(5)
    a = _cplx(rng, (3, 3), 'complex128')
    a[2] = a[0] * (1 - 2j)
    check(lambda l, x: l.linalg.det(x), [a], device, 'sq', 'complex128')


def test_abs_sgn_angle_at_zero(device):
    a = np.array([0, 1 + 1j, -2j, 0], np.complex128)
    for fn in (UNARY['abs'], UNARY['sgn'], UNARY['angle']):
        check(fn, [a], device, 'sq', 'complex128')


# ---------------------------------------------------------------------------- mixed operands


MIXED = {
    'mul': lambda l, r, c: r * c,
    'rmul': lambda l, r, c: c * r,
    'div': lambda l, r, c: r / c,
    'rdiv': lambda l, r, c: c / (r + 3),
    'add': lambda l, r, c: r + c,
    'sub_alpha': lambda l, r, c: l.sub(c, r, alpha=2 + 1j),
    'pow': lambda l, r, c: c ** r,
    'rpow': lambda l, r, c: (r + 3) ** c,
    'to_complex': lambda l, r, c: r.to(c.dtype) * c,
    'complex_scalar': lambda l, r, c: r * (1 + 2j) + c,
}


@pytest.mark.parametrize('kind', LOSSES)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name', sorted(MIXED))
def test_mixed_real_complex(name, dtype, kind, device):
    """A real operand of a complex op gets a real gradient (the real part), as in torch."""
    rng = np.random.RandomState(6)
    real = rng.standard_normal(A).astype('float32' if dtype == 'complex64' else 'float64')
    check(MIXED[name], [real, _cplx(rng, A, dtype)], device, kind, dtype)
    _, xs, gs = _grads(ember, device, MIXED[name], [real, _cplx(rng, A, dtype)], kind)
    assert not gs[0].is_complex() and gs[0].dtype == xs[0].dtype


def test_real_input_angle_grad_is_zero(device):
    check(UNARY['angle'], [np.array([-1.0, 2.0, 0.5])], device, 'sq', 'complex128')


# ---------------------------------------------------------------------------- double backward


DOUBLE = {
    'mul': (lambda l, a, b: a * b, [(3, 4), (3, 4)]),
    'div': (lambda l, a, b: a / b, [(3, 4), (3, 4)]),
    'exp': (lambda l, a: a.exp(), [(3, 4)]),
    'tanh': (lambda l, a: a.tanh(), [(3, 4)]),
    'abs': (lambda l, a: a.abs(), [(3, 4)]),
    'pow': (lambda l, a: a ** 2.5, [(3, 4)]),
    'matmul': (lambda l, a, b: a @ b, [(3, 4), (4, 5)]),
}


@pytest.mark.parametrize('kind', ['sq', 'ri'])
@pytest.mark.parametrize('name', sorted(DOUBLE))
def test_double_backward(name, kind, device):
    rng = np.random.RandomState(7)
    fn, shapes = DOUBLE[name]
    arrays = [_cplx(rng, s, 'complex128') for s in shapes]
    res = []
    for lib, dev in ((ember, device), (torch, 'cpu')):
        _, xs, gs = _grads(lib, dev, fn, arrays, kind, create_graph=True)
        gg = sum(((g * g.conj()).real.sum() for g in gs), lib.zeros(()))
        res.append(lib.autograd.grad(gg, xs))
    for e, t in zip(*res):
        assert_same(e, t.resolve_conj(), 1e-9, 1e-9)


# ---------------------------------------------------------------------------- real dtypes


def test_real_grads_stay_real(device):
    x = ember.tensor([1.0, -2.0, 3.0], device=device, requires_grad=True)
    y = (x * x.conj()).exp().abs().sgn() + x.sqrt().nan_to_num()
    y.sum().backward()
    assert x.grad.dtype == ember.float32
    assert ember.conj(x) is x


def test_sign_refuses_complex(device):
    for lib, dev in ((torch, 'cpu'), (ember, device)):
        with pytest.raises(RuntimeError, match='torch.sgn'):
            lib.sign(lib.tensor([1 + 1j], device=dev))
    assert_same(ember.sgn(ember.tensor([3 + 4j, 0j], device=device)),
                torch.sgn(torch.tensor([3 + 4j, 0j])))
    assert to_np(ember.tensor([-2.0, 0.0, 5.0]).sgn()).tolist() == [-1.0, 0.0, 1.0]
