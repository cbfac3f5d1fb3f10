"""*_scatter ops (select/slice/diagonal/as_strided), the *_copy view copies, index_copy,
masked_scatter and index_reduce, against PyTorch."""
import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, needs_torch, torch, fd_check, to_np

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore:index_reduce')]

R = np.random.RandomState(0)


def rnd(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def idx(lib, a, device='cpu'):
    """A NumPy array as an index/mask tensor of ``lib`` (ember's on ``device``)."""
    return torch.tensor(a) if lib is torch else ember.tensor(a, device=device)


def same_error(fn, exc):
    """``fn(lib)`` raises ``exc`` for both ember and torch."""
    for lib in (torch, ember):
        with pytest.raises(exc):
            fn(lib)


def double_backward(fn, *arrays, device='cpu'):
    """Grad of a function of first gradients (create_graph=True) agrees with torch."""
    res = []
    for lib in (ember, torch):
        xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) if lib is torch else
              ember.tensor(a.astype(np.float64), device=device, requires_grad=True)
              for a in arrays]
        out = fn(lib, *xs)
        w = np.random.RandomState(5).standard_normal(tuple(out.shape))
        w = torch.tensor(w) if lib is torch else ember.tensor(w, device=device)
        gs = lib.autograd.grad((out * out * w).sum(), xs, create_graph=True)
        loss = sum((g * g).sum() for g in gs)
        res.append(lib.autograd.grad(loss, xs, allow_unused=True))
    for e, t in zip(*res):
        if t is None:
            assert e is None or np.all(to_np(e) == 0)
        else:
            assert_same(e, t)


# ---------------------------------------------------------------------------- *_scatter

@pytest.mark.parametrize('dim,index,src_shape', [(0, 1, (4, 5)), (1, -1, (3, 5)),
                                                 (2, 0, (3, 4)), (-2, 3, (3, 5))])
def test_select_scatter(device, dim, index, src_shape):
    x, s = rnd(3, 4, 5), rnd(*src_shape)
    compare(lambda lib, x, s: lib.select_scatter(x, s, dim, index), x, s, device=device)
    compare(lambda lib, x, s: x.select_scatter(s, dim, index), x, s, device=device)


@pytest.mark.parametrize('kw,src_shape', [
    (dict(dim=1, start=0, end=4, step=2), (3, 2, 5)), (dict(dim=1, start=-2), (3, 2, 5)),
    (dict(), (3, 4, 5)), (dict(start=1), (2, 4, 5)), (dict(dim=2, start=-10, end=20), (3, 4, 5)),
    (dict(dim=2, start=1, end=4, step=3), (3, 4, 1)), (dict(dim=0, start=2, end=1), (0, 4, 5)),
    (dict(dim=-1, start=10, end=20), (3, 4, 0))])
def test_slice_scatter(device, kw, src_shape):
    x, s = rnd(3, 4, 5), rnd(*src_shape)
    compare(lambda lib, x, s: lib.slice_scatter(x, s, **kw), x, s, device=device)
    compare(lambda lib, x, s: x.slice_scatter(s, **kw), x, s, device=device)


@pytest.mark.parametrize('shape,args,n', [((3, 4), (), 3), ((3, 4), (1,), 3), ((3, 4), (-1,), 2),
                                          ((3, 4), (0, 1, 0), 3), ((2, 3, 4), (1, 0, 2), 2),
                                          ((2, 3, 4), (-1, -1, -2), 2), ((3, 4), (10,), 0)])
def test_diagonal_scatter(device, shape, args, n):
    x = rnd(*shape)
    probe = torch.diagonal(torch.tensor(x), *args)
    s = rnd(*probe.shape)
    compare(lambda lib, x, s: lib.diagonal_scatter(x, s, *args), x, s, device=device)
    compare(lambda lib, x, s: x.diagonal_scatter(s, *args), x, s, device=device)


@pytest.mark.parametrize('size,stride,off', [((2, 2), (1, 2), None), ((2, 2), (1, 2), 1),
                                              ((3,), (4,), 0), ((2, 3), (6, 2), 1)])
def test_as_strided_scatter(device, size, stride, off):
    x, s = rnd(3, 4), rnd(*size)
    # values and src's gradient match torch; torch 2.13's gradient for input is wrong (it fails
    # torch's own gradcheck: it keeps the overwritten positions), so input's is checked by
    # finite differences
    def f(lib, x, s):
        return lib.as_strided_scatter(x, s, size, stride, off)
    compare(f, x, s, device=device, grad=False)
    xs = [ember.tensor(x, device=device), ember.tensor(s, device=device, requires_grad=True)]
    ts = [torch.tensor(x), torch.tensor(s, requires_grad=True)]
    w = rnd(3, 4)
    (f(ember, *xs) * ember.tensor(w, device=device)).sum().backward()
    (f(torch, *ts) * torch.tensor(w)).sum().backward()
    assert_same(xs[1].grad, ts[1].grad)
    fd_check(lambda x, s: ember.as_strided_scatter(x, s, size, stride, off), x, s, device=device)
    fd_check(lambda x, s: x.as_strided_scatter(s, size, stride, off), x, s, device=device)


def test_as_strided_scatter_layout(device):
    # a fresh storage laid out as the (dense) input is: strides refer to that layout
    x = rnd(4, 3)
    s = rnd(2, 2)
    compare(lambda lib, x, s: lib.as_strided_scatter(x.t(), s, (2, 2), (1, 2)), x, s,
            device=device, grad=False)
    compare(lambda lib, x, s: lib.as_strided_scatter(x[1:], s, (2, 2), (1, 2)), x, s,
            device=device, grad=False)
    # overlapping windows: src's gradient reads each storage position (torch agrees)
    x, s = rnd(6), rnd(3, 2)
    xs = ember.tensor(s, device=device, requires_grad=True)
    ts = torch.tensor(s, requires_grad=True)
    w = rnd(6)
    (ember.as_strided_scatter(ember.tensor(x, device=device), xs, (3, 2), (1, 1)) *
     ember.tensor(w, device=device)).sum().backward()
    (torch.as_strided_scatter(torch.tensor(x), ts, (3, 2), (1, 1)) * torch.tensor(w)).sum() \
        .backward()
    assert_same(xs.grad, ts.grad)
    # an input that requires grad but is not contiguous still gets the right gradient
    x = rnd(4, 3)
    fd_check(lambda x, s: ember.as_strided_scatter(x.t(), s, (2, 2), (1, 2)), x, rnd(2, 2),
             device=device)


def test_scatter_fd_and_double_backward(device):
    x, s = rnd(3, 4).astype(np.float64), rnd(4).astype(np.float64)
    fd_check(lambda x, s: ember.select_scatter(x, s, 0, 1), x, s, device=device)
    fd_check(lambda x, s: ember.diagonal_scatter(x, s[:3], 0), x, s, device=device)
    fd_check(lambda x, s: ember.slice_scatter(x, s.reshape(2, 2), 1, 1, 4, 2)[:2], x[:2], s,
             device=device)
    double_backward(lambda lib, x, s: lib.select_scatter(x, s, 0, 1), x, s, device=device)
    double_backward(lambda lib, x, s: lib.slice_scatter(x, s.reshape(1, 4), 0, 2), x, s,
                    device=device)
    double_backward(lambda lib, x, s: lib.diagonal_scatter(x, s[1:], 1), x, s, device=device)


def test_scatter_results(device):
    x = ember.tensor(rnd(3, 4), device=device, requires_grad=True)
    s = ember.tensor(rnd(4), device=device)
    y = ember.select_scatter(x, s, 0, 0)
    assert type(y.grad_fn).__name__ == 'SelectScatterBackward0'
    assert type(ember.slice_scatter(x, s[None], 0, 1, 2).grad_fn).__name__ == \
        'SliceScatterBackward0'
    assert type(ember.diagonal_scatter(x, s[:3]).grad_fn).__name__ == 'DiagonalScatterBackward0'
    assert type(ember.as_strided_scatter(x, s, (4,), (1,)).grad_fn).__name__ == \
        'AsStridedScatterBackward0'
    # fresh memory: writing the result leaves input alone
    with ember.no_grad():
        y[1, 1] = 100.
    assert x[1, 1].item() != 100.
    # src of another dtype is cast to input's (as copy_ does)
    compare(lambda lib, x: lib.select_scatter(x, lib.arange(4), 0, 2), rnd(3, 4),
            device=device)
    compare(lambda lib, x: lib.slice_scatter(x.long(), lib.ones(3, 1), 1, 0, 1),
            rnd(3, 4) * 5, device=device, grad=False)


def test_scatter_errors(device):
    X = rnd(3, 4)

    def x(lib):
        return torch.tensor(X) if lib is torch else ember.tensor(X, device=device)

    cases = [
        (lambda lib: lib.select_scatter(x(lib), lib.zeros(3), 0, 0), RuntimeError),
        (lambda lib: lib.select_scatter(x(lib), lib.zeros(1, 4), 0, 0), RuntimeError),
        (lambda lib: lib.select_scatter(x(lib), lib.zeros(4), 0, 3), IndexError),
        (lambda lib: lib.select_scatter(x(lib), lib.zeros(4), 2, 0), IndexError),
        (lambda lib: lib.select_scatter(lib.zeros(()), lib.zeros(()), 0, 0), IndexError),
        (lambda lib: lib.select_scatter(x(lib), 1.0, 0, 0), TypeError),
        (lambda lib: lib.slice_scatter(x(lib), lib.zeros(3, 2), 1, 0, 4, 0), RuntimeError),
        (lambda lib: lib.slice_scatter(x(lib), lib.zeros(3, 3), 1, 0, 4, 2), RuntimeError),
        (lambda lib: lib.slice_scatter(x(lib), lib.zeros(3, 4), 5), IndexError),
        (lambda lib: lib.slice_scatter(lib.zeros(()), lib.zeros(()), 0), IndexError),
        (lambda lib: lib.diagonal_scatter(x(lib), lib.zeros(2), 0, 1, 1), RuntimeError),
        (lambda lib: lib.diagonal_scatter(x(lib), lib.zeros(4)), RuntimeError),
        (lambda lib: lib.diagonal_scatter(x(lib), lib.zeros(3), 0, 0, 2), IndexError),
        (lambda lib: lib.as_strided_scatter(x(lib), lib.zeros(2, 2), (2, 2), (1, 2), 20),
         RuntimeError),
        (lambda lib: lib.as_strided_scatter(x(lib), lib.zeros(2, 3), (2, 2), (1, 2)),
         RuntimeError),
        (lambda lib: lib.as_strided_scatter(x(lib), lib.zeros(2, 2), (2, 2), (1,)), RuntimeError),
    ]
    for fn, exc in cases:
        same_error(fn, exc)


# ---------------------------------------------------------------------------- *_copy

COPIES = [
    ('diagonal_copy', (3, 4), (1,), {}), ('diagonal_copy', (2, 3, 4), (0, 2, 0), {}),
    ('select_copy', (3, 4), (1, 2), {}), ('select_copy', (3, 4), (0, -1), {}),
    ('slice_copy', (3, 4), (1, 1, 3), {}), ('slice_copy', (3, 4), (), {}),
    ('slice_copy', (5, 4), (0, -4, None, 2), {}), ('t_copy', (3, 4), (), {}),
    ('t_copy', (3,), (), {}), ('transpose_copy', (2, 3, 4), (0, 2), {}),
    ('permute_copy', (2, 3, 4), ((2, 0, 1),), {}), ('expand_copy', (1, 4), ((5, 4),), {}),
    ('expand_copy', (3, 1), ((2, 3, -1),), {'implicit': True}),
    ('view_copy', (3, 4), ((4, 3),), {}), ('view_copy', (3, 4), ((-1,),), {}),
    ('unsqueeze_copy', (3, 4), (1,), {}), ('squeeze_copy', (1, 3, 1), (), {}),
    ('squeeze_copy', (1, 3, 1), (0,), {}), ('squeeze_copy', (1, 3, 1), ((0, 2),), {}),
    ('unbind_copy', (3, 4), (1,), {}), ('split_copy', (5, 4), (2,), {}),
    ('split_copy', (3, 4), (3, 1), {}), ('split_with_sizes_copy', (3, 4), ([1, 3], 1), {}),
    ('narrow_copy', (3, 4), (1, 1, 2), {}), ('narrow_copy', (3, 4), (0, 1, 2), {}),
    ('as_strided_copy', (3, 4), ((2, 2), (1, 2)), {}),
    ('as_strided_copy', (3, 4), ((2, 3), (4, 1), 1), {}), ('alias_copy', (3, 4), (), {}),
    ('detach_copy', (3, 4), (), {}), ('unfold_copy', (3, 5), (1, 2, 2), {}),
]


@pytest.mark.parametrize('name,shape,args,kw', COPIES,
                         ids=[f'{c[0]}-{i}' for i, c in enumerate(COPIES)])
def test_view_copies(device, name, shape, args, kw):
    x = rnd(*shape)
    e_out, _ = compare(lambda lib, x: getattr(lib, name)(x, *args, **kw), x, device=device)
    outs = e_out if isinstance(e_out, tuple) else (e_out,)
    ex = ember.tensor(x, device=device)
    for o in (getattr(ember, name)(ex, *args, **kw),) if not isinstance(e_out, tuple) else \
            getattr(ember, name)(ex, *args, **kw):
        assert o.is_contiguous() and o._base is None
        if o.numel():
            o.fill_(123.)
    assert not (to_np(ex) == 123.).any()          # no memory shared with the input
    assert all(o.is_contiguous() for o in outs)


def test_view_copy_extras(device):
    x = rnd(3, 4)
    compare(lambda lib, x: x.narrow_copy(1, 1, 2), x, device=device)
    compare(lambda lib, x: lib.t_copy(x.t()), x, device=device)
    compare(lambda lib, x: lib.view_copy(x.t(), (12,)), x, device=device)
    c = np.array([1 + 2j, 3 - 1j], np.complex64)
    assert_same(ember.view_as_real_copy(ember.tensor(c, device=device)),
                torch.view_as_real_copy(torch.tensor(c)))
    r = rnd(3, 2)
    assert_same(ember.view_as_complex_copy(ember.tensor(r, device=device)),
                torch.view_as_complex_copy(torch.tensor(r)))
    e = ember.tensor(x, device=device, requires_grad=True)
    assert not ember.detach_copy(e).requires_grad
    assert ember.alias_copy(e).requires_grad
    out = ember.empty(4, 3, device=device)
    assert ember.t_copy(ember.tensor(x, device=device), out=out) is out
    assert_same(out, torch.t_copy(torch.tensor(x)))
    assert ember.t_copy.__name__ == 't_copy' and ember.t_copy.__doc__


def test_view_copy_errors(device):
    X = rnd(3, 4)

    def x(lib):
        return torch.tensor(X) if lib is torch else ember.tensor(X, device=device)

    cases = [
        (lambda lib: lib.select_copy(x(lib), 0, 5), IndexError),
        (lambda lib: lib.t_copy(lib.zeros(2, 2, 2)), RuntimeError),
        (lambda lib: lib.view_copy(x(lib), (5, 3)), RuntimeError),
        (lambda lib: lib.view_copy(x(lib), (-1, -1)), RuntimeError),
        (lambda lib: lib.narrow_copy(x(lib), 1, 3, 2), RuntimeError),
        (lambda lib: lib.transpose_copy(x(lib), 0, 2), IndexError),
        (lambda lib: lib.permute_copy(x(lib), (0,)), RuntimeError),
        (lambda lib: lib.expand_copy(x(lib), (2, 4)), RuntimeError),
        (lambda lib: lib.unsqueeze_copy(x(lib), 3), IndexError),
        (lambda lib: lib.diagonal_copy(x(lib), 0, 1, 1), RuntimeError),
        (lambda lib: lib.unbind_copy(lib.zeros(())), IndexError),
        (lambda lib: lib.split_with_sizes_copy(x(lib), [1, 1]), RuntimeError),
        (lambda lib: lib.as_strided_copy(x(lib), (4, 4), (4, 1)), RuntimeError),
        (lambda lib: lib.slice_copy(x(lib), 0, 0, 2, 0), RuntimeError),
    ]
    for fn, exc in cases:
        same_error(fn, exc)


# ---------------------------------------------------------------------------- index_copy

def test_index_copy(device):
    x, s = rnd(5, 3), rnd(3, 2)
    i = np.array([4, 0, 2])
    compare(lambda lib, x, s: lib.index_copy(x, 1, idx(lib, i[:2] % 3, device), s), x,
            rnd(5, 2), device=device)
    compare(lambda lib, x, s: x.index_copy(0, idx(lib, i, device), s.repeat(1, 2)[:, :3]), x, s,
            device=device)

    def f(lib, x, s):
        y = x * 2
        v = y.index_copy_(-1, idx(lib, np.array([2, 0]), device), s)
        assert v is y
        return y
    compare(f, x, rnd(5, 2), device=device)
    e = ember.tensor(x, device=device)
    v0 = e._version
    e.index_copy_(0, ember.tensor([1], device=device), ember.ones(1, 3, device=device))
    assert e._version == v0 + 1 and (to_np(e[1]) == 1).all()
    leaf = ember.tensor(x, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match='leaf Variable'):
        leaf.index_copy_(0, ember.tensor([1]), ember.ones(1, 3))
    X = rnd(5, 3)

    def xx(lib):
        return torch.tensor(X) if lib is torch else ember.tensor(X, device=device)

    for fn, exc in [
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0, 5]), device),
                                        lib.zeros(2, 3)), IndexError),
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0, 1]), device),
                                        lib.zeros(3, 3)), IndexError),
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0, 1]), device),
                                        lib.zeros(2, 4)), RuntimeError),
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0, 1]), device),
                                        lib.zeros(2, 3, 1)), IndexError),
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0, 1]), device),
                                        lib.zeros(2, 3, dtype=lib.float64)), RuntimeError),
            (lambda lib: lib.index_copy(xx(lib), 0, idx(lib, np.array([0., 1.]), device),
                                        lib.zeros(2, 3)), RuntimeError),
            (lambda lib: lib.index_copy(xx(lib), 3, idx(lib, np.array([0, 1]), device),
                                        lib.zeros(2, 3)), IndexError)]:
        same_error(fn, exc)


# ---------------------------------------------------------------------------- masked_scatter

def test_masked_scatter(device):
    m = R.rand(2, 3) > 0.4
    x, s = rnd(2, 3), rnd(7)
    compare(lambda lib, x, s: lib.masked_scatter(x, idx(lib, m, device), s), x, s, device=device)
    compare(lambda lib, x, s: lib.masked_scatter(x[0], idx(lib, m, device), s), x, s,
            device=device)
    compare(lambda lib, x, s: x.masked_scatter(idx(lib, m[1], device), s.reshape(7, 1)), x, s,
            device=device)
    fd_check(lambda x, s: ember.masked_scatter(x, ember.tensor(m, device=device), s), x, s,
             device=device)

    def f(lib, x, s):
        y = x * 2
        y[1:].masked_scatter_(idx(lib, m[:1], device), s)     # through a view, under autograd
        return y
    compare(f, x, s, device=device)
    e = ember.tensor(x, device=device)
    v0 = e._version
    e.masked_scatter_(ember.tensor(m, device=device), ember.tensor(s, device=device))
    assert e._version == v0 + 1
    X = rnd(2, 3)

    def xx(lib):
        return torch.tensor(X) if lib is torch else ember.tensor(X, device=device)

    for fn, exc in [
            (lambda lib: lib.masked_scatter(xx(lib), idx(lib, np.ones(3, bool), device),
                                            lib.zeros(5)), RuntimeError),
            (lambda lib: lib.masked_scatter(xx(lib), idx(lib, np.ones(2, bool), device),
                                            lib.zeros(6)), RuntimeError),
            (lambda lib: lib.masked_scatter(xx(lib), idx(lib, np.ones(3, bool), device),
                                            lib.zeros(6, dtype=lib.float64)), RuntimeError),
            (lambda lib: xx(lib)[0].masked_scatter_(idx(lib, np.ones((2, 3), bool), device),
                                                    lib.zeros(6)), RuntimeError)]:
        same_error(fn, exc)


# ---------------------------------------------------------------------------- index_reduce

@pytest.mark.parametrize('reduce', ['prod', 'mean', 'amax', 'amin'])
@pytest.mark.parametrize('include_self', [True, False])
def test_index_reduce(device, reduce, include_self):
    x, s = rnd(5, 3), rnd(4, 3)
    i = np.array([0, 2, 0, 4])
    compare(lambda lib, x, s: lib.index_reduce(x, 0, idx(lib, i, device), s, reduce,
                                               include_self=include_self), x, s, device=device)
    compare(lambda lib, x, s: x.index_reduce(1, idx(lib, i[:3] % 3, device), s, reduce,
                                             include_self=include_self), x, rnd(5, 3),
            device=device)

    def f(lib, x, s):
        y = x + 1
        y.index_reduce_(0, idx(lib, i, device), s, reduce, include_self=include_self)
        return y
    compare(f, x, s, device=device)
    xi = (R.rand(5, 2) * 20 - 10).astype(np.int64)
    si = (R.rand(3, 2) * 20 - 10).astype(np.int64)
    compare(lambda lib, x, s: lib.index_reduce(x, 0, idx(lib, np.array([0, 0, 3]), device), s,
                                               reduce, include_self=include_self),
            xi, si, device=device)


def test_index_reduce_fd_and_errors(device):
    x, s = rnd(4, 3).astype(np.float64), rnd(3, 3).astype(np.float64)
    i = ember.tensor([1, 3, 1], device=device)
    fd_check(lambda x, s: x.index_reduce(0, i, s, 'prod'), x, s, device=device)
    fd_check(lambda x, s: x.index_reduce(0, i, s, 'mean', include_self=False), x, s,
             device=device)
    e = ember.tensor(rnd(4, 3), device=device)
    v0 = e._version
    e.index_reduce_(0, i, ember.ones(3, 3, device=device), 'amax')
    assert e._version == v0 + 1
    X, S = rnd(5, 3), rnd(4, 3)

    def xs(lib):
        if lib is torch:
            return torch.tensor(X), torch.tensor(S)
        return ember.tensor(X, device=device), ember.tensor(S, device=device)

    def I(lib, a):
        return idx(lib, np.array(a), device)

    for fn, exc in [
            (lambda lib: lib.index_reduce(*xs(lib)[:1], 0, I(lib, [0, 1, 2, 3]), xs(lib)[1],
                                          'sum'), RuntimeError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0, 1, 2, 3]),
                                          xs(lib)[1].double(), 'prod'), RuntimeError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0., 1., 2., 3.]), xs(lib)[1],
                                          'prod'), RuntimeError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0, 1, 2, 5]), xs(lib)[1],
                                          'prod'), IndexError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0, 1, 2, -1]), xs(lib)[1],
                                          'prod'), IndexError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0, 1, 2]), xs(lib)[1],
                                          'prod'), RuntimeError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [0, 1, 2, 3]),
                                          xs(lib)[1][:, :2], 'amax'), RuntimeError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 0, I(lib, [[0, 1, 2, 3]]), xs(lib)[1],
                                          'amin'), IndexError),
            (lambda lib: lib.index_reduce(xs(lib)[0], 2, I(lib, [0, 1, 2, 3]), xs(lib)[1],
                                          'mean'), IndexError)]:
        same_error(fn, exc)
