"""Process-level settings (ember/_runtime.py) and the memory methods of Tensor, against torch."""
import os
import sys
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip('torch')


@pytest.fixture(autouse=True)
def _restore():
    yield
    ember.set_default_device(None)
    ember.use_deterministic_algorithms(False)
    ember.set_float32_matmul_precision('highest')
    ember.set_default_dtype(ember.float32)
    ember.set_warn_always(False)


def _err(fn):
    try:
        fn()
    except Exception as e:
        return type(e), str(e)
    return None


# ------------------------------------------------------------------------------------- compile

def test_compile_identity(device):
    m = ember.nn.Linear(3, 2).to(device)
    assert ember.compile(m) is m
    assert ember.compile(m, mode='reduce-overhead', dynamic=True, fullgraph=True) is m

    @ember.compile
    def f(x):
        return x * 2

    @ember.compile(mode='max-autotune')
    def g(x):
        return x + 1

    x = ember.ones(2, device=device)
    assert f(x).tolist() == [2.0, 2.0] and g(x).tolist() == [2.0, 2.0]
    assert ember.compile(backend='eager')(f) is f
    with pytest.raises(RuntimeError):
        ember.compile(f, mode='default', options={})
    with pytest.raises(RuntimeError):
        torch.compile(lambda x: x, mode='default', options={})


# ------------------------------------------------------------------------------------- threads

def test_threads_round_trip():
    n0 = ember.get_num_threads()
    assert n0 >= 1
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        ember.set_num_threads(2)
        assert ember.get_num_threads() == 2
    finally:
        ember.set_num_threads(n0)
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    for bad in (0, -1, 1.5):
        for f, t in ((ember.set_num_threads, torch.set_num_threads),
                     (ember.set_num_interop_threads, torch.set_num_interop_threads)):
            got, want = _err(lambda: f(bad)), _err(lambda: t(bad))
            assert got is not None and got[0] is want[0] and got[1] == want[1], (got, want)


def test_threads_reach_blas():
    tpc = pytest.importorskip('threadpoolctl')
    if not any(i.get('user_api') == 'blas' for i in tpc.threadpool_info()):
        pytest.skip('no BLAS pool visible')
    n0 = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert all(i['num_threads'] == 1 for i in tpc.threadpool_info()
                   if i.get('user_api') == 'blas')
    finally:
        ember.set_num_threads(n0)


# ------------------------------------------------------------------------------------- determinism

def test_deterministic_settings_match_torch():
    seq = [('use', True, False), ('use', True, True), ('use', False, True), ('dbg', 'warn'),
           ('dbg', 'error'), ('dbg', 0), ('dbg', 2), ('dbg', 1), ('dbg', 'default')]
    try:
        for step in seq:
            for lib in (ember, torch):
                if step[0] == 'use':
                    lib.use_deterministic_algorithms(step[1], warn_only=step[2])
                else:
                    lib.set_deterministic_debug_mode(step[1])
            assert ember.are_deterministic_algorithms_enabled() == \
                torch.are_deterministic_algorithms_enabled()
            assert ember.is_deterministic_algorithms_warn_only_enabled() == \
                torch.is_deterministic_algorithms_warn_only_enabled()
            assert ember.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        for bad in ('foo', 5):
            got = _err(lambda: ember.set_deterministic_debug_mode(bad))
            want = _err(lambda: torch.set_deterministic_debug_mode(bad))
            assert got[0] is want[0] and got[1] == want[1]
        got = _err(lambda: ember.use_deterministic_algorithms('x'))
        want = _err(lambda: torch.use_deterministic_algorithms('x'))
        assert got[0] is want[0] and got[1] == want[1]
    finally:
        torch.use_deterministic_algorithms(False)


def test_matmul_precision_and_warn_always():
    for p in ('high', 'medium', 'highest'):
        ember.set_float32_matmul_precision(p)
        assert ember.get_float32_matmul_precision() == p
    ember.set_float32_matmul_precision('medium')
    with pytest.warns(UserWarning):
        ember.set_float32_matmul_precision('bogus')
    assert ember.get_float32_matmul_precision() == 'medium'
    assert not ember.is_warn_always_enabled()
    ember.set_warn_always(True)
    assert ember.is_warn_always_enabled()


# ------------------------------------------------------------------------------------- device/type

def test_default_device():
    assert str(ember.get_default_device()) == str(torch.get_default_device()) == 'cpu'
    ember.set_default_device('cpu')
    assert ember.get_default_device().type == 'cpu'
    assert ember.zeros(2).device.type == 'cpu' and ember.tensor([1.0]).device.type == 'cpu'
    assert ember.nn.Linear(2, 2).weight.device.type == 'cpu'
    with pytest.raises(RuntimeError):
        ember.set_default_device('foo')
    if not ember.cuda.is_available():
        ember.set_default_device('cuda')
        assert ember.get_default_device().type == 'cuda'
        with pytest.raises(RuntimeError, match='CUDA'):
            ember.zeros(2)
        with pytest.raises(RuntimeError, match='CUDA'):
            ember.tensor([1.0])
        assert ember.zeros(2, device='cpu').device.type == 'cpu'
        x = ember.ones(3, device='cpu')
        assert ember.zeros_like(x).device.type == 'cpu'
    else:
        ember.set_default_device('cuda')
        assert ember.zeros(2).device.type == 'cuda'
        assert ember.nn.Linear(2, 2).weight.device.type == 'cuda'
    ember.set_default_device(None)
    assert ember.zeros(2).device.type == 'cpu'


def test_set_default_tensor_type():
    with pytest.warns(UserWarning):
        ember.set_default_tensor_type('torch.DoubleTensor')
    assert ember.get_default_dtype() is ember.float64
    assert ember.tensor([1.0]).dtype is ember.float64
    with pytest.warns(UserWarning):
        ember.set_default_tensor_type('torch.FloatTensor')
    assert ember.get_default_dtype() is ember.float32
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        got = _err(lambda: ember.set_default_tensor_type('torch.IntTensor'))
        want = _err(lambda: torch.set_default_tensor_type('torch.IntTensor'))
    assert got[0] is want[0] is TypeError and got[1] == want[1]


def test_is_inference(device):
    x = ember.ones(2, device=device)
    assert ember.is_inference(x) is False and x.is_inference() is False
    assert torch.is_inference(torch.ones(2)) is False


# ------------------------------------------------------------------------------------- interchange

def test_dlpack_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_dlpack(a)
    assert t.dtype is ember.float32 and t.shape == (2, 3)
    t[0, 0] = 9
    assert a[0, 0] == 9
    cap = ember.to_dlpack(t)
    u = ember.from_dlpack(cap)
    assert u.data_ptr() == t.data_ptr() and u.tolist() == t.tolist()
    # with torch both ways
    tt = torch.arange(4, dtype=torch.int64)
    e = ember.from_dlpack(tt)
    assert e.dtype is ember.int64 and e.tolist() == [0, 1, 2, 3]
    e[1] = 7
    assert tt[1].item() == 7
    back = torch.from_dlpack(ember.to_dlpack(ember.arange(3.0)))
    assert back.tolist() == [0.0, 1.0, 2.0] and back.dtype == torch.float32


def test_frombuffer_matches_torch():
    raw = bytes(range(1, 17))
    for dt, tdt, count, offset in [(ember.int16, torch.int16, 2, 2),
                                   (ember.float32, torch.float32, -1, 0),
                                   (ember.uint8, torch.uint8, -1, 3),
                                   (ember.int32, torch.int32, 3, 4)]:
        e = ember.frombuffer(bytearray(raw), dtype=dt, count=count, offset=offset)
        t = torch.frombuffer(bytearray(raw), dtype=tdt, count=count, offset=offset)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
        assert e.dtype.itemsize == t.dtype.itemsize and e.dim() == 1
    buf = bytearray(8)
    e = ember.frombuffer(buf, dtype=ember.int32)
    e[1] = 5                                           # shares the writable buffer
    assert buf[4] == 5
    for kw in [dict(count=3), dict(offset=4), dict()]:
        src = bytearray(b'\x01\x02\x03\x04') if kw else bytearray(b'\x01\x02\x03')
        got = _err(lambda: ember.frombuffer(src, dtype=ember.int16, **kw))
        want = _err(lambda: torch.frombuffer(src, dtype=torch.int16, **kw))
        assert got == want
    assert _err(lambda: ember.frombuffer(bytearray(), dtype=ember.float32)) == \
        _err(lambda: torch.frombuffer(bytearray(), dtype=torch.float32))


# ------------------------------------------------------------------------------------- Tensor memory

def test_share_memory_visible_in_forked_child():
    if not hasattr(os, 'fork'):
        pytest.skip('needs fork')
    x = ember.arange(6.0).reshape(2, 3)
    assert not x.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and x[1:].is_shared()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x.share_memory_() is x
    pid = os.fork()
    if pid == 0:
        try:
            x[1, 2] = 42.0
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert x[1, 2].item() == 42.0
    # the module-level helper keeps parameters working
    y = ember.ones(2, requires_grad=True)
    y.share_memory_()
    (y * 3).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]


def _both(fn):
    e, t = fn(ember), fn(torch)
    return e, t


@pytest.mark.parametrize('case', [
    lambda lib: lib.arange(6.0).resize_(2, 2),
    lambda lib: lib.arange(6.0)[2:].resize_(2),
    lambda lib: lib.arange(6.0).view(2, 3).t().resize_(3),
    lambda lib: lib.arange(6.0).view(2, 3).resize_(4),
    lambda lib: lib.arange(6.0).resize_((3, 2)),
    lambda lib: lib.arange(6.0).resize_as_(lib.zeros(2, 2)),
    lambda lib: lib.arange(4).resize_(lib.Size([2, 2])),
])
def test_resize_matches_torch(case):
    e, t = _both(case)
    assert tuple(e.shape) == tuple(t.shape) and e.is_contiguous()
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_resize_grow_keeps_leading_data_and_errors():
    for lib in (ember, torch):
        x = lib.arange(6.0)
        x.resize_(3, 3)
        assert x.shape == (3, 3)
        np.testing.assert_array_equal(x.reshape(-1)[:6].numpy(), np.arange(6.0))
    x = ember.arange(6.0)
    y = x[:4]
    y.resize_(2)
    y[0] = 10                                 # shrinking keeps the memory
    assert x[0].item() == 10
    got = _err(lambda: ember.arange(3.0).requires_grad_().resize_(2))
    want = _err(lambda: torch.arange(3.0).requires_grad_().resize_(2))
    assert got == want


def test_apply_and_map():
    for lib in (ember, torch):
        a = lib.arange(4.0)
        a.apply_(lambda v: v * v + 1)
        assert a.tolist() == [1.0, 2.0, 5.0, 10.0]
        b = lib.arange(6).reshape(2, 3)
        b.map_(lib.tensor([10, 20, 30]), lambda u, v: u * v)
        assert b.tolist() == [[0, 20, 60], [30, 80, 150]]
        assert b.dtype == getattr(lib, 'int64')
    got = _err(lambda: ember.arange(3.0).requires_grad_().apply_(lambda v: v))
    want = _err(lambda: torch.arange(3.0).requires_grad_().apply_(lambda v: v))
    assert got == want
    c = ember.zeros(3)
    c.map2_(ember.ones(3), ember.full((3,), 2.0), lambda s, x, y: s + x + y)
    assert c.tolist() == [3.0, 3.0, 3.0]


def test_storage_shares_memory():
    for lib in (ember, torch):
        z = lib.arange(4.0)
        s = z.untyped_storage()
        assert s.data_ptr() == z[1:].untyped_storage().data_ptr() == z.data_ptr()
        assert s.size() == s.nbytes() == len(s) == 16 and s.element_size() == 1
        assert s.tolist() == list(np.arange(4.0, dtype=np.float32).tobytes())
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            ts = z.storage()
        assert ts.size() == 4 and ts.element_size() == 4 and ts.tolist() == [0.0, 1.0, 2.0, 3.0]
        assert ts.dtype == lib.float32 and ts.data_ptr() == z.data_ptr()
    z = ember.arange(4.0)
    s = z.untyped_storage()
    s[0:4] = np.frombuffer(np.float32(5).tobytes(), np.uint8)
    assert z[0].item() == 5.0
    assert repr(ember.arange(2.0).untyped_storage()) == repr(torch.arange(2.0).untyped_storage())
    z.record_stream(None)
