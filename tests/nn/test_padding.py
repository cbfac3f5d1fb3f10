"""``F.pad`` (constant / reflect / replicate / circular, negative pads) and the padding
modules against PyTorch: values, gradients, finite differences, reprs and errors."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import compare, needs_torch, torch

pytestmark = needs_torch

R = np.random.RandomState(0)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def F(lib):
    return lib.nn.functional


def same_error(fn, match_message=True):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match_message:
        assert str(ee.value) == str(te.value)


PADS = {1: [(1, 2), (0, 3), (2, 0)], 2: [(1, 1, 2, 0), (0, 2, 1, 3)],
        3: [(1, 0, 2, 1, 0, 2), (1, 1, 1, 1, 1, 1)]}


@pytest.mark.parametrize('mode', ['constant', 'reflect', 'replicate', 'circular'])
@pytest.mark.parametrize('nd', [1, 2, 3])
def test_pad_modes(device, mode, nd):
    shape = (2, 3) + (4, 5, 3)[:nd]
    for p in PADS[nd]:
        compare(lambda lib, a: F(lib).pad(a, p, mode=mode), f32(*shape), device=device)
        # unbatched input, non-contiguous input
        compare(lambda lib, a: F(lib).pad(a, p, mode=mode), f32(*shape[1:]), device=device)
        compare(lambda lib, a: F(lib).pad(a.transpose(-1, -2) if nd > 1 else a.transpose(0, 1), p,
                                          mode=mode),
                f32(*shape), device=device)


def test_pad_constant_value_negative_and_partial(device):
    x = f32(2, 3, 4, 5)
    compare(lambda lib, a: F(lib).pad(a, (1, 2), value=3.5), x, device=device)
    compare(lambda lib, a: F(lib).pad(a, (-1, 2, 0, -2)), x, device=device)
    compare(lambda lib, a: F(lib).pad(a, (-1, -1, -1, -1, 1, 1, 0, 1)), x, device=device)
    compare(lambda lib, a: F(lib).pad(a, (1, 1, 1, 1, 1, 1, 1, 1), value=-2.0), x, device=device)
    xi = R.randint(0, 9, (2, 3)).astype(np.int64)
    compare(lambda lib, a: F(lib).pad(a, (1, 2), value=7), xi, device=device, grad=False)
    for mode in ('reflect', 'replicate', 'circular'):
        compare(lambda lib, a: F(lib).pad(a, (-1, 2), mode=mode), x[0], device=device)
        compare(lambda lib, a: F(lib).pad(a, (2, -1, -1, 1), mode=mode), x, device=device)


@pytest.mark.parametrize('mode', ['constant', 'reflect', 'replicate', 'circular'])
def test_pad_gradcheck(device, mode):
    x = ember.tensor(R.standard_normal((1, 2, 3, 4)), device=device, requires_grad=True)
    fn = lambda a: F(ember).pad(a, (2, 1, 1, 2), mode=mode)    # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    fn = lambda a: F(ember).pad(a, (-1, 1, 2, -1))    # noqa: E731
    assert gradcheck(fn, (x,))


def test_pad_errors():
    x = f32(1, 2, 3, 3)
    same_error(lambda lib: F(lib).pad(lib.tensor(x), (1, 2, 3)), match_message=False)
    same_error(lambda lib: F(lib).pad(lib.tensor(x), (3, 3), mode='reflect'),
               match_message=False)
    same_error(lambda lib: F(lib).pad(lib.tensor(x), (1,) * 10), match_message=False)


MODS = [('ZeroPad1d', (2,), (2, 3, 5)), ('ZeroPad2d', ((1, 2, 0, 3),), (2, 3, 4, 5)),
        ('ZeroPad2d', ((1, 2, -1, 3),), (2, 3, 4, 5)),
        ('ZeroPad3d', (1,), (1, 2, 3, 4, 2)), ('ConstantPad1d', ((2, 1), 3.5), (2, 3, 5)),
        ('ConstantPad2d', (1, -1.0), (3, 4, 5)), ('ConstantPad3d', ((1, 0, 2, 1, 0, 1), 0.),
                                                 (1, 2, 3, 4, 2)),
        ('ReflectionPad1d', (2,), (2, 3, 5)), ('ReflectionPad2d', ((1, 2, 3, 0),), (2, 3, 4, 5)),
        ('ReflectionPad3d', (1,), (1, 2, 3, 4, 2)), ('ReplicationPad1d', ((3, 1),), (2, 3, 5)),
        ('ReplicationPad2d', (2,), (3, 4, 5)), ('ReplicationPad3d', ((1, 2, 0, 1, 2, 0),),
                                                (1, 2, 3, 4, 2)),
        ('CircularPad1d', (2,), (2, 3, 5)), ('CircularPad2d', ((1, 2, 3, 0),), (2, 3, 4, 5)),
        ('CircularPad3d', (1,), (1, 2, 3, 4, 2))]


@pytest.mark.parametrize('name,args,shape', MODS)
def test_padding_modules(device, name, args, shape):
    em, tm = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(em) == repr(tm)
    assert em.padding == tm.padding
    assert list(em.state_dict()) == list(tm.state_dict()) == []
    compare(lambda lib, a: (em if lib is ember else tm)(a), f32(*shape), device=device)


def test_circular_pad_module_dim_error():
    same_error(lambda lib: lib.nn.CircularPad2d(1)(lib.tensor(f32(1, 2, 3, 4, 5))))
    same_error(lambda lib: lib.nn.CircularPad1d(1)(lib.tensor(f32(3))))
