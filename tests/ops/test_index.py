"""Indexing family: __getitem__/__setitem__, gather/scatter, index_*, masked_*, take, nonzero."""
import numpy as np
import pytest

import ember
from tests.helpers import compare, assert_same, numeric_grad, needs_torch, torch, fd_check

pytestmark = [needs_torch, pytest.mark.filterwarnings('ignore:The reduce argument of torch.scatter')]

R = np.random.RandomState(0)


def rnd(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def T(lib, a):
    """A NumPy array as an index tensor of ``lib``."""
    return lib.tensor(a) if lib is torch else ember.tensor(a)


def double_backward(fn, *arrays, device='cpu'):
    """Second derivatives (grad of grad) of ember and torch agree."""
    res = []
    for lib in (ember, torch):
        xs = [lib.tensor(a.astype(np.float64), requires_grad=True) if lib is torch else
              ember.tensor(a.astype(np.float64), device=device, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        w = lib.tensor(np.random.RandomState(5).standard_normal(tuple(out.shape)))
        if lib is ember:
            w = w.to(device)
        gs = lib.autograd.grad((out * w).sum(), xs, create_graph=True)
        loss = sum((g * g).sum() for g in gs) + sum((g * x).sum() for g, x in zip(gs, xs))
        gg = lib.autograd.grad(loss, xs, allow_unused=True) if lib is torch else \
            lib.autograd.grad(loss, xs, allow_unused=True)
        res.append(gg)
    for e, t in zip(*res):
        if t is None:
            assert e is None or np.all(e.detach().cpu().numpy() == 0)
        else:
            assert_same(e, t)


# ---------------------------------------------------------------------------- getitem

BASIC_KEYS = [
    0, -1, (1, 2), (slice(None), 1), slice(1, None), slice(None, None, 2), (slice(0, 3, 2), -2),
    (Ellipsis, 1), (None, 0), (0, None, slice(None), None), (Ellipsis, None), (1, Ellipsis, 0),
    (slice(-2, None), slice(None, None, 3)), (slice(5, 10),), (), Ellipsis, None,
    (slice(None), slice(1, 3), slice(None, None, -1).__class__(None, None, 2)),
]


@pytest.mark.parametrize('key', BASIC_KEYS, ids=[repr(k) for k in BASIC_KEYS])
def test_getitem_basic(device, key):
    x = rnd(3, 4, 5)
    compare(lambda lib, x: x[key], x, device=device)


def test_basic_index_is_view(device):
    x = ember.tensor(np.arange(24.).reshape(2, 3, 4), device=device)
    v = x[1, :, ::2]
    assert v._base is x
    v[0, 0] = 100.
    assert x[1, 0, 0].item() == 100.
    s = x[0, 1, 2]             # a 0-dim view
    s[...] = -1.
    assert x[0, 1, 2].item() == -1.
    x[0, 0, 0] = 7.
    assert v.shape == (3, 2) and x[0][0][0].item() == 7.
    # advanced indexing copies
    a = x[[0, 1]]
    a[0, 0, 0] = 55.
    assert x[0, 0, 0].item() == 7.
    m = x[x > 1000]
    assert m.shape == (0,)


ADV_KEYS = [
    [0, 2, 0], ([1, 0], [2, 3]), (slice(None), [0, 0, 3]), (0, slice(None), [1, 2]),
    ([0, 1], slice(None), 0), (slice(None), 0, [1, 2]), ([[0], [2]], [1, 3]),
    ([0, 2], None, [1, 1]), (Ellipsis, [4, 0, 4]), (slice(None), [0, 1], True),
    (slice(None), [0, 1], slice(None), None), (True,), (slice(None), False), (-1, [-1, -3]),
    ([], slice(None)), (None, [2, 1], Ellipsis, [0, 4]),
]


@pytest.mark.parametrize('key', ADV_KEYS, ids=[repr(k) for k in ADV_KEYS])
def test_getitem_advanced(device, key):
    x = rnd(3, 4, 5)
    compare(lambda lib, x: x[key], x, device=device)


@pytest.mark.parametrize('dtype', [np.int64, np.int32])
def test_getitem_tensor_indices(device, dtype):
    x = rnd(4, 3, 2)
    i = np.array([[3, 0], [3, 3]], dtype)      # repeated -> gradients accumulate
    j = np.array([1, -1], dtype)
    compare(lambda lib, x: x[T(lib, i)], x, device=device)
    compare(lambda lib, x: x[T(lib, i), :, T(lib, j)], x, device=device)
    compare(lambda lib, x: x[:, T(lib, j), T(lib, j)], x, device=device)
    compare(lambda lib, x: x[T(lib, np.array(2))], x, device=device)        # 0-dim int: select
    compare(lambda lib, x: x[1:, T(lib, np.array([2, 0]))], x, device=device)


def test_getitem_masks(device):
    x = rnd(3, 4)
    m = x > 0
    compare(lambda lib, x: x[T(lib, m)], x, device=device)
    compare(lambda lib, x: x[T(lib, m[:, 0])], x, device=device)
    compare(lambda lib, x: x[:, T(lib, m[0])], x, device=device)
    compare(lambda lib, x: x[T(lib, np.array(True))], x, device=device)
    compare(lambda lib, x: x[T(lib, np.array(False))], x, device=device)
    compare(lambda lib, x: x[[True, False, True]], x, device=device)
    compare(lambda lib, x: x[T(lib, m[:, 0]), 1:3], x, device=device)
    z = np.array(2.5, np.float32)
    compare(lambda lib, z: z[T(lib, np.array(True))], z, device=device)
    compare(lambda lib, z: z[None, ...], z, device=device)


def test_getitem_noncontiguous_and_views(device):
    x = rnd(4, 5)
    compare(lambda lib, x: x.t()[[1, 0, 1], 1:], x, device=device)
    compare(lambda lib, x: x[::2][:, [0, 4]], x, device=device)
    compare(lambda lib, x: (x * 2)[1][::2], x, device=device)


def test_getitem_repeated_grad_accumulates(device):
    x = ember.tensor([1., 2., 3.], device=device, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3., 0., 1.]


def test_getitem_gradcheck_and_double_backward(device):
    x = rnd(3, 4)
    fd_check(lambda x: x[[0, 2, 2], 1:], x, device=device)
    fd_check(lambda x: x[x.detach() > 0] * 1, x, device=device)
    fd_check(lambda x: x[1, ::2], x, device=device)
    double_backward(lambda lib, x: x[[0, 0, 1]] ** 2, x, device=device)
    double_backward(lambda lib, x: x[1:, 0:3:2] ** 2, x, device=device)


def _err(fn, exc, match=None):
    with pytest.raises(exc, match=match):
        fn()


def test_getitem_errors(device):
    x = ember.tensor(np.zeros((2, 3), np.float32), device=device)
    t = torch.zeros(2, 3)
    for key, exc in [(5, IndexError), (-3, IndexError), ((0, 7), IndexError),
                     ((slice(None), 7), IndexError), ([5], IndexError), ((0, 0, 0), IndexError),
                     (0.5, IndexError), (slice(None, None, -1), ValueError),
                     (slice(None, None, 0), ValueError), (([0, 1], [0, 1, 2]), IndexError)]:
        with pytest.raises(exc):
            t[key]
        with pytest.raises(exc):
            x[key]
    _err(lambda: x[5], IndexError, 'index 5 is out of bounds for dimension 0 with size 2')
    _err(lambda: x[0, 7], IndexError, 'index 7 is out of bounds for dimension 1 with size 3')
    _err(lambda: x[:, ember.tensor([5])], IndexError,
         'index 5 is out of bounds for dimension 1 with size 3')
    _err(lambda: x[ember.tensor([0.5])], IndexError, 'tensors used as indices must be long')
    _err(lambda: x[ember.tensor([True, False, True])], IndexError, 'The shape of the mask')
    _err(lambda: x[0, 0, 0], IndexError, 'too many indices for tensor of dimension 2')
    _err(lambda: ember.tensor(1.)[0], IndexError, 'invalid index of a 0-dim tensor')
    _err(lambda: x[..., ...], IndexError)


# ---------------------------------------------------------------------------- setitem

SET_CASES = [
    (1, 'scalar'), ((slice(None), 2), 'scalar'), ((slice(None), 2), 'vec3'), (Ellipsis, 'row5'),
    ((slice(0, 2), slice(None, None, 2)), 'scalar'), ([0, 2], 'row5'), (([0, 2], [1, 4]), 'vec2'),
    ((slice(None), [1, 3]), 'col'), ('mask', 'scalar'), ('mask', 'maskvals'), ((0, [1, 3]), 'vec2'),
    ((None, 1), 'row5'), ((1,), 'row1x5'), ('mask0', 'row5'),
]


def _set_key(lib, key, x):
    if key == 'mask':
        return T(lib, x > 0)
    if key == 'mask0':
        return T(lib, np.array([True, False, True]))
    return key


def _set_value(kind, x):
    rs = np.random.RandomState(7)
    return {'scalar': 2.5, 'vec3': rs.standard_normal(3).astype(np.float32),
            'row5': rs.standard_normal(5).astype(np.float32),
            'vec2': rs.standard_normal(2).astype(np.float32),
            'col': rs.standard_normal((3, 1)).astype(np.float32),
            'maskvals': rs.standard_normal(int((x > 0).sum())).astype(np.float32),
            'row1x5': rs.standard_normal((1, 5)).astype(np.float32)}[kind]


@pytest.mark.parametrize('key,val', SET_CASES, ids=[f'{k!r}-{v}' for k, v in SET_CASES])
def test_setitem(device, key, val):
    x = rnd(3, 5)
    v = _set_value(val, x)

    def f(lib, x, *v):
        y = x * 1.0
        y[_set_key(lib, key, x.detach().cpu().numpy())] = v[0] if v else 2.5
        return y
    if isinstance(v, np.ndarray):
        compare(f, x, v, device=device)
    else:
        compare(f, x, device=device)


def test_setitem_no_grad_and_int(device):
    # plain tensors (no autograd): writes in place, version bumps, dtype cast of the value
    a = np.arange(12).reshape(3, 4)
    e, t = ember.tensor(a, device=device), torch.tensor(a)
    v0 = e._version
    for tgt in (e, t):
        tgt[0] = 2.7                       # float into int truncates
        tgt[1, [0, 2]] = T(ember if tgt is e else torch, np.array([9, 8]))
        tgt[1] = T(ember if tgt is e else torch, np.array([3.5, 1., 2., 4.]))   # basic: cast
        tgt[tgt > 9] = -1
        tgt[tgt > 8] = T(ember if tgt is e else torch, np.array(7.9))          # mask fill: cast
        with pytest.raises(RuntimeError, match='Index put requires the source and destination'):
            tgt[1, [0, 2]] = T(ember if tgt is e else torch, np.array([9., 8.5]))
        tgt[2:, 1::2] = T(ember if tgt is e else torch, np.array([[True, False]]))
    assert_same(e, t)
    assert e._version > v0
    f = ember.zeros(2, 3, device=device)
    f[:, 1] = ember.tensor([1., 2.], dtype=ember.float64)
    assert f.dtype == ember.float32 and f[:, 1].tolist() == [1., 2.]
    f[0] = ember.tensor(5.)
    assert f[0].tolist() == [5., 5., 5.]


def test_setitem_autograd_view_nonleaf(device):
    x = rnd(3, 4)
    v = rnd(2)

    def f(lib, x, v):
        y = x * 2
        row = y[1]                 # a view of a non-leaf
        row[[0, 3]] = v * 3
        y[0, 1:3] = lib.tensor(0.5, dtype=lib.float64)
        return y * y
    compare(f, x, v, device=device)
    fd_check(lambda x, v: _setf(x, v), x, v, device=device)


def test_setitem_value_requires_grad(device):
    v = rnd(2)

    def f(lib, v):
        y = lib.zeros(3, 2, dtype=lib.float32)
        if lib is ember:
            y = y.to(device)
        y[1] = v
        y[[0, 2], 0] = v[1] * v
        return y
    compare(f, v, device=device)
    double_backward(lambda lib, x, v: _setf2(x, v) ** 2, rnd(3, 4), v, device=device)


def _setf2(x, v):
    y = x * x
    y[[0, 2], 1:3] = v * v
    return y


def _setf(x, v):
    y = x * 1.0
    y[[0, 2], 1:3] = v.reshape(1, 2) * 2
    return y


def test_setitem_errors(device):
    x = ember.zeros(2, 3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match='leaf Variable'):
        x[0] = 1.
    with pytest.raises(RuntimeError, match='view of a leaf Variable'):
        x[0][1] = 1.
    y = ember.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError):
        y[0] = ember.ones(4)
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3)[0] = torch.ones(4)
    with pytest.raises(IndexError, match='out of bounds'):
        y[[0, 5]] = 1.
    with ember.no_grad():
        x[0] = 3.
    assert x[0].tolist() == [3., 3., 3.]


def test_setitem_saved_tensor_modified(device):
    a = ember.tensor([1., 2., 3.], device=device, requires_grad=True)
    b = a * 1
    c = b * b            # saves b
    b[0] = 5.
    with pytest.raises(RuntimeError, match='modified by an inplace operation'):
        c.sum().backward()


# ---------------------------------------------------------------------------- gather / scatter

def test_gather(device):
    x = rnd(3, 4)
    i0 = np.array([[0, 2, 1, 2], [2, 2, 0, 0]])
    i1 = np.array([[3, 3], [0, 1], [2, 0]])
    compare(lambda lib, x: lib.gather(x, 0, T(lib, i0)), x, device=device)
    compare(lambda lib, x: x.gather(1, T(lib, i1)), x, device=device)
    compare(lambda lib, x: x.gather(-1, T(lib, i1[:2, :1])), x, device=device)      # smaller index
    compare(lambda lib, x: x.gather(1, T(lib, np.array([[0, 1, 2, 3, 3, 0]]))), x, device=device)
    compare(lambda lib, x: x.t().gather(0, T(lib, i1.T)), x, device=device)           # non-contig
    compare(lambda lib, x: x.gather(1, T(lib, i1.astype(np.int32))), x, device=device)
    compare(lambda lib, x: x.gather(0, T(lib, i0.astype(np.int64)[:, :0])), x, device=device)
    fd_check(lambda x: x.gather(1, ember.tensor(i1, device=device)), x, device=device)
    double_backward(lambda lib, x: x.gather(1, T(lib, i1)) ** 2, x, device=device)


def test_gather_errors(device):
    x = ember.zeros(2, 3, device=device)
    _err(lambda: x.gather(1, ember.tensor([[5], [0]])), RuntimeError,
         'index 5 is out of bounds for dimension 1 with size 3')
    _err(lambda: x.gather(1, ember.tensor([[-1], [0]])), RuntimeError, 'out of bounds')
    _err(lambda: x.gather(1, ember.tensor([0, 1])), RuntimeError, 'same number of dimensions')
    _err(lambda: x.gather(1, ember.tensor([[0.]])), RuntimeError, 'dtype')
    _err(lambda: x.gather(1, ember.tensor([[0], [0], [0]])), RuntimeError, "Size does not match")
    assert x.gather(0, ember.tensor([[0], [0], [0]])).shape == (3, 1)
    _err(lambda: x.gather(2, ember.tensor([[0]])), IndexError)


def test_scatter(device):
    x = rnd(3, 5)
    src = rnd(2, 5)
    i = np.array([[0, 1, 2, 0, 1], [2, 0, 0, 1, 2]])          # unique per column
    compare(lambda lib, x, s: x.scatter(0, T(lib, i), s), x, src, device=device)
    compare(lambda lib, x: x.scatter(0, T(lib, i), 1.5), x, device=device)
    compare(lambda lib, x: lib.scatter(x, 0, T(lib, i), value=-2.0), x, device=device)
    big = rnd(4, 6)                                        # src larger than index: cropped
    compare(lambda lib, x, s: x.scatter(1, T(lib, np.array([[4, 3], [0, 1]])), s), x, big,
            grad=False, device=device)     # torch's own backward fails for a larger src
    fd_check(lambda x, s: x.scatter(1, ember.tensor([[4, 3], [0, 1]], device=device), s), x, big,
             device=device)
    compare(lambda lib, x: x.scatter(0, T(lib, i), 2.0, reduce='add'), x, grad=False, device=device)
    compare(lambda lib, x: x.scatter(0, T(lib, i), 2.0, reduce='multiply'), x, grad=False,
            device=device)
    compare(lambda lib, x, s: x.scatter(0, T(lib, np.array([[0, 0], [0, 0]])), s, reduce='add'),
            x, src, grad=False, device=device)
    ints = np.arange(6).reshape(2, 3)
    compare(lambda lib, a: a.scatter(1, T(lib, np.array([[1, 1], [0, 0]])), 2.7, reduce='multiply'),
            ints, device=device)
    fd_check(lambda x, s: x.scatter(0, ember.tensor(i, device=device), s), x, src, device=device)


def test_scatter_inplace_and_errors(device):
    x = rnd(3, 5)
    src = rnd(2, 5)
    i = np.array([[0, 1, 2, 0, 1], [2, 0, 0, 1, 2]])

    def f(lib, x, s):
        y = x * 1
        y.scatter_(0, T(lib, i), s)
        y.scatter_add_(0, T(lib, i), s * 2)
        return y
    compare(f, x, src, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.scatter(1, ember.tensor([[5], [0]]), 1.0), RuntimeError,
         'index 5 is out of bounds for dimension 1 with size 3')
    _err(lambda: e.scatter(1, ember.tensor([[1], [0]]), ember.ones(2, 1, dtype=ember.float64)),
         RuntimeError, 'Expected self.dtype to be equal to src.dtype')
    _err(lambda: e.scatter(1, ember.tensor([[1], [0]]), ember.ones(1, 1)), RuntimeError,
         'to be no larger size than src')
    _err(lambda: e.scatter(1, ember.tensor([[1], [0]]), 2., reduce='mean'), RuntimeError)
    r = ember.zeros(2, 3, device=device, requires_grad=True)
    y = (r * 1).scatter(1, ember.tensor([[1], [0]], device=device), 2.0, reduce='add')
    with pytest.raises(RuntimeError, match='not implemented'):
        y.sum().backward()


def test_scatter_add(device):
    x = rnd(3, 4)
    src = rnd(3, 4)
    i = np.array([[0, 0, 2, 1], [0, 0, 0, 2], [1, 1, 1, 1]])     # repeated indices
    compare(lambda lib, x, s: x.scatter_add(0, T(lib, i), s), x, src, device=device)
    compare(lambda lib, x, s: lib.scatter_add(x, 1, T(lib, i[:2, :2]), s), x, src, grad=False,
            device=device)     # torch's own backward fails for a larger src
    fd_check(lambda x, s: x.scatter_add(1, ember.tensor(i[:2, :2], device=device), s), x, src,
             device=device)
    compare(lambda lib, x, s: x.t().scatter_add(1, T(lib, i.T), s.t()), x, src, device=device)
    fd_check(lambda x, s: x.scatter_add(0, ember.tensor(i, device=device), s), x, src,
             device=device)
    double_backward(lambda lib, x, s: x.scatter_add(0, T(lib, i), s * s), x, src, device=device)


@pytest.mark.parametrize('reduce', ['sum', 'prod', 'mean', 'amax', 'amin'])
@pytest.mark.parametrize('include_self', [True, False])
def test_scatter_reduce(device, reduce, include_self):
    x = rnd(3, 4)
    src = rnd(3, 4)
    i = np.array([[0, 0, 2, 1], [0, 2, 0, 2], [1, 1, 1, 1]])
    compare(lambda lib, x, s: x.scatter_reduce(0, T(lib, i), s, reduce, include_self=include_self),
            x, src, device=device)
    # ties and zeros exercise amax/amin splitting and prod's zero handling
    x2 = np.array([[1., 0., 2.], [3., 2., 0.]])
    s2 = np.array([[2., 0., 1., 1.], [3., 3., 0., 5.]])
    i2 = np.array([[0, 1, 1, 2], [0, 0, 2, 2]])
    compare(lambda lib, x, s: x.scatter_reduce(1, T(lib, i2), s, reduce, include_self=include_self),
            x2, s2, device=device)
    fd_check(lambda x, s: x.scatter_reduce(0, ember.tensor(i, device=device), s, reduce,
                                           include_self=include_self), x, src, device=device)
    ints = np.arange(6).reshape(2, 3)
    compare(lambda lib, a: a.scatter_reduce(1, T(lib, np.array([[1, 1], [0, 0]])),
                                            T(lib, np.array([[2, 3], [4, 4]])), reduce,
                                            include_self=include_self), ints, device=device)


def test_scatter_reduce_inplace_errors(device):
    x = rnd(2, 3)

    def f(lib, x):
        y = x * 1
        y.scatter_reduce_(1, T(lib, np.array([[0, 0]])), x[:, :2] * 3, 'amax')
        return y
    compare(f, x, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.scatter_reduce(1, ember.tensor([[0]]), ember.ones(1, 1), 'max'), RuntimeError)
    _err(lambda: e.scatter_reduce(1, ember.tensor([[0]]), ember.ones(1, 1, dtype=ember.float64),
                                  'sum'), RuntimeError)


# ---------------------------------------------------------------------------- index_*

def test_index_select(device):
    x = rnd(3, 4)
    compare(lambda lib, x: x.index_select(0, T(lib, np.array([2, 0, 2]))), x, device=device)
    compare(lambda lib, x: lib.index_select(x, -1, T(lib, np.array([3, 1], np.int32))), x,
            device=device)
    compare(lambda lib, x: x.index_select(1, T(lib, np.array(1))), x, device=device)
    compare(lambda lib, x: x.t().index_select(1, T(lib, np.array([1, 1]))), x, device=device)
    compare(lambda lib, x: x.index_select(0, T(lib, np.array([], np.int64))), x, device=device)
    fd_check(lambda x: x.index_select(1, ember.tensor([3, 0, 3], device=device)), x, device=device)
    double_backward(lambda lib, x: x.index_select(1, T(lib, np.array([3, 0, 3]))) ** 3, x,
                    device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.index_select(1, ember.tensor([[1], [0]])), IndexError, 'supposed to be a vector')
    _err(lambda: e.index_select(1, ember.tensor([5])), RuntimeError, 'out of DATA bounds')
    _err(lambda: e.index_select(1, ember.tensor([-1])), RuntimeError)
    _err(lambda: e.index_select(1, ember.tensor([1.])), RuntimeError, 'int32 or int64')


def test_index_add(device):
    x = rnd(3, 4)
    s = rnd(3, 2)
    i = np.array([1, 3])
    compare(lambda lib, x, s: x.index_add(1, T(lib, i), s), x, s, device=device)
    compare(lambda lib, x, s: lib.index_add(x.t(), 0, T(lib, np.array([0, 0])), s.t(), alpha=2.5), x, s,
            device=device)
    fd_check(lambda x, s: x.index_add(1, ember.tensor(i, device=device), s, alpha=-2.), x, s,
             device=device)
    double_backward(lambda lib, x, s: x.index_add(1, T(lib, i), s * s) * x, x, s, device=device)

    def f(lib, x, s):
        y = x * 1
        y.index_add_(1, T(lib, np.array([1, 1])), s, alpha=3)
        return y
    compare(f, x, s, device=device)
    ints = np.arange(6).reshape(2, 3)
    compare(lambda lib, a: a.index_add(0, T(lib, np.array([1])), T(lib, np.array([[1, 2, 3]])),
                                       alpha=2), ints, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.index_add(0, ember.tensor([0]), ember.ones(1, 3, dtype=ember.float64)),
         RuntimeError, 'same scalar type')
    _err(lambda: e.index_add(0, ember.tensor([-1]), ember.ones(1, 3)), RuntimeError,
         'index -1 is out of bounds for dimension 0 with size 2')
    _err(lambda: e.index_add(0, ember.tensor([0]), ember.ones(1, 4)), RuntimeError)


def test_index_copy(device):
    x = rnd(4, 3)
    s = rnd(2, 3)
    i = np.array([3, 0])
    compare(lambda lib, x, s: x.index_copy(0, T(lib, i), s), x, s, device=device)
    compare(lambda lib, x, s: lib.index_copy(x.t(), 1, T(lib, i), s.t()), x, s, device=device)
    fd_check(lambda x, s: x.index_copy(0, ember.tensor(i, device=device), s), x, s, device=device)

    def f(lib, x, s):
        y = x * 1
        y.index_copy_(0, T(lib, i), s)
        return y
    compare(f, x, s, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.index_copy(0, ember.tensor([-1]), ember.ones(1, 3)), IndexError,
         'out of bounds')


def test_index_fill(device):
    x = rnd(3, 4)
    compare(lambda lib, x: x.index_fill(1, T(lib, np.array([0, 2])), -1.5), x, device=device)
    compare(lambda lib, x: x.index_fill(0, T(lib, np.array([-1])), 7), x, device=device)
    v = np.array(3., np.float32)
    compare(lambda lib, x, v: x.index_fill(1, T(lib, np.array([3, 3, 1])), v), x, v,
            device=device)
    compare(lambda lib, x, v: lib.index_fill(x, 1, T(lib, np.array([0])), v.double()), x, v,
            device=device)
    fd_check(lambda x, v: x.index_fill(1, ember.tensor([2, 0], device=device), v), x, v,
             device=device)

    def f(lib, x):
        y = x * 1
        y.index_fill_(0, T(lib, np.array([1])), 2.0)
        return y
    compare(f, x, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.index_fill(1, ember.tensor([0]), ember.tensor([3.])), RuntimeError,
         '0-dimensional value tensor')


def test_index_put(device):
    x = rnd(3, 4)
    v = rnd(2)
    i, j = np.array([0, 0]), np.array([1, 1])
    compare(lambda lib, x, v: x.index_put((T(lib, i), T(lib, j)), v, accumulate=True), x, v,
            device=device)
    compare(lambda lib, x, v: lib.index_put(x, (T(lib, np.array([2, 0])), T(lib, j)), v), x, v,
            device=device)
    compare(lambda lib, x: x.index_put((T(lib, i),), T(lib, np.array(1., np.float32)),
                                       accumulate=True), x, device=device)
    compare(lambda lib, x: x.index_put([T(lib, np.array([True, False, True]))],
                                       T(lib, np.array(1., np.float32))), x, device=device)
    fd_check(lambda x, v: x.index_put((ember.tensor(i, device=device),
                                       ember.tensor(j, device=device)), v, accumulate=True),
             x, v, device=device)

    def f(lib, x, v):
        y = x * 1
        y.index_put_((T(lib, i), T(lib, np.array([2, 3]))), v)
        y.index_put_((T(lib, i),), v[:1] * 2, accumulate=True)
        return y
    compare(f, x, v, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.index_put((ember.tensor([0]),), ember.tensor(1., dtype=ember.float64)),
         RuntimeError, 'Index put requires the source and destination dtypes match')


# ---------------------------------------------------------------------------- masks

def test_masked_fill(device):
    x = rnd(3, 4)
    m = rnd(3, 4) > 0
    compare(lambda lib, x: x.masked_fill(T(lib, m), 2.5), x, device=device)
    compare(lambda lib, x: lib.masked_fill(x, T(lib, m[0]), -1), x, device=device)   # broadcast
    v = np.array(-3., np.float32)
    compare(lambda lib, x, v: x.masked_fill(T(lib, m), v), x, v, device=device)
    compare(lambda lib, x, v: x.masked_fill(T(lib, m[:, :1]), v.double()), x, v, device=device)
    compare(lambda lib, x: x[0].masked_fill(T(lib, m[None, :, 0:1]), 0.0), x, device=device)
    compare(lambda lib, a: a.masked_fill(T(lib, m), 7), np.arange(12).reshape(3, 4),
            device=device)
    fd_check(lambda x, v: x.masked_fill(ember.tensor(m, device=device), v), x, v, device=device)

    def f(lib, x):
        y = x * 1
        y.masked_fill_(T(lib, m[1]), float('-inf'))
        return y.exp()
    compare(f, x, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.masked_fill(ember.tensor([1, 0, 1]), 2.), RuntimeError, 'boolean masks')
    _err(lambda: e.masked_fill(ember.tensor([True, False, True]), ember.tensor([2.])),
         RuntimeError, '0-dimensional value tensor')
    _err(lambda: e.masked_fill_(ember.tensor([[True]]).expand(3, 3), 2.), RuntimeError)


def test_masked_select(device):
    x = rnd(3, 4)
    m = rnd(3, 4) > 0
    compare(lambda lib, x: x.masked_select(T(lib, m)), x, device=device)
    compare(lambda lib, x: lib.masked_select(x, T(lib, m[:1])), x, device=device)
    compare(lambda lib, x: lib.masked_select(x[0], T(lib, m[:, :, None].repeat(4, 2)[:, 0, :])), x,
            device=device)
    compare(lambda lib, x: x.t().masked_select(T(lib, m.T)), x, device=device)
    fd_check(lambda x: x.masked_select(ember.tensor(m, device=device)), x, device=device)
    double_backward(lambda lib, x: x.masked_select(T(lib, m)) ** 2, x, device=device)
    with pytest.raises(RuntimeError):
        ember.zeros(2, 3).masked_select(ember.tensor([1, 0, 1]))


def test_masked_scatter(device):
    x = rnd(3, 4)
    m = rnd(3, 4) > 0
    s = rnd(4, 5)
    compare(lambda lib, x, s: x.masked_scatter(T(lib, m), s), x, s, device=device)
    compare(lambda lib, x, s: x.masked_scatter(T(lib, m[0]), s), x, s, device=device)
    fd_check(lambda x, s: x.masked_scatter(ember.tensor(m, device=device), s), x, s,
             device=device)

    def f(lib, x, s):
        y = x * 1
        y.masked_scatter_(T(lib, m), s)
        return y
    compare(f, x, s, device=device)
    e = ember.zeros(2, 3, device=device)
    _err(lambda: e.masked_scatter(ember.tensor([True, False, True]), ember.arange(3.)),
         RuntimeError, 'Number of elements of source')
    _err(lambda: e.masked_scatter(ember.tensor([True, False, True]), ember.arange(4)),
         RuntimeError, 'same dtypes')


# ---------------------------------------------------------------------------- flat indexing

def test_take(device):
    x = rnd(3, 4)
    i = np.array([[0, 11, -1], [5, 5, 5]])
    compare(lambda lib, x: x.take(T(lib, i)), x, device=device)
    compare(lambda lib, x: lib.take(x.t(), T(lib, np.array([1, 2, 3]))), x, device=device)
    fd_check(lambda x: x.take(ember.tensor(i, device=device)), x, device=device)
    double_backward(lambda lib, x: x.take(T(lib, i)) ** 2, x, device=device)
    _err(lambda: ember.zeros(2, 3).take(ember.tensor([6])), IndexError,
         'out of range: tried to access index 6 on a tensor of 6 elements')


def test_put(device):
    x = rnd(3, 4)
    s = rnd(2, 2)
    i = np.array([[0, 10], [-1, 3]])
    compare(lambda lib, x, s: x.put(T(lib, i), s), x, s, device=device)
    ia = np.array([[0, 0], [-1, 3]])
    compare(lambda lib, x, s: x.put(T(lib, ia), s, accumulate=True), x, s, device=device)
    fd_check(lambda x, s: x.put(ember.tensor(i, device=device), s), x, s, device=device)

    def f(lib, x, s):
        y = x * 1
        y.put_(T(lib, ia), s, accumulate=True)
        return y
    compare(f, x, s, device=device)


def test_take_along_dim(device):
    x = rnd(3, 4)
    compare(lambda lib, x: lib.take_along_dim(x, T(lib, np.array([[0], [2], [3]])), 1), x,
            device=device)
    compare(lambda lib, x: lib.take_along_dim(x, T(lib, np.array([[0, 2]])), 1), x, device=device)
    compare(lambda lib, x: lib.take_along_dim(x, T(lib, np.array([5, 0, 11]))), x, device=device)
    order = np.argsort(x, axis=0)
    compare(lambda lib, x: x.take_along_dim(T(lib, order), dim=0), x, device=device)
    fd_check(lambda x: ember.take_along_dim(x, ember.tensor([[1, 1, 0]], device=device).t(), 1),
             x, device=device)
    with pytest.raises(RuntimeError, match='same number of dimensions'):
        ember.take_along_dim(ember.zeros(2, 3), ember.tensor([[[0, 2]]]), 1)


# ---------------------------------------------------------------------------- nonzero

def test_nonzero_argwhere(device):
    a = (rnd(3, 4) > 0).astype(np.float32) * rnd(3, 4)
    compare(lambda lib, a: lib.nonzero(a), a, grad=False, device=device)
    compare(lambda lib, a: a.nonzero(as_tuple=True), a, grad=False, device=device)
    compare(lambda lib, a: lib.argwhere(a), a, grad=False, device=device)
    compare(lambda lib, a: a.t().nonzero(), a, grad=False, device=device)
    compare(lambda lib, a: a[0].nonzero(as_tuple=True), a, grad=False, device=device)
    for s in (np.array(3.), np.array(0.)):
        compare(lambda lib, s: lib.nonzero(s), s, grad=False, device=device)
        compare(lambda lib, s: lib.nonzero(s, as_tuple=True), s, grad=False, device=device)
    compare(lambda lib, b: lib.nonzero(b), np.zeros((2, 0, 3), bool), grad=False, device=device)
    compare(lambda lib, b: lib.where(b > 1), np.arange(6).reshape(2, 3), grad=False, device=device)


def test_zero_dim_inputs(device):
    x = np.array(2., np.float32)
    v = np.array(3., np.float32)
    compare(lambda lib, x, v: x.index_add(0, T(lib, np.array([0])), v), x, v, device=device)
    compare(lambda lib, x: x.index_select(0, T(lib, np.array([0]))), x, device=device)
    compare(lambda lib, x: x.gather(0, T(lib, np.array(0))), x, device=device)
    compare(lambda lib, x: x.scatter(0, T(lib, np.array(0)), 5.), x, device=device)
    compare(lambda lib, x: x.index_fill(0, T(lib, np.array([0])), 1.), x, device=device)
    compare(lambda lib, x: x.take(T(lib, np.array([0, 0]))), x, device=device)
    compare(lambda lib, x: x.masked_fill(T(lib, np.array(True)), 1.), x, device=device)
    compare(lambda lib, x, v: x.index_copy(0, T(lib, np.array([0])), v), x, v, device=device)
    with pytest.raises(RuntimeError, match='Index to scalar can have only 1 value'):
        ember.tensor(2.).index_select(0, ember.tensor([0, 0]))
