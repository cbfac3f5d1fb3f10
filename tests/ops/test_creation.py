"""Tensor factories and conversions against PyTorch: values, dtypes, shapes and errors."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, to_np, assert_same

pytestmark = needs_torch


CASES = {
 'tensor_int': lambda L: L.tensor([1,2,3]),
 'tensor_float': lambda L: L.tensor([1.,2]),
 'tensor_mixed': lambda L: L.tensor([1, 2.5]),
 'tensor_bool': lambda L: L.tensor([True, False]),
 'tensor_bool_int': lambda L: L.tensor([True, 2]),
 'tensor_bool_float': lambda L: L.tensor([True, 2.5]),
 'tensor_nested': lambda L: L.tensor([[1,2],[3,4.]]),
 'tensor_scalar': lambda L: L.tensor(3),
 'tensor_scalar_f': lambda L: L.tensor(3.5),
 'tensor_scalar_b': lambda L: L.tensor(True),
 'tensor_complex': lambda L: L.tensor([1+2j]),
 'tensor_complex_mixed': lambda L: L.tensor([1, 2j]),
 'tensor_np_f64': lambda L: L.tensor(np.ones(2)),
 'tensor_np_i32': lambda L: L.tensor(np.ones(2, np.int32)),
 'tensor_np_scalar_f64': lambda L: L.tensor(np.float64(1.5)),
 'tensor_np_scalar_f32': lambda L: L.tensor(np.float32(1.5)),
 'tensor_np_scalar_i32': lambda L: L.tensor(np.int32(1)),
 'tensor_list_np_scalar': lambda L: L.tensor([np.float64(1.5), 2]),
 'tensor_list_np_f32': lambda L: L.tensor([np.float32(1.5), np.float32(2)]),
 'tensor_list_np_arrays': lambda L: L.tensor([np.ones(2), np.zeros(2)]),
 'tensor_0dim_list': lambda L: L.tensor([L.tensor(1.), L.tensor(2.)]),
 'tensor_0dim_list_int': lambda L: L.tensor([L.tensor(1), L.tensor(2)]),
 'tensor_1dim_list': lambda L: L.tensor([L.tensor([1.,2]), L.tensor([3.,4])]),
 'tensor_mixed_tensor_num': lambda L: L.tensor([L.tensor(1.5), 2]),
 'tensor_list_f64_tensor': lambda L: L.tensor([L.tensor(1.5, dtype=L.float64), L.tensor(2., dtype=L.float64)]),
 'tensor_int_rg': lambda L: L.tensor([1,2], requires_grad=True),
 'tensor_rg': lambda L: L.tensor([1.,2], requires_grad=True).requires_grad,
 'tensor_dtype': lambda L: L.tensor([1.7, -2.7], dtype=L.int32),
 'tensor_dtype_bool': lambda L: L.tensor([0.0, 2], dtype=L.bool),
 'tensor_ragged': lambda L: L.tensor([[1,2],[3]]),
 'tensor_str': lambda L: L.tensor('abc'),
 'tensor_empty': lambda L: L.tensor([]),
 'tensor_empty2': lambda L: L.tensor([[]]),
 'tensor_tuple': lambda L: L.tensor((1, 2)),
 'tensor_big_int': lambda L: L.tensor([2**63]),
 'tensor_None': lambda L: L.tensor(None),
 'tensor_from_tensor': lambda L: L.tensor(L.ones(2)),
 'tensor_from_tensor_dtype': lambda L: L.tensor(L.ones(2), dtype=L.int64),
 'tensor_range': lambda L: L.tensor(range(3)),
 'tensor_nan_int': lambda L: L.tensor([float('nan')], dtype=L.int64),
 'as_tensor_list': lambda L: L.as_tensor([1, 2.]),
 'as_tensor_np': lambda L: L.as_tensor(np.arange(3)),
 'as_tensor_np_dtype': lambda L: L.as_tensor(np.arange(3), dtype=L.float32),
 'asarray_list': lambda L: L.asarray([1, 2]),
 'asarray_np_f32': lambda L: L.asarray(np.ones(2, np.float32)),
 'asarray_scalar': lambda L: L.asarray(3.5),
 'from_numpy_f16': lambda L: L.from_numpy(np.ones(2, np.float16)),
 'from_numpy_list': lambda L: L.from_numpy([1, 2]),
 'from_numpy_0d': lambda L: L.from_numpy(np.array(3.)),
 'zeros': lambda L: L.zeros(2, 3),
 'zeros_tuple': lambda L: L.zeros((2, 3), dtype=L.int32),
 'zeros_list': lambda L: L.zeros([2]),
 'zeros_size_kw': lambda L: L.zeros(size=(2,)),
 'zeros_empty': lambda L: L.zeros(()),
 'zeros_noarg': lambda L: L.zeros(),
 'zeros_neg': lambda L: L.zeros(-1),
 'zeros_float': lambda L: L.zeros(2.5),
 'zeros_Size': lambda L: L.zeros(L.ones(2,3).shape),
 'zeros_tensor_dim': lambda L: L.zeros(L.tensor(3)),
 'ones': lambda L: L.ones(3, dtype=L.bool),
 'ones_rg': lambda L: L.ones(3, requires_grad=True).requires_grad,
 'ones_int_rg': lambda L: L.ones(3, dtype=L.int64, requires_grad=True),
 'full_int': lambda L: L.full((2,), 1),
 'full_bool': lambda L: L.full((2,), True),
 'full_float': lambda L: L.full((2,), 1.5),
 'full_complex': lambda L: L.full((2,), 1+1j),
 'full_dtype': lambda L: L.full((2,), 1.7, dtype=L.int64),
 'full_int_size': lambda L: L.full(3, 1.),
 'full_list_size': lambda L: L.full([2, 2], 2),
 'full_tensor_val': lambda L: L.full((2,), L.tensor(3.)),
 'full_np_val': lambda L: L.full((2,), np.float32(3.)),
 'full_np_int_val': lambda L: L.full((2,), np.int32(3)),
 'full_inf_int': lambda L: L.full((2,), float('inf'), dtype=L.int64),
 'full_out_of_range': lambda L: L.full((2,), 300, dtype=L.uint8),
 'empty': lambda L: L.empty(2, 3).shape,
 'empty_dtype': lambda L: L.empty((2,), dtype=L.int16).dtype,
 'eye': lambda L: L.eye(3),
 'eye_nm': lambda L: L.eye(2, 4, dtype=L.int64),
 'eye_neg': lambda L: L.eye(-1),
 'eye_0': lambda L: L.eye(0),
 'eye_bool': lambda L: L.eye(2, dtype=L.bool),
 'arange_int': lambda L: L.arange(5),
 'arange_float': lambda L: L.arange(5.),
 'arange_mixed': lambda L: L.arange(0, 5, 0.5),
 'arange_neg': lambda L: L.arange(5, 0, -1),
 'arange_negf': lambda L: L.arange(1, -1, -0.3),
 'arange_fstep': lambda L: L.arange(0, 1, 0.1),
 'arange_fstep2': lambda L: L.arange(1, 2.5, 0.5),
 'arange_fstep3': lambda L: L.arange(-1, 1, 0.2),
 'arange_fstep4': lambda L: L.arange(0.0, 0.3, 0.1),
 'arange_dtype': lambda L: L.arange(0, 5, dtype=L.float64),
 'arange_dtype_int_f': lambda L: L.arange(0, 2.5, 0.5, dtype=L.int64),
 'arange_zero_step': lambda L: L.arange(0, 5, 0),
 'arange_bad_sign': lambda L: L.arange(0, 5, -1),
 'arange_empty': lambda L: L.arange(3, 3),
 'arange_tensor': lambda L: L.arange(L.tensor(3)),
 'arange_tensor_f': lambda L: L.arange(L.tensor(3.)),
 'arange_np': lambda L: L.arange(np.int64(4)),
 'arange_np_f': lambda L: L.arange(np.float64(2)),
 'arange_big': lambda L: L.arange(2**40, 2**40+3),
 'arange_inf': lambda L: L.arange(0, float('inf')),
 'arange_nan': lambda L: L.arange(0, float('nan')),
 'arange_bool': lambda L: L.arange(True),
 'arange_f16': lambda L: L.arange(0, 4, dtype=L.float16),
 'arange_u8_neg': lambda L: L.arange(5, 0, -1, dtype=L.uint8),
 'linspace': lambda L: L.linspace(0, 1, 5),
 'linspace_int': lambda L: L.linspace(0, 10, 4, dtype=L.int64),
 'linspace_int2': lambda L: L.linspace(-3, 7, 7, dtype=L.int64),
 'linspace_1': lambda L: L.linspace(2, 5, 1),
 'linspace_0': lambda L: L.linspace(2, 5, 0),
 'linspace_neg': lambda L: L.linspace(2, 5, -1),
 'linspace_rev': lambda L: L.linspace(5, -5, 11),
 'linspace_f64': lambda L: L.linspace(0, 1, 7, dtype=L.float64),
 'linspace_tensor': lambda L: L.linspace(L.tensor(0.), L.tensor(1.), 3),
 'linspace_complex': lambda L: L.linspace(0, 1+1j, 3),
 'linspace_steps_float': lambda L: L.linspace(0, 1, 2.5),
 'linspace_steps_tensor': lambda L: L.linspace(0, 1, L.tensor(3)),
 'linspace_f16': lambda L: L.linspace(0, 1, 5, dtype=L.float16),
 'logspace': lambda L: L.logspace(0, 2, 3),
 'logspace_base': lambda L: L.logspace(0, 3, 4, base=2),
 'logspace_int': lambda L: L.logspace(0, 3, 4, base=2, dtype=L.int64),
 'logspace_f64': lambda L: L.logspace(-2, 2, 5, dtype=L.float64),
 'logspace_1': lambda L: L.logspace(2, 3, 1),
 'zeros_like': lambda L: L.zeros_like(L.ones(2, dtype=L.int32)),
 'zeros_like_dtype': lambda L: L.zeros_like(L.ones(2), dtype=L.float64),
 'ones_like_t': lambda L: L.ones_like(L.ones(2,3).t()),
 'full_like': lambda L: L.full_like(L.ones(2, dtype=L.int64), 2.7),
 'full_like_f': lambda L: L.full_like(L.ones(2), 2),
 'full_like_dtype': lambda L: L.full_like(L.ones(2), 2, dtype=L.bool),
 'empty_like': lambda L: L.empty_like(L.ones(2, dtype=L.float16)).dtype,
 'like_rg': lambda L: L.zeros_like(L.ones(2, requires_grad=True)).requires_grad,
 'like_rg2': lambda L: L.ones_like(L.ones(2), requires_grad=True).requires_grad,
 'like_nontensor': lambda L: L.zeros_like([1, 2]),
 'new_zeros': lambda L: L.ones(2, dtype=L.int32).new_zeros(3),
 'new_zeros_tuple': lambda L: L.ones(2, dtype=L.int32).new_zeros((2, 3)),
 'new_ones_dtype': lambda L: L.ones(2).new_ones(2, dtype=L.float64),
 'new_empty': lambda L: L.ones(2, dtype=L.float16).new_empty((2,)).dtype,
 'new_full': lambda L: L.ones(2, dtype=L.int64).new_full((2,), 3.7),
 'new_full_list': lambda L: L.ones(2).new_full([2, 1], 3),
 'new_tensor': lambda L: L.ones(2, dtype=L.float64).new_tensor([1, 2]),
 'new_tensor_t': lambda L: L.ones(2, dtype=L.float64).new_tensor(L.tensor([1, 2])),
 'new_tensor_np': lambda L: L.ones(2, dtype=L.float64).new_tensor(np.ones(2, np.float32)),
 'new_tensor_rg': lambda L: L.ones(2, requires_grad=True).new_tensor([1.]).requires_grad,
 'to_dtype': lambda L: L.ones(2).to(L.int64),
 'to_kw': lambda L: L.ones(2).to(dtype=L.float64),
 'to_device_dtype': lambda L: L.ones(2).to('cpu', L.float16),
 'to_tensor': lambda L: L.ones(2).to(L.ones(1, dtype=L.int32)),
 'to_other_kw': lambda L: L.ones(2).to(other=L.ones(1, dtype=L.int32)),
 'to_same_is_self': lambda L: (lambda x: x.to(L.float32) is x)(L.ones(2)),
 'to_copy_not_self': lambda L: (lambda x: x.to(L.float32, copy=True) is x)(L.ones(2)),
 'to_copy_mem': lambda L: (lambda x: x.to(L.float32, copy=True).data_ptr() == x.data_ptr())(L.ones(2)),
 'to_device_str_self': lambda L: (lambda x: x.to('cpu') is x)(L.ones(2)),
 'to_device_obj': lambda L: (lambda x: x.to(L.device('cpu')) is x)(L.ones(2)),
 'to_none': lambda L: (lambda x: x.to() is x)(L.ones(2)),
 'to_float_trunc': lambda L: L.tensor([1.7, -1.7, 2.5]).to(L.int64),
 'to_bool': lambda L: L.tensor([0.0, 0.1, -2]).to(L.bool),
 'to_u8_neg': lambda L: L.tensor([-1, 256]).to(L.uint8),
 'float': lambda L: L.tensor([1, 2]).float(),
 'double': lambda L: L.tensor([1, 2]).double(),
 'half': lambda L: L.tensor([1.5, 2]).half(),
 'bfloat16': lambda L: L.tensor([1.5, 2]).bfloat16(),
 'long': lambda L: L.tensor([1.5, -2.5]).long(),
 'int': lambda L: L.tensor([1.5, 2]).int(),
 'bool_m': lambda L: L.tensor([0, 2]).bool(),
 'short': lambda L: L.tensor([1.5, 2]).short(),
 'byte': lambda L: L.tensor([1.5, 2]).byte(),
 'char': lambda L: L.tensor([1.5, 2]).char(),
 'cfloat': lambda L: L.tensor([1.5, 2]).cfloat(),
 'float_self': lambda L: (lambda x: x.float() is x)(L.ones(2)),
 'type_as': lambda L: L.tensor([1.5]).type_as(L.tensor([1])),
 'type_str': lambda L: L.ones(2).type(),
 'type_str_i': lambda L: L.ones(2, dtype=L.int64).type(),
 'type_conv': lambda L: L.ones(2).type(L.int32),
 'type_conv_str': lambda L: L.ones(2).type('torch.DoubleTensor'),
 'type_conv_str2': lambda L: L.ones(2).type('torch.IntTensor'),
 'clone': lambda L: L.tensor([1., 2]).clone(),
 'clone_dtype': lambda L: L.tensor([1, 2]).clone(),
 'clone_t_contig': lambda L: L.ones(2, 3).t().clone().is_contiguous(),
 'clone_mem': lambda L: (lambda x: x.clone().data_ptr() != x.data_ptr())(L.ones(2)),
 'zero_': lambda L: L.tensor([1., 2]).zero_(),
 'fill_': lambda L: L.tensor([1, 2]).fill_(2.7),
 'fill_bool': lambda L: L.tensor([1., 2]).fill_(True),
 'fill_tensor': lambda L: L.tensor([1., 2]).fill_(L.tensor(5.)),
 'fill_tensor_bad': lambda L: L.tensor([1., 2]).fill_(L.tensor([5., 1])),
 'fill_kw': lambda L: L.tensor([1., 2]).fill_(value=3),
 'fill_complex_to_float': lambda L: L.tensor([1., 2]).fill_(1j),
 'detach': lambda L: L.ones(2, requires_grad=True).detach().requires_grad,
 'legacy_list': lambda L: L.Tensor([1, 2]),
 'legacy_sizes': lambda L: L.Tensor(2, 3).shape,
 'legacy_empty': lambda L: L.Tensor(),
 'legacy_size_tuple': lambda L: L.Tensor((2, 3)),
 'legacy_Size': lambda L: L.Tensor(L.Size([2, 3])).shape,
 'legacy_np': lambda L: L.Tensor(np.ones(2, np.int64)),
 'legacy_tensor': lambda L: L.Tensor(L.tensor([1, 2])),
 'legacy_scalar': lambda L: L.Tensor(3).shape,
 'legacy_float_scalar': lambda L: L.Tensor(3.5),
 'scalar_tensor': lambda L: L.scalar_tensor(3),
 'scalar_tensor_b': lambda L: L.scalar_tensor(True),
 'range': lambda L: L.range(0, 3),
 'range_step': lambda L: L.range(0, 1, 0.25),
 'range_int': lambda L: L.range(0, 3, dtype=L.int64),
 'empty_strided': lambda L: L.empty_strided((2, 3), (1, 2)).shape,
 'complex_f': lambda L: L.complex(L.ones(2), L.zeros(2)),
 'polar': lambda L: L.polar(L.ones(2), L.zeros(2)),
 'complex_f64': lambda L: L.complex(L.ones(2, dtype=L.float64), L.zeros(2, dtype=L.float64)),
}


def _run(f, L):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            return f(L)
        except Exception as e:      # noqa: BLE001 - compared with torch's exception below
            return e


def _check(name, f):
    t, e = _run(f, torch), _run(f, ember)
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f'{name}: torch raised {t!r}, ember returned {e!r}'
        assert type(e) is type(t), f'{name}: {e!r} vs torch {t!r}'
        return
    if isinstance(e, Exception):
        raise AssertionError(f'{name}: ember raised {e!r}, torch returned {t!r}')
    if isinstance(t, torch.Tensor):
        assert_same(e, t, rtol=1e-6, atol=1e-6)
    elif isinstance(t, (torch.dtype, torch.Size)):
        assert str(e) == str(t), (name, e, t)
    else:
        assert e == t, (name, e, t)


@pytest.mark.parametrize('name', sorted(CASES))
def test_like_torch(name):
    _check(name, CASES[name])


@pytest.mark.parametrize('name', sorted(CASES))
def test_like_torch_float64_default(name):
    old_e, old_t = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        _check(name, CASES[name])
    finally:
        ember.set_default_dtype(old_e)
        torch.set_default_dtype(old_t)
    assert ember.get_default_dtype() is ember.float32


EXACT = [
    ('arange_int_neg', lambda L: L.arange(10, -7, -3)),
    ('arange_int_dtype_trunc', lambda L: L.arange(0.5, 5.7, 1.5, dtype=L.int64)),
    ('arange_int32_len', lambda L: L.arange(0.5, 5.7, 1.5, dtype=L.int32)),
    ('arange_len_float', lambda L: L.arange(0.0, 1e-9, 1e-10)),
    ('arange_fma', lambda L: L.arange(-1, 1, 0.2, dtype=L.float64)),
    ('linspace_int_fma', lambda L: L.linspace(-3, 7, 7, dtype=L.int64)),
    ('linspace_int_trunc', lambda L: L.linspace(0.5, 3.5, 4, dtype=L.int64)),
    ('linspace_int_u8', lambda L: L.linspace(0, 255, 9, dtype=L.uint8)),
    ('linspace_f32', lambda L: L.linspace(-3, 7, 7)),
    ('linspace_f64', lambda L: L.linspace(-2.3, 9.94, 13, dtype=L.float64)),
    ('logspace_int_base', lambda L: L.logspace(0, 2, 3, base=2.5, dtype=L.int64)),
    ('logspace_f32', lambda L: L.logspace(-1.8, 0.6, 7)),
]


@pytest.mark.parametrize('name,f', EXACT, ids=[n for n, _ in EXACT])
def test_ranges_exact(name, f, device):
    """Integer results and small ranges agree element for element (PyTorch's formulas)."""
    e, t = f(ember), f(torch)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    np.testing.assert_array_equal(to_np(e), t.numpy())


def test_arange_float_length():
    # lengths are ceil((end - start) / step) in float64, as in PyTorch
    for a, b, s in ((1, 2.05, 0.05), (0, 1, 0.1), (0, 0.3, 0.1), (-1, 1, 0.2), (1, -1, -0.3),
                    (0, 10, 1 / 3), (2.5, 7, 0.5), (0, 1e-9, 1e-10)):
        e, t = ember.arange(a, b, s), torch.arange(a, b, s)
        assert e.shape == t.shape, (a, b, s)
        np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-6, atol=1e-6)


def test_linspace_int_sweep():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = (float(np.round(v, 2)) for v in rng.uniform(-50, 50, 2))
        n = int(rng.integers(2, 40))
        np.testing.assert_array_equal(to_np(ember.linspace(a, b, n, dtype=ember.int64)),
                                      torch.linspace(a, b, n, dtype=torch.int64).numpy())
        e, t = ember.arange(a, b, 0.37 if b > a else -0.37), torch.arange(a, b, 0.37 if b > a else -0.37)
        assert e.shape == t.shape
        np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-6, atol=1e-6)


def test_factories_on_device(device):
    for f in (lambda L, d: L.zeros(2, 3, device=d), lambda L, d: L.full((2,), 7, device=d),
              lambda L, d: L.arange(5, device=d), lambda L, d: L.linspace(0, 1, 4, device=d),
              lambda L, d: L.eye(3, device=d), lambda L, d: L.tensor([[1, 2]], device=d),
              lambda L, d: L.ones_like(L.ones(2, device=d), dtype=L.int32),
              lambda L, d: L.ones(2, device=d).new_full((3,), 2.5)):
        e, t = f(ember, device), f(torch, 'cpu')
        assert e.device.type == device
        assert_same(e, t)


def test_numpy_memory_sharing():
    a = np.arange(4.0)
    t = ember.from_numpy(a)
    a[0] = 10
    assert t[0].item() == 10
    t.add_(1) if hasattr(t, 'add_') else t.fill_(11)
    assert a[1] != 1.0
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    for f in (ember.as_tensor, ember.asarray):
        b = np.ones(3, np.int32)
        x = f(b)
        assert x.dtype is ember.int32 and np.shares_memory(x.numpy(), b)
    b = np.ones(3)
    assert not np.shares_memory(ember.tensor(b).numpy(), b)
    assert not np.shares_memory(ember.asarray(b, copy=True).numpy(), b)
    assert not np.shares_memory(ember.as_tensor(b, dtype=ember.float32).numpy(), b)
    y = ember.ones(2)
    assert ember.as_tensor(y) is y and ember.asarray(y) is y
    with pytest.raises(ValueError):
        ember.asarray(b, dtype=ember.float32, copy=False)
    with pytest.raises(ValueError):
        ember.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        ember.from_numpy(np.array([1, 2], dtype='>i4'))
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])
    # a numpy layout is kept, as torch.tensor does
    f = np.ones((2, 3)).T
    assert ember.tensor(f).is_contiguous() == torch.tensor(f).is_contiguous()


def test_layout_preserved_like_torch():
    for f in (lambda L: L.ones(2, 3).t().clone(), lambda L: L.zeros_like(L.ones(2, 3).t()),
              lambda L: L.ones(2, 3).t().to(L.float64), lambda L: L.empty_like(L.ones(2, 3).t()),
              lambda L: L.ones(2, 3)[:, ::2].clone(),
              lambda L: L.ones(2, 3).t().clone(memory_format=L.contiguous_format)
              if hasattr(L, 'contiguous_format') else L.ones(2, 3).t().contiguous()):
        e, t = f(ember), f(torch)
        assert e.stride() == t.stride()


def test_clone_and_to_gradients(device):
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = x.clone()
    assert y.grad_fn is not None and y.requires_grad
    (y * ember.tensor([1.0, 2.0, 3.0], device=device)).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), [1, 2, 3])
    x.grad = None
    z = x.double() * 2
    z.sum().backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_array_equal(to_np(x.grad), [2, 2, 2])
    assert x.detach().requires_grad is False
    d = x.detach()
    assert np.shares_memory(to_np(d), to_np(x))


def test_fill_and_zero(device):
    for L in (ember, torch):
        dev = device if L is ember else 'cpu'
        v = L.tensor(2.0, requires_grad=True, device=dev)
        w = L.zeros(3, requires_grad=True, device=dev)
        x = w * 1
        x.fill_(v)
        (x * L.tensor([1.0, 2.0, 3.0], device=dev)).sum().backward()
        assert v.grad.item() == 6.0
        np.testing.assert_array_equal(to_np(w.grad), np.zeros(3))
    x = ember.arange(6, device=device).reshape(2, 3)
    x.t()[1].fill_(-1)
    np.testing.assert_array_equal(to_np(x), [[0, -1, 2], [3, -1, 5]])
    v0 = x._version
    assert x.zero_() is x and x._version == v0 + 1 and to_np(x).sum() == 0
    leaf = ember.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match='leaf Variable'):
        leaf.fill_(1.0)


def test_to_arguments():
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to('cpu') is x
    y = x.to(ember.float32, copy=True)
    assert y is not x and not np.shares_memory(to_np(y), to_np(x))
    y = x.to(ember.float32, False, True)
    assert y is not x
    assert x.to(device='cpu', dtype=ember.int32).dtype is ember.int32
    assert x.to(ember.ones(1, dtype=ember.float16)).dtype is ember.float16
    for bad in (lambda L: L.ones(2).to(other=L.ones(1)),
                lambda L: L.ones(2).to(L.int32, L.float64)):
        with pytest.raises(TypeError):
            bad(torch)
        with pytest.raises(TypeError):
            bad(ember)


def test_legacy_constructor():
    assert ember.Tensor(2, 3).shape == (2, 3) and ember.Tensor(2, 3).dtype is ember.float32
    assert ember.Tensor().shape == (0,)
    assert ember.Tensor(ember.Size([4, 1])).shape == (4, 1)
    a = ember.tensor([1.0, 2.0])
    assert ember.Tensor(a).data_ptr() == a.data_ptr()    # aliases, as in PyTorch
    for bad in (3.5, 'abc'):
        with pytest.raises(TypeError):
            torch.Tensor(bad)
        with pytest.raises(TypeError):
            ember.Tensor(bad)


@needs_torch
@pytest.mark.parametrize('fn', ['empty', 'zeros', 'ones', 'rand', 'randn'])
def test_float_sizes_raise_like_torch(fn):
    for lib in (ember, torch):
        with pytest.raises(TypeError) as e:
            getattr(lib, fn)((2.0, 3))
        msg = str(e.value)
        assert msg.startswith(f"{fn}(): argument 'size' (position 1) must be tuple of ints"), msg
    assert tuple(ember.zeros(np.int64(2), 3).shape) == (2, 3)
