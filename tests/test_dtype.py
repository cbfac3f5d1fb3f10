"""dtypes and type promotion against PyTorch's tables."""
import itertools

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch

NAMES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16', 'float32',
         'float64', 'complex64', 'complex128']


@needs_torch
@pytest.mark.parametrize('a,b', list(itertools.product(NAMES, NAMES)))
def test_promote_types_matches_torch(a, b):
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    want = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert repr(got) == repr(want)


SCALARS = [True, 3, 2.5, 1 + 2j]


@needs_torch
@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('ndim', [0, 1])
@pytest.mark.parametrize('scalar', SCALARS, ids=repr)
def test_result_type_with_python_scalars(name, ndim, scalar):
    if name == 'float16' and isinstance(scalar, complex):
        pytest.skip('torch gives complex32, a dtype ember does not have')
    shape = () if ndim == 0 else (2,)
    e = ember.zeros(shape, dtype=getattr(ember, name))
    t = torch.zeros(shape, dtype=getattr(torch, name))
    assert repr(ember.result_type(e, scalar)) == repr(torch.result_type(t, scalar))


@needs_torch
@pytest.mark.parametrize('a,b', list(itertools.product(NAMES, NAMES)))
def test_result_type_dim_vs_zero_dim(a, b):
    if {a, b} & {'float16'} and {a, b} & {'complex64', 'complex128'}:
        pytest.skip('torch may give complex32, a dtype ember does not have')
    ea, eb = ember.zeros(2, dtype=getattr(ember, a)), ember.zeros((), dtype=getattr(ember, b))
    ta, tb = torch.zeros(2, dtype=getattr(torch, a)), torch.zeros((), dtype=getattr(torch, b))
    assert repr(ember.result_type(ea, eb)) == repr(torch.result_type(ta, tb))
    assert repr(ember.result_type(eb, ea)) == repr(torch.result_type(tb, ta))


def test_documented_examples():
    # the examples, independent of the oracle
    assert (ember.tensor([1, 2]) * 2.5).dtype is ember.float32
    assert (ember.tensor([1., 2.]) + np.float64(1)).dtype is ember.float32
    assert ember.tensor([1.0]).dtype is ember.float32
    assert ember.tensor([1]).dtype is ember.int64
    assert ember.tensor([True]).dtype is ember.bool


def test_default_dtype_round_trip():
    assert ember.get_default_dtype() is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.5]).dtype is ember.float64
        assert (ember.tensor([1, 2]) * 0.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@needs_torch
@pytest.mark.parametrize('a,b', list(itertools.product(NAMES, NAMES)))
def test_can_cast(a, b):
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


@needs_torch
@pytest.mark.parametrize('name', ['float16', 'bfloat16', 'float32', 'float64'])
def test_finfo(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ['bits', 'eps', 'max', 'min', 'tiny', 'resolution']:
        assert getattr(e, attr) == pytest.approx(getattr(t, attr)), attr


@needs_torch
@pytest.mark.parametrize('name', ['uint8', 'int8', 'int16', 'int32', 'int64'])
def test_iinfo(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.bits, e.min, e.max) == (t.bits, t.min, t.max)


def test_dtype_attributes():
    assert ember.float32.is_floating_point and not ember.int64.is_floating_point
    assert ember.complex64.is_complex
    assert ember.int8.is_signed and not ember.uint8.is_signed
    assert repr(ember.float32) == 'torch.float32'
    assert ember.float is ember.float32 and ember.long is ember.int64 and ember.half is ember.float16
    assert ember.float32.itemsize == 4
