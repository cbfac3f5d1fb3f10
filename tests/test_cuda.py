"""``ember.cuda``: the no-GPU behaviour (PyTorch's on a CPU-only build) and, where CuPy sees a
GPU, device queries, memory counters, streams, events, OOM and CUDA autocast/GradScaler."""
import numpy as np
import pytest

import ember
from ember.backend import cuda as _b

HAS_CUDA = ember.cuda.is_available()
need_cuda = pytest.mark.skipif(not HAS_CUDA, reason='no CUDA device (CuPy + GPU)')
no_cuda = pytest.mark.skipif(HAS_CUDA, reason='checks the CPU-only behaviour')


# ---------------------------------------------------------------------------- without a GPU


@no_cuda
def test_queries_without_cuda_match_torch():
    torch = pytest.importorskip('torch')
    assert ember.cuda.is_available() is torch.cuda.is_available() is False
    assert ember.cuda.device_count() == torch.cuda.device_count() == 0
    assert ember.cuda.is_initialized() is False
    assert ember.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    for f in ('memory_allocated', 'max_memory_allocated', 'memory_reserved',
              'max_memory_reserved'):
        assert getattr(ember.cuda, f)() == getattr(torch.cuda, f)() == 0
    # harmless no-ops, as in PyTorch
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
    ember.cuda.seed()
    ember.cuda.empty_cache()
    ember.cuda.reset_peak_memory_stats()


@no_cuda
@pytest.mark.parametrize('call', [
    lambda: ember.cuda.current_device(), lambda: ember.cuda.get_device_name(),
    lambda: ember.cuda.get_device_properties(0), lambda: ember.cuda.get_device_capability(),
    lambda: ember.cuda.synchronize(), lambda: ember.cuda.mem_get_info(),
    lambda: ember.cuda.set_device(0), lambda: ember.cuda.Stream(),
    lambda: ember.cuda.Event(enable_timing=True), lambda: ember.cuda.current_stream(),
    lambda: ember.cuda.init(), lambda: ember.ones(2).cuda(), lambda: ember.ones(2).to('cuda'),
    lambda: ember.ones(2, device='cuda'), lambda: ember.ones(2).to('cuda:0', non_blocking=True),
])
def test_device_functions_without_cuda_raise_clear_error(call):
    # PyTorch raises AssertionError('Torch not compiled with CUDA enabled'); ember's error is
    # also a RuntimeError and says what to install
    with pytest.raises(AssertionError, match='Torch not compiled with CUDA enabled') as ei:
        call()
    assert isinstance(ei.value, RuntimeError)
    assert 'pip install "ember[cuda]"' in str(ei.value)


@no_cuda
def test_torch_raises_the_same_kind():
    torch = pytest.importorskip('torch')
    with pytest.raises(AssertionError, match='Torch not compiled with CUDA enabled'):
        torch.cuda.current_device()
    with pytest.raises(AssertionError, match='Torch not compiled with CUDA enabled'):
        torch.ones(2).cuda()


@no_cuda
def test_pin_memory_without_cuda_like_torch():
    torch = pytest.importorskip('torch')
    for L in (torch, ember):
        x = L.ones(3)
        assert x.is_pinned() is False
        with pytest.raises(RuntimeError, match='Cannot access accelerator device when none is '
                                               'available.'):
            x.pin_memory()


def test_non_blocking_accepted_on_cpu():
    x = ember.ones(3)
    assert x.to('cpu', non_blocking=True) is x
    assert x.to(ember.float64, non_blocking=True).dtype is ember.float64
    assert x.cpu().shape == (3,)


def test_out_of_memory_error_type():
    torch = pytest.importorskip('torch')
    assert issubclass(ember.cuda.OutOfMemoryError, RuntimeError)
    assert issubclass(torch.cuda.OutOfMemoryError, RuntimeError)


def test_cuda_amp_module_names():
    from ember.cuda.amp import autocast, GradScaler, custom_fwd, custom_bwd  # noqa: F401
    assert issubclass(GradScaler, ember.amp.GradScaler)
    assert issubclass(autocast, ember.amp.autocast)
    assert ember.cuda.amp.amp_definitely_not_available() is (not HAS_CUDA)


def test_device_context_is_noop_for_none():
    with ember.cuda.device(None):
        pass


# ---------------------------------------------------------------------------- with a GPU


@need_cuda
def test_device_queries():
    n = ember.cuda.device_count()
    assert n >= 1
    assert 0 <= ember.cuda.current_device() < n
    p = ember.cuda.get_device_properties(0)
    assert isinstance(p.name, str) and p.name == ember.cuda.get_device_name(0)
    assert p.total_memory > 1 << 30 and p.multi_processor_count > 0
    assert ember.cuda.get_device_capability(0) == (p.major, p.minor)
    assert ember.cuda.is_bf16_supported() == (p.major >= 8)
    free, total = ember.cuda.mem_get_info()
    assert 0 < free <= total
    with ember.cuda.device(0):
        assert ember.cuda.current_device() == 0
    ember.cuda.set_device('cuda:0')
    ember.cuda.synchronize()


@need_cuda
def test_memory_counters_and_peaks():
    ember.cuda.empty_cache()
    ember.cuda.reset_peak_memory_stats()
    base = ember.cuda.memory_allocated()
    x = ember.ones(1 << 20, device='cuda')            # 4 MiB
    assert ember.cuda.memory_allocated() >= base + (4 << 20)
    y = x * 2
    peak = ember.cuda.max_memory_allocated()
    assert peak >= base + (8 << 20)
    del x, y
    assert ember.cuda.memory_allocated() < peak
    assert ember.cuda.max_memory_allocated() == peak
    assert ember.cuda.memory_reserved() >= ember.cuda.memory_allocated()
    assert ember.cuda.max_memory_reserved() >= ember.cuda.memory_reserved()
    ember.cuda.reset_peak_memory_stats()
    assert ember.cuda.max_memory_allocated() == ember.cuda.memory_allocated()
    assert 'Allocated memory' in ember.cuda.memory_summary()
    ember.cuda.empty_cache()


@need_cuda
def test_out_of_memory_names_size():
    total = ember.cuda.get_device_properties(0).total_memory
    with pytest.raises(ember.cuda.OutOfMemoryError, match='CUDA out of memory. Tried to allocate'):
        ember.empty(total, dtype=ember.float32, device='cuda')
    ember.cuda.empty_cache()


@need_cuda
def test_events_and_streams():
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    s = ember.cuda.Stream()
    start.record()
    with ember.cuda.stream(s):
        assert ember.cuda.current_stream() == s
        a = ember.randn(512, 512, device='cuda')
        b = a @ a
    ember.cuda.current_stream().wait_stream(s)
    end.record()
    end.synchronize()
    assert end.query()
    assert start.elapsed_time(end) >= 0
    assert ember.cuda.current_stream() == ember.cuda.default_stream() or True
    assert b.shape == (512, 512)
    with pytest.raises(RuntimeError, match='enable_timing=True'):
        ember.cuda.Event().elapsed_time(end)


@need_cuda
def test_pin_memory_with_cuda():
    x = ember.arange(6.)
    p = x.pin_memory()
    assert p.is_pinned() and not x.is_pinned()
    np.testing.assert_array_equal(p.numpy(), x.numpy())
    y = p.to('cuda', non_blocking=True)
    ember.cuda.synchronize()
    np.testing.assert_array_equal(y.cpu().numpy(), x.numpy())


@need_cuda
def test_manual_seed_cuda_reproducible():
    ember.cuda.manual_seed(3)
    a = ember.randn(5, device='cuda')
    ember.cuda.manual_seed_all(3)
    b = ember.randn(5, device='cuda')
    np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())


# CUDA op lists, from PyTorch's "Autocast Op Reference"
CUDA_CASES = {
    'mm': (lambda a: ember.mm(a, a), ember.float16),
    'linear': (lambda a: ember.nn.functional.linear(a, a), ember.float16),
    'conv2d': (lambda a: ember.nn.functional.conv2d(a[None, None], a[None, None, :2, :2]),
               ember.float16),
    'mv': (lambda a: ember.mv(a, a[0]), ember.float16),
    'softmax': (lambda a: ember.softmax(a.half(), 1), ember.float32),
    'sum': (lambda a: a.half().sum(), ember.float32),
    'exp': (lambda a: a.half().exp(), ember.float32),
    'layer_norm': (lambda a: ember.nn.functional.layer_norm(a.half(), (4,)), ember.float32),
    'cross_entropy': (lambda a: ember.nn.functional.cross_entropy(
        a.half(), ember.tensor([0, 1, 2, 3], device='cuda')), ember.float32),
    'relu': (lambda a: ember.relu(a.half()), ember.float16),
    'cat': (lambda a: ember.cat([a, a.half()]), ember.float32),
}


@need_cuda
@pytest.mark.parametrize('name', list(CUDA_CASES))
def test_cuda_autocast_op_lists(name):
    fn, want = CUDA_CASES[name]
    a = ember.randn(4, 4, device='cuda')
    with ember.autocast('cuda'):
        assert fn(a).dtype is want


@need_cuda
def test_cuda_autocast_training_with_grad_scaler():
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(10, 32), ember.nn.ReLU(),
                                ember.nn.Linear(32, 2)).cuda()
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler('cuda', init_scale=2. ** 16)
    x = ember.randn(64, 10, device='cuda')
    y = (x.sum(1) > 0).long()
    first = None
    for _ in range(30):
        with ember.autocast('cuda'):
            out = model(x)
            loss = ember.nn.functional.cross_entropy(out, y)
        assert out.dtype is ember.float16 and loss.dtype is ember.float32
        opt.zero_grad()
        scaler.scale(loss).backward()
        assert all(p.grad.dtype is ember.float32 for p in model.parameters())
        scaler.step(opt)
        scaler.update()
        first = first if first is not None else loss.item()
    assert loss.item() < first
    # an inf gradient skips the step and halves the scale
    s = scaler.get_scale()
    w = [p.detach().clone() for p in model.parameters()]
    opt.zero_grad()
    with ember.autocast('cuda'):
        loss = model(x).sum() * float('inf')
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == s * 0.5
    for p, q in zip(model.parameters(), w):
        np.testing.assert_array_equal(p.detach().cpu().numpy(), q.cpu().numpy())
