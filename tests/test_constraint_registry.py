"""distributions.constraint_registry (``biject_to``/``transform_to``) against torch's: for each
registered constraint, the transform's type and repr, domain/codomain, forward values and
gradients, inverse, log_abs_det_jacobian; the registry's own API and errors; the two matrix
transforms (LowerCholeskyTransform, PositiveDefiniteTransform) it needed."""
import numpy as np
import pytest

import ember
from tests.helpers import compare, needs_torch, torch

pytestmark = needs_torch
R = np.random.RandomState(11)


def C(lib):
    return lib.distributions.constraints


def reg(lib, which):
    return getattr(lib.distributions, which)


# name -> (constraint factory, unconstrained input)
ELEMENTWISE = {
    'real': (lambda L: C(L).real, R.randn(4, 3)),
    'real_vector': (lambda L: C(L).real_vector, R.randn(4, 3)),
    'positive': (lambda L: C(L).positive, R.randn(4, 3)),
    'nonnegative': (lambda L: C(L).nonnegative, R.randn(4, 3)),
    'greater_than': (lambda L: C(L).greater_than(1.5), R.randn(4, 3)),
    'greater_than_tensor': (lambda L: C(L).greater_than(L.tensor([0., -1., 2.],
                                                                 dtype=L.float64)),
                            R.randn(4, 3)),
    'greater_than_eq': (lambda L: C(L).greater_than_eq(-2.), R.randn(4, 3)),
    'less_than': (lambda L: C(L).less_than(3.), R.randn(4, 3)),
    'interval': (lambda L: C(L).interval(-1., 2.5), R.randn(4, 3)),
    'interval_int_unit': (lambda L: C(L).interval(0, 1), R.randn(4, 3)),
    'interval_tensor': (lambda L: C(L).interval(L.tensor(0., dtype=L.float64),
                                                L.tensor(1., dtype=L.float64)), R.randn(4, 3)),
    'unit_interval': (lambda L: C(L).unit_interval, R.randn(4, 3)),
    'half_open_interval': (lambda L: C(L).half_open_interval(-3., 0.5), R.randn(4, 3)),
    'half_open_unit': (lambda L: C(L).half_open_interval(0., 1.), R.randn(4, 3)),
    'simplex': (lambda L: C(L).simplex, R.randn(4, 3)),
    'independent_positive': (lambda L: C(L).independent(C(L).positive, 2), R.randn(2, 4, 3)),
    'independent_interval': (lambda L: C(L).independent(C(L).interval(-2., 1.), 1),
                             R.randn(4, 3)),
    'independent_simplex': (lambda L: C(L).independent(C(L).simplex, 1), R.randn(2, 4, 3)),
}
MATRIX = {
    'lower_cholesky': (lambda L: C(L).lower_cholesky, R.randn(2, 3, 3)),
    'positive_definite': (lambda L: C(L).positive_definite, R.randn(2, 3, 3)),
    'positive_semidefinite': (lambda L: C(L).positive_semidefinite, R.randn(3, 3)),
}
BIJECT = ELEMENTWISE
TRANSFORM = {**ELEMENTWISE, **MATRIX}


def _structure(t):
    """The transform's type tree (names only), comparable across libraries."""
    name = type(t).__name__
    if hasattr(t, 'parts'):
        return (name, [_structure(p) for p in t.parts])
    if hasattr(t, 'base_transform'):
        return (name, _structure(t.base_transform), t.reinterpreted_batch_ndims)
    return name


CASES = [('biject_to', k) for k in BIJECT] + [('transform_to', k) for k in TRANSFORM]


@pytest.mark.parametrize('which,name', CASES)
def test_transform_type_and_constraints(which, name):
    make, _ = TRANSFORM[name]
    te, tt = reg(ember, which)(make(ember)), reg(torch, which)(make(torch))
    assert _structure(te) == _structure(tt)
    assert repr(te) == repr(tt)
    assert te.bijective == tt.bijective
    for side in ('domain', 'codomain'):
        a, b = getattr(te, side), getattr(tt, side)
        assert a.event_dim == b.event_dim, side
        assert type(a).__name__ == type(b).__name__, side
    if tt.domain.event_dim == tt.codomain.event_dim:
        assert te.event_dim == tt.event_dim


def _ladj_supported(tt, x):
    try:
        tt.log_abs_det_jacobian(x, tt(x))
    except NotImplementedError:
        return False
    return True


@pytest.mark.parametrize('which,name', CASES)
def test_values_inverse_ladj(device, which, name):
    make, x = TRANSFORM[name]

    def fwd(lib, a):
        return reg(lib, which)(make(lib))(a)
    compare(fwd, x, device=device)

    te, tt = reg(ember, which)(make(ember)), reg(torch, which)(make(torch))
    y_t = tt(torch.tensor(x))
    y = y_t.numpy()
    compare(lambda lib, b: reg(lib, which)(make(lib)).inv(b), y, device=device,
            rtol=1e-6, atol=1e-8)
    ey = te(ember.tensor(x, device=device))
    assert bool(te.codomain.check(ey).all())
    if te.bijective:     # inverse recovers x
        np.testing.assert_allclose(te.inv(ey).detach().cpu().numpy(), x, rtol=1e-6, atol=1e-8)
    if _ladj_supported(tt, torch.tensor(x)):
        compare(lambda lib, a, b: reg(lib, which)(make(lib)).log_abs_det_jacobian(a, b), x, y,
                device=device)
        compare(lambda lib, a, b: reg(lib, which)(make(lib)).inv.log_abs_det_jacobian(b, a),
                x, y, device=device)
    else:
        with pytest.raises(NotImplementedError):
            te.log_abs_det_jacobian(ember.tensor(x, device=device), ey)


@pytest.mark.parametrize('name', list(BIJECT))
def test_float32(name):
    make, x = TRANSFORM[name]
    if 'tensor' in name:
        pytest.skip('float64 bounds')
    x = x.astype(np.float32)
    compare(lambda lib, a: biject_forward(lib, make, a), x, rtol=1e-5, atol=1e-6)


def biject_forward(lib, make, a):
    t = reg(lib, 'biject_to')(make(lib))
    y = t(a)
    return y, t.log_abs_det_jacobian(a, y)


@pytest.mark.parametrize('c', ['boolean', 'one_hot', 'nonnegative_integer', 'lower_triangular',
                               'square', 'symmetric', 'corr_cholesky', 'lower_cholesky',
                               'positive_definite'])
def test_unregistered(c):
    for lib in (ember, torch):
        if c == 'corr_cholesky' and lib is torch:
            continue                                   # torch registers it; ember lacks it
        with pytest.raises(NotImplementedError) as ex:
            reg(lib, 'biject_to')(getattr(C(lib), c))
        msg = str(ex.value)
        if lib is ember:
            assert msg == f'Cannot transform {type(getattr(C(lib), c)).__name__} constraints'
    with pytest.raises(NotImplementedError, match='Cannot transform _IntegerInterval'):
        ember.distributions.transform_to(C(ember).integer_interval(0, 3))


def test_registry_api():
    from ember.distributions import constraint_registry as cr
    assert cr.biject_to is ember.distributions.biject_to
    assert cr.transform_to is ember.distributions.transform_to
    assert isinstance(cr.biject_to, cr.ConstraintRegistry)
    assert cr.__all__ == ['ConstraintRegistry', 'biject_to', 'transform_to']

    my = cr.ConstraintRegistry()

    class _Mine(ember.distributions.constraints.Constraint):
        pass

    @my.register(_Mine)
    def _f(constraint):
        return ember.distributions.ExpTransform()
    assert isinstance(my(_Mine()), ember.distributions.ExpTransform)
    # registering through an instance registers its class; the factory is returned
    fac = my.register(C(ember).positive, lambda c: ember.distributions.SigmoidTransform())
    assert callable(fac)
    assert isinstance(my(C(ember).greater_than(3.)), ember.distributions.SigmoidTransform)
    with pytest.raises(NotImplementedError):
        my(C(ember).real)
    for bad in (3, int, 'real'):
        with pytest.raises(TypeError) as ee:
            my.register(bad, _f)
        with pytest.raises(TypeError) as te:
            torch.distributions.constraint_registry.ConstraintRegistry().register(bad, _f)
        assert str(ee.value) == str(te.value)


def test_positive_uses_greater_than_factory():
    # as in PyTorch: the greater_than registration (later) overrides positive's ExpTransform
    for lib in (ember, torch):
        t = reg(lib, 'biject_to')(C(lib).positive)
        assert type(t).__name__ == 'ComposeTransform'
        assert [type(p).__name__ for p in t.parts] == ['ExpTransform', 'AffineTransform']


@pytest.mark.parametrize('name', ['LowerCholeskyTransform', 'PositiveDefiniteTransform'])
def test_matrix_transforms(device, name):
    x = R.randn(2, 4, 4)
    compare(lambda lib, a: getattr(lib.distributions, name)()(a), x, device=device)
    y = getattr(torch.distributions, name)()(torch.tensor(x)).numpy()
    compare(lambda lib, b: getattr(lib.distributions, name)().inv(b), y, device=device,
            rtol=1e-6, atol=1e-8)
    e = getattr(ember.distributions, name)()
    assert e == getattr(ember.distributions, name)() and e != ember.distributions.ExpTransform()
    assert repr(e) == f'{name}()'
    assert e.domain.event_dim == 2 and e.codomain.event_dim == 2
    assert not e.bijective
    c = e.with_cache()
    ex = ember.tensor(x, device=device)
    ey = c(ex)
    assert c(ex) is ey and c.inv(ey) is ex
