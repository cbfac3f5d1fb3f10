"""Tensor printing: ``repr``/``str`` must equal PyTorch's output character for character."""
import re
import time
import zlib

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch

pytestmark = needs_torch

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'complex64', 'complex128', 'int64',
          'int32', 'int16', 'int8', 'uint8', 'bool']


@pytest.fixture(autouse=True)
def _reset_printoptions():
    ember.set_printoptions(profile='default')
    torch.set_printoptions(profile='default')
    yield
    ember.set_printoptions(profile='default')
    torch.set_printoptions(profile='default')
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


def _pair(arr, dtype, device='cpu'):
    """The same values as an ember and a torch tensor of ``dtype``."""
    arr = np.asarray(arr)
    if dtype == 'bfloat16':
        if ml_dtypes is None:
            pytest.skip('bfloat16 needs ml_dtypes')
        # values representable in bfloat16, so both libraries hold identical bits
        arr = arr.astype(ml_dtypes.bfloat16).astype(np.float32)
        return (ember.tensor(arr, device=device).to(ember.bfloat16),
                torch.from_numpy(arr.copy()).to(torch.bfloat16))
    with np.errstate(over='ignore'):   # float16 may overflow to inf: a case worth printing
        arr = arr.astype(dtype)
    return ember.tensor(arr, device=device), torch.from_numpy(arr.copy())


_SUFFIX = re.compile(r',\s+(?=(?:device|size|dtype|grad_fn|requires_grad)=)')


def _torch_repr(t, device):
    """torch's repr of ``t`` as it would print living on ``device`` (torch here is CPU-only:
    for CUDA, torch's own suffix logic adds device='cuda:0' in front of its other suffixes)."""
    r = repr(t)
    if device == 'cpu':
        return r
    body = '[]' if t.numel() == 0 else torch._tensor_str._tensor_str(t.detach(), 7)
    rest = r[len('tensor(') + len(body):-1]
    suffixes = [s for s in _SUFFIX.split(rest) if s]
    return torch._tensor_str._add_suffixes('tensor(' + body, ["device='cuda:0'"] + suffixes, 7,
                                           False)


def check(arr, dtype='float32', device='cpu', fn=None):
    e, t = _pair(arr, dtype, device)
    if fn is not None:
        e, t = fn(e), fn(t)
    want = _torch_repr(t, device)
    got = repr(e)
    assert got == want, f'\nember:\n{got}\ntorch:\n{want}'
    assert str(e) == got


def _values(rng, shape, dtype, kind):
    """Random test values of one kind for a dtype."""
    if dtype == 'bool':
        return rng.random_sample(shape) > 0.5
    if dtype in ('int64', 'int32', 'int16', 'int8', 'uint8'):
        lo, hi = {'uint8': (0, 256), 'int8': (-128, 128), 'int16': (-3000, 3000)}.get(
            dtype, (-10 ** 6, 10 ** 6) if kind == 'big' else (-20, 20))
        return rng.randint(lo, hi, size=shape)
    scale = {'normal': 1.0, 'small': 1e-3, 'tiny': 1e-6, 'big': 1e5, 'huge': 1e9}.get(kind)
    if kind == 'ints':
        x = rng.randint(-50, 50, size=shape).astype(np.float64)
    elif kind == 'logspread':
        x = np.exp(rng.uniform(-12, 12, size=shape)) * rng.choice([-1, 1], size=shape)
    else:
        x = rng.standard_normal(shape) * scale
    if dtype.startswith('complex'):
        y = _values(rng, shape, 'float64', kind)
        return x + 1j * y
    return x


SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (10, 10), (30,), (25, 40),
          (1001,), (40, 40), (2, 3, 200), (7, 7, 7, 7), (1, 1, 1)]
KINDS = ['normal', 'small', 'tiny', 'big', 'huge', 'ints', 'logspread']


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_random_values(shape, dtype, device):
    rng = np.random.RandomState(zlib.crc32(repr((shape, dtype)).encode()))
    kinds = KINDS if dtype[0] in 'fbc' and dtype != 'bool' else ['normal', 'big']
    if dtype == 'float16':
        kinds = [k for k in kinds if k not in ('huge', 'logspread')]   # would overflow to inf
    for kind in kinds:
        check(_values(rng, shape, dtype, kind), dtype, device)


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16', 'bfloat16', 'complex64'])
@pytest.mark.parametrize('vals', [
    [1.0, 2.0, 3.0], [0.0, 0.0], [-0.0, 0.0], [-0.0, 1.5], [0.1, -0.0], [1.0, -2.0],
    [float('nan')], [float('inf'), float('-inf')], [0.0, float('nan'), float('-inf')],
    [1.0, float('-inf')], [1.5, float('-inf')], [1.5, float('nan'), 2.0], [1e-5, 1e3],
    [1e-5, 1.0], [1e-4, 0.1], [2e-4, 0.1], [1.0, 1000.0], [1.0, 1001.0], [1e8], [2e8],
    [123456.0, 0.5], [100.0, 1e4, 1e5], [-1e-7, 5.0, float('nan')], [0.5, 1e8],
    [65504.0, -65504.0], [3.0], [1e-3, 3.14159], [0.00012, 0.12],
])
def test_special_values(vals, dtype, device):
    check(np.array(vals), dtype, device)


@pytest.mark.parametrize('vals', [1.0, -0.0, 3.5, 1e-5, 1e10, float('nan'), float('-inf'), 0.0])
@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16', 'complex64', 'complex128'])
def test_scalars(vals, dtype, device):
    check(np.array(vals), dtype, device)


@pytest.mark.parametrize('vals', [5, 0, -3, True, False, 255])
@pytest.mark.parametrize('dtype', ['int64', 'int32', 'uint8', 'bool'])
def test_int_scalars(vals, dtype, device):
    check(np.array(vals), dtype, device)


@pytest.mark.parametrize('vals', [
    [1 + 2j, -0.0 - 1j, complex(float('nan'), 0)], [1e-5 + 1j], [1 - 1e-5j, 100 + 0j],
    [complex(0, float('inf')), complex(float('-inf'), -0.0)], [0.5 - 2.25j, -3.125 + 1j],
    [1e9 + 1j, 1 + 1e9j], [0j, 0j],
])
@pytest.mark.parametrize('dtype', ['complex64', 'complex128'])
def test_complex_special(vals, dtype, device):
    check(np.array(vals), dtype, device)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(0,), (0, 3), (2, 0, 4), (3, 0)], ids=str)
def test_empty(shape, dtype, device):
    check(np.zeros(shape), dtype, device)


def test_long_lines_and_suffix_wrapping(device):
    rng = np.random.RandomState(3)
    for n in (7, 8, 9, 10, 11, 12, 13, 50, 100):
        for dtype in ('float32', 'float64', 'float16', 'int32', 'int64', 'complex128'):
            check(rng.standard_normal(n) * 10, dtype, device)
            check(rng.standard_normal((2, n)), dtype, device)
    check(np.arange(1000.0).reshape(10, 100), 'float64', device)
    check(np.arange(1001.0), 'int16', device)


def test_noncontiguous(device):
    rng = np.random.RandomState(4)
    x = rng.standard_normal((5, 6, 7))
    check(x, 'float32', device, fn=lambda t: t.transpose(0, 2))
    check(x, 'float64', device, fn=lambda t: t[1:, ::2, 3])
    if hasattr(ember.Tensor, 'flip'):
        check(x, 'float32', device, fn=lambda t: t.flip(2))
    big = rng.standard_normal((60, 50))
    check(big, 'float32', device, fn=lambda t: t.t())
    check(big, 'int64', device, fn=lambda t: t[::2, 1::3])


def test_autograd_suffixes(device):
    rng = np.random.RandomState(5)
    x = rng.standard_normal((2, 3))
    fns = [lambda t: t.requires_grad_(), lambda t: t.requires_grad_() + 1,
           lambda t: t.requires_grad_() * 2, lambda t: t.requires_grad_().sum(),
           lambda t: t.requires_grad_().exp(), lambda t: -t.requires_grad_(),
           lambda t: t.requires_grad_().view(3, 2), lambda t: t.requires_grad_().mean()]
    for fn in fns:
        check(x, 'float32', device, fn)
        check(x, 'float64', device, fn)   # dtype and grad_fn together
    for n in (9, 10, 11, 12):   # suffixes pushed to their own line at linewidth 80
        check(rng.standard_normal(n), 'float64', device, lambda t: t.requires_grad_() * 2)
        check(rng.standard_normal(n), 'float32', device, lambda t: t.requires_grad_())
    check(np.zeros((0, 2)), 'float64', device, lambda t: t.requires_grad_())


PRINTOPTS = [
    dict(precision=2), dict(precision=0), dict(precision=8), dict(threshold=5),
    dict(threshold=5, edgeitems=1), dict(threshold=0), dict(edgeitems=0, threshold=3),
    dict(edgeitems=5, threshold=10), dict(linewidth=20), dict(linewidth=200), dict(linewidth=5),
    dict(profile='short'), dict(profile='full'), dict(sci_mode=True), dict(sci_mode=False),
    dict(profile='short', sci_mode=True, linewidth=40), dict(precision=2, sci_mode=False),
]


@pytest.mark.parametrize('opts', PRINTOPTS, ids=lambda d: ','.join(f'{k}={v}' for k, v in
                                                                    d.items()))
def test_printoptions(opts, device):
    ember.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    rng = np.random.RandomState(6)
    for shape in [(), (4,), (12,), (3, 5), (2, 3, 4), (40, 40), (2000,), (5, 5, 50)]:
        for kind in ('normal', 'ints', 'logspread', 'tiny'):
            check(_values(rng, shape, 'float64', kind), 'float32', device)
        check(_values(rng, shape, 'float64', 'normal'), 'float64', device)
        check(_values(rng, shape, 'complex64', 'normal'), 'complex64', device)
        check(_values(rng, shape, 'int64', 'big'), 'int64', device)
        check(_values(rng, shape, 'bool', ''), 'bool', device)
    check(np.array([1.0, float('nan'), 0.0, -0.0]), 'float32', device)
    check(np.zeros((0, 4)), 'float32', device)


def test_printoptions_reset_and_get():
    ember.set_printoptions(precision=2, sci_mode=True)
    assert ember.get_printoptions()['sci_mode'] is True
    ember.set_printoptions(precision=3)   # like PyTorch, sci_mode goes back to None
    torch.set_printoptions(precision=2, sci_mode=True)
    torch.set_printoptions(precision=3)
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    ember.set_printoptions(**dict(ember.get_printoptions(), linewidth=60))
    assert ember.get_printoptions()['linewidth'] == 60
    from ember._tensor_str import printoptions
    with printoptions(precision=1):
        assert repr(ember.tensor([1.25, 2.5])) == 'tensor([1.2, 2.5])'
    assert ember.get_printoptions()['precision'] == 3


def test_default_dtype_float64(device):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    rng = np.random.RandomState(7)
    for dtype in ('float32', 'float64', 'complex64', 'complex128', 'int64'):
        check(rng.standard_normal((2, 3)), dtype, device)
        check(np.zeros((0,)), dtype, device)


def test_print_and_str(capsys):
    e, t = _pair(np.arange(6.0).reshape(2, 3) / 3, 'float32')
    print(e)
    print(t)
    out = capsys.readouterr().out.split('\n')
    assert out[:2] == out[2:4]
    assert str(e) == repr(e) == repr(t)
    assert f'{e}' == repr(e)


def test_known_strings():
    """A few outputs spelled out (from PyTorch's documentation and behaviour)."""
    assert repr(ember.tensor([[1.0, 2.0], [3.0, 4.0]])) == \
        'tensor([[1., 2.],\n        [3., 4.]])'
    assert repr(ember.tensor([True, False])) == 'tensor([ True, False])'
    assert repr(ember.tensor(3.0)) == 'tensor(3.)'
    assert repr(ember.tensor(5)) == 'tensor(5)'
    assert repr(ember.tensor([])) == 'tensor([])'
    assert repr(ember.zeros(0, 3)) == 'tensor([], size=(0, 3))'
    assert repr(ember.tensor([1e-5, 1e3])) == 'tensor([1.0000e-05, 1.0000e+03])'
    ember.set_printoptions(threshold=5)
    assert repr(ember.arange(10)) == 'tensor([0, 1, 2,  ..., 7, 8, 9])'


def test_summarised_formats_only_edges():
    """A large tensor prints fast: only the shown edge items are gathered and formatted, and
    the formatter (int mode, sci mode, width) sees only them, as in PyTorch."""
    x = np.random.RandomState(8).standard_normal((2000, 3000)).astype(np.float32)
    x[1000, 1500] = 1e20     # hidden: must not switch the printout to scientific notation
    e, t = ember.tensor(x), torch.from_numpy(x)
    start = time.perf_counter()
    got = repr(e)
    took = time.perf_counter() - start
    assert got == repr(t)
    assert 'e+' not in got
    assert took < 0.5, took


def test_parameter_and_tensor_contents():
    a = np.random.RandomState(9).standard_normal((3, 4)).astype(np.float32)
    try:
        from ember.nn.parameter import Parameter
    except ImportError:  # pragma: no cover - nn not built yet
        Parameter = None
    if Parameter is not None:
        assert repr(Parameter(ember.tensor(a))) == repr(torch.nn.Parameter(torch.from_numpy(a)))
    e, t = ember.tensor(a), torch.from_numpy(a)
    assert e.__repr__(tensor_contents='[...]') == t.__repr__(tensor_contents='[...]')
