"""Automatic mixed precision: autocast (op lists, nesting, decorators, gradients) and
GradScaler, against PyTorch's CPU autocast and CPU GradScaler."""
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip('torch')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F_ = 'nn.functional'


def _F(L):
    return L.nn.functional


def _tensors(L, arrays, device='cpu'):
    if L is torch:
        return [torch.from_numpy(a.copy()) for a in arrays]
    return [ember.tensor(a, device=device) for a in arrays]


def _cuda_ok():
    return ember.cuda.is_available()


# op name -> (fn(L, a, b) with a, b float32 (4, 4) tensors)
OPS = {
    # lower precision (bfloat16 on CPU)
    'linear': lambda L, a, b: _F(L).linear(a, b),
    'linear_bias': lambda L, a, b: _F(L).linear(a, b, b[0]),
    'matmul': lambda L, a, b: L.matmul(a, b),
    'matmul_batched': lambda L, a, b: L.matmul(a[None].expand(2, 4, 4), b),
    'matmul_op': lambda L, a, b: a @ b,
    'mm': lambda L, a, b: L.mm(a, b),
    'mm_method': lambda L, a, b: a.mm(b),
    'addmm': lambda L, a, b: L.addmm(a, a, b),
    'bmm': lambda L, a, b: L.bmm(a[None], b[None]),
    'baddbmm': lambda L, a, b: L.baddbmm(a[None], a[None], b[None]),
    'addbmm': lambda L, a, b: L.addbmm(a, a[None], b[None]),
    'einsum': lambda L, a, b: L.einsum('ij,jk->ik', a, b),
    'tensordot': lambda L, a, b: L.tensordot(a, b, 1),
    'conv1d': lambda L, a, b: _F(L).conv1d(a[None], b[:, :, None]),
    'conv2d': lambda L, a, b: _F(L).conv2d(a[None, None], b[None, None, :2, :2], b[0, :1]),
    'conv3d': lambda L, a, b: _F(L).conv3d(a[None, None, None], b[None, None, None, :2, :2]),
    'conv_transpose1d': lambda L, a, b: _F(L).conv_transpose1d(a[None], b[:, :, None]),
    'conv_transpose2d': lambda L, a, b: _F(L).conv_transpose2d(a[None, None],
                                                               b[None, None, :2, :2]),
    'prelu': lambda L, a, b: _F(L).prelu(a, b[0, :1]),
    'sdpa': lambda L, a, b: _F(L).scaled_dot_product_attention(a[None], b[None], b[None]),
    # float32 list on CPU (bfloat16 inputs come out float32)
    'cross_entropy': lambda L, a, b: _F(L).cross_entropy(a.bfloat16(), L.tensor([0, 1, 2, 3])),
    'nll_loss': lambda L, a, b: _F(L).nll_loss(a.bfloat16(), L.tensor([0, 1, 2, 3])),
    'mse_loss': lambda L, a, b: _F(L).mse_loss(a.bfloat16(), b.bfloat16()),
    'l1_loss': lambda L, a, b: _F(L).l1_loss(a.bfloat16(), b.bfloat16()),
    'smooth_l1_loss': lambda L, a, b: _F(L).smooth_l1_loss(a.bfloat16(), b.bfloat16()),
    'huber_loss': lambda L, a, b: _F(L).huber_loss(a.bfloat16(), b.bfloat16()),
    'bce': lambda L, a, b: _F(L).binary_cross_entropy(a.sigmoid().bfloat16(),
                                                      b.sigmoid().bfloat16()),
    'bce_logits': lambda L, a, b: _F(L).binary_cross_entropy_with_logits(
        a.bfloat16(), b.sigmoid().bfloat16()),
    'kl_div': lambda L, a, b: _F(L).kl_div(a.bfloat16(), b.bfloat16(), reduction='batchmean'),
    'soft_margin_loss': lambda L, a, b: _F(L).soft_margin_loss(a.bfloat16(), b.sign().bfloat16()),
    'margin_ranking_loss': lambda L, a, b: _F(L).margin_ranking_loss(
        a.bfloat16(), b.bfloat16(), b.sign().bfloat16()),
    'trace': lambda L, a, b: a.bfloat16().trace(),
    'prod': lambda L, a, b: a.bfloat16().prod(),
    'max_pool3d': lambda L, a, b: _F(L).max_pool3d(a.bfloat16().reshape(1, 1, 1, 4, 4), 1),
    'avg_pool3d': lambda L, a, b: _F(L).avg_pool3d(a.bfloat16().reshape(1, 1, 1, 4, 4), 1),
    'adaptive_avg_pool3d': lambda L, a, b: _F(L).adaptive_avg_pool3d(
        a.bfloat16().reshape(1, 1, 1, 4, 4), 2),
    # promote
    'cat_mixed': lambda L, a, b: L.cat([a, b.bfloat16()]),
    'cat_low': lambda L, a, b: L.cat([a.bfloat16(), b.bfloat16()]),
    'stack_mixed': lambda L, a, b: L.stack([a.bfloat16(), b]),
    'bilinear': lambda L, a, b: _F(L).bilinear(a, b, L.ones(3, 4, 4)),
    # not on any CPU list: run in their inputs' dtype
    'softmax': lambda L, a, b: L.softmax(a.bfloat16(), 1),
    'log_softmax': lambda L, a, b: _F(L).log_softmax(a, 1),
    'sum': lambda L, a, b: a.bfloat16().sum(),
    'exp': lambda L, a, b: a.exp(),
    'relu': lambda L, a, b: L.relu(a),
    'layer_norm': lambda L, a, b: _F(L).layer_norm(a.bfloat16(), (4,)),
    'mv': lambda L, a, b: L.mv(a, b[0]),
    'dot': lambda L, a, b: L.dot(a[0], b[0]),
    'max_pool2d': lambda L, a, b: _F(L).max_pool2d(a.bfloat16()[None, None], 2),
    # float64 is not eligible
    'linear_f64': lambda L, a, b: _F(L).linear(a.double(), b.double()),
    'conv2d_f64': lambda L, a, b: _F(L).conv2d(a.double()[None, None],
                                               b.double()[None, None, :2, :2]),
}


@pytest.mark.parametrize('name', list(OPS))
def test_cpu_autocast_dtypes_match_torch(name):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((4, 4)).astype(np.float32) for _ in range(2)]
    res = {}
    for L in (torch, ember):
        a, b = _tensors(L, arrays)
        with L.autocast('cpu'):
            r = OPS[name](L, a, b)
        res[L] = r
    t, e = res[torch], res[ember]
    assert str(e.dtype) == str(t.dtype), name
    assert tuple(e.shape) == tuple(t.shape)
    tol = 2e-2 if t.dtype == torch.bfloat16 else 1e-2
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=tol, atol=tol)


def test_outside_autocast_nothing_changes():
    a = ember.randn(4, 4)
    assert ember.mm(a, a).dtype is ember.float32
    assert not ember.is_autocast_enabled('cpu')
    assert ember.amp._policy.on == [False]


def test_out_and_dtype_arguments_are_not_autocast():
    a = ember.randn(4, 4)
    with ember.autocast('cpu'):
        out = ember.empty(4, 4)
        ember.mm(a, a, out=out)
        assert out.dtype is ember.float32
        assert a.bfloat16().sum(dtype=ember.float32).dtype is ember.float32


def test_state_functions_and_defaults():
    assert ember.get_autocast_dtype('cpu') is ember.bfloat16
    assert ember.get_autocast_dtype('cuda') is ember.float16
    assert ember.is_autocast_cache_enabled()
    assert ember.amp.is_autocast_available('cpu') and ember.amp.is_autocast_available('cuda')
    with ember.autocast('cpu', dtype=ember.float16):
        assert ember.is_autocast_enabled('cpu')
        assert not ember.is_autocast_enabled('cuda') and not ember.is_autocast_enabled()
        assert ember.get_autocast_dtype('cpu') is ember.float16
        a = ember.randn(4, 4)
        assert ember.mm(a, a).dtype is ember.float16
    assert ember.get_autocast_dtype('cpu') is ember.bfloat16
    with pytest.warns(DeprecationWarning, match=r"is_autocast_enabled\('cpu'\)"):
        assert ember.is_autocast_cpu_enabled() is False


def test_nesting_and_enabled_false():
    a = ember.randn(4, 4)
    with ember.autocast('cpu'):
        assert ember.mm(a, a).dtype is ember.bfloat16
        with ember.autocast('cpu', enabled=False):
            assert not ember.is_autocast_enabled('cpu')
            assert ember.mm(a, a).dtype is ember.float32
            with ember.autocast('cpu'):
                assert ember.mm(a, a).dtype is ember.bfloat16
            assert ember.mm(a, a).dtype is ember.float32
        assert ember.mm(a, a).dtype is ember.bfloat16
    assert ember.mm(a, a).dtype is ember.float32
    assert ember.amp._policy._nesting == [0] and not ember.amp._policy._cache


def test_exception_restores_state():
    with pytest.raises(ValueError):
        with ember.autocast('cpu'):
            raise ValueError
    assert not ember.is_autocast_enabled('cpu') and ember.amp._policy.on == [False]
    a = ember.randn(4, 3)
    with ember.autocast('cpu'):
        with pytest.raises(RuntimeError, match='cannot be multiplied'):
            ember.mm(a, a)
        assert ember.amp._policy.on == [True]


def test_decorator():
    @ember.autocast('cpu')
    def f(a):
        assert ember.is_autocast_enabled('cpu')
        return ember.mm(a, a)

    @ember.amp.autocast('cpu', enabled=False)
    def g(a):
        return ember.mm(a, a)

    a = ember.randn(3, 3)
    assert f(a).dtype is ember.bfloat16
    with ember.autocast('cpu'):
        assert g(a).dtype is ember.float32
    assert not ember.is_autocast_enabled('cpu')
    with pytest.raises(TypeError, match='requires a callable'):
        ember.autocast('cpu')(3)


def test_bad_arguments_like_torch():
    for L in (torch, ember):
        with pytest.raises(ValueError, match='Expected `device_type` of type `str`'):
            L.autocast(0)
        with pytest.warns(UserWarning, match='In CPU autocast, but the target dtype is not '
                                              'supported. Disabling autocast.'):
            ac = L.autocast('cpu', dtype=L.float64)
        with ac:
            assert not L.is_autocast_enabled('cpu')


def test_cpu_amp_alias_warns():
    for L in (torch, ember):
        with pytest.warns(FutureWarning, match=r"torch.amp.autocast\('cpu', args...\)"):
            ac = L.cpu.amp.autocast()
        with ac:
            assert L.is_autocast_enabled('cpu')
            assert L.get_autocast_dtype('cpu') == L.bfloat16


def test_cuda_autocast_without_cuda_warns_and_disables():
    if _cuda_ok():
        pytest.skip('CUDA present')
    for L in (torch, ember):
        with pytest.warns(UserWarning, match='CUDA is not available or torch_xla is imported. '
                                              'Disabling autocast.'):
            ac = L.autocast('cuda')
        with ac:
            assert not L.is_autocast_enabled('cuda')
            a = L.ones(2, 2)
            assert (a @ a).dtype == L.float32
        with pytest.warns(FutureWarning, match=r"torch.amp.autocast\('cuda', args...\)"):
            L.cuda.amp.autocast()


def _mlp_run(L, W1, b1, W2, X, Y, inside_backward=False):
    w1 = L.tensor(W1, requires_grad=True)
    bb = L.tensor(b1, requires_grad=True)
    w2 = L.tensor(W2, requires_grad=True)
    x, y = L.tensor(X), L.tensor(Y)
    with L.autocast('cpu'):
        h = L.relu(_F(L).linear(x, w1, bb))
        o = _F(L).linear(h, w2)
        o2 = _F(L).linear(h, w2)        # a second use of the cached bfloat16 weight
        loss = _F(L).cross_entropy(o, y) + _F(L).cross_entropy(o2, y)
        if inside_backward:
            loss.backward()
    if not inside_backward:
        loss.backward()
    return h, o, loss, w1, bb, w2


@pytest.mark.parametrize('inside', [False, True])
def test_gradients_in_parameter_dtype_match_torch(inside):
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((16, 8)).astype(np.float32) * .3
    b1 = rng.standard_normal(16).astype(np.float32)
    W2 = rng.standard_normal((3, 16)).astype(np.float32) * .3
    X = rng.standard_normal((10, 8)).astype(np.float32)
    Y = rng.integers(0, 3, 10)
    rt = _mlp_run(torch, W1, b1, W2, X, Y, inside)
    re = _mlp_run(ember, W1, b1, W2, X, Y, inside)
    for t, e in zip(rt[:3], re[:3]):
        assert str(e.dtype) == str(t.dtype)
    assert re[0].dtype is ember.bfloat16 and re[2].dtype is ember.float32
    for t, e in zip(rt[3:], re[3:]):
        assert e.grad.dtype is ember.float32
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(re[2].item(), rt[2].item(), rtol=1e-3)


def test_conv_net_training_step_under_autocast():
    ember.manual_seed(0)
    nn = ember.nn
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 5))
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    x, y = ember.randn(8, 1, 8, 8), ember.randint(0, 5, (8,))
    losses = []
    for _ in range(5):
        opt.zero_grad()
        with ember.autocast('cpu'):
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
        assert out.dtype is ember.bfloat16 and loss.dtype is ember.float32
        loss.backward()
        assert all(p.grad.dtype is ember.float32 for p in model.parameters())
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_weight_cache_is_per_region():
    w = ember.randn(4, 4, requires_grad=True)
    with ember.autocast('cpu'):
        ember.mm(w, w)
        assert len(ember.amp._policy._cache) == 1
        with ember.autocast('cpu', cache_enabled=False):
            assert not ember.is_autocast_cache_enabled()
    assert not ember.amp._policy._cache


def test_custom_fwd_bwd():
    class MyMM(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type='cpu', cast_inputs=ember.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            assert not ember.is_autocast_enabled('cpu')
            return a.mm(b)

        @staticmethod
        @ember.amp.custom_bwd(device_type='cpu')
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g.mm(b.t()), a.t().mm(g)

    a = ember.randn(3, 3, requires_grad=True)
    with ember.autocast('cpu'):
        out = MyMM.apply(a.bfloat16(), a)
    assert out.dtype is ember.float32
    out.sum().backward()
    assert a.grad.dtype is ember.float32


# ---------------------------------------------------------------------------- GradScaler


def _scaler_history(L, W, X, init_scale, growth_interval, infs, unscale_at, opt_name='SGD'):
    w = L.tensor(W, requires_grad=True)
    opt = getattr(L.optim, opt_name)([w], lr=0.05)
    sc = L.amp.GradScaler('cpu', init_scale=init_scale, growth_interval=growth_interval,
                          growth_factor=3.0, backoff_factor=0.25)
    hist = []
    for it in range(14):
        opt.zero_grad()
        loss = (L.tensor(X) @ w.t()).pow(2).mean()
        if it in infs:
            loss = loss * (float('inf') if it % 2 else float('nan'))
        sc.scale(loss).backward()
        if it in unscale_at:
            sc.unscale_(opt)
            hist.append(w.grad.numpy().copy())
        sc.step(opt)
        sc.update()
        hist.append((sc.get_scale(), sc.state_dict()['_growth_tracker']))
        hist.append(w.detach().numpy().copy())
    return hist, sc.state_dict()


@pytest.mark.parametrize('opt_name', ['SGD', 'Adam'])
def test_grad_scaler_matches_torch(opt_name):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4)).astype(np.float32)
    X = rng.standard_normal((5, 4)).astype(np.float32)
    args = (W, X, 16., 3, {4, 5, 9}, {7})
    ht, st = _scaler_history(torch, *args, opt_name=opt_name)
    he, se = _scaler_history(ember, *args, opt_name=opt_name)
    assert se == st
    assert len(he) == len(ht)
    for t, e in zip(ht, he):
        if isinstance(t, tuple):
            assert e == t
        else:
            np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


def test_grad_scaler_scale_and_state_dict():
    sc = ember.amp.GradScaler('cpu')
    assert sc.is_enabled() and sc.get_scale() == 65536.0
    loss = ember.tensor(2.0, requires_grad=True)
    s = sc.scale(loss)
    assert s.item() == 131072.0 and s.dtype is ember.float32
    lst = sc.scale([loss, (loss * 2,)])
    assert isinstance(lst, list) and isinstance(lst[1], tuple) and lst[1][0].item() == 262144.0
    ts = torch.amp.GradScaler('cpu')
    for shape in ((), (3,)):
        t = ts.scale(torch.full(shape, 2.0).half())
        e = sc.scale(ember.full(shape, 2.0).half())
        assert str(e.dtype) == str(t.dtype)
    tsd = torch.amp.GradScaler('cpu', init_scale=8., growth_interval=7).state_dict()
    sc2 = ember.amp.GradScaler('cpu')
    sc2.load_state_dict(tsd)
    assert sc2.state_dict() == tsd and sc2.get_scale() == 8.0
    sc3 = pickle.loads(pickle.dumps(sc))
    assert sc3.state_dict() == sc.state_dict()
    with pytest.raises(RuntimeError, match='source state dict is empty'):
        sc2.load_state_dict({})
    with pytest.raises(AssertionError, match='growth factor must be > 1.0'):
        ember.amp.GradScaler('cpu', growth_factor=1.0)
    sc.update(4.0)
    assert sc.get_scale() == 4.0


def test_grad_scaler_errors_like_torch():
    for L in (torch, ember):
        w = L.ones(2, requires_grad=True)
        opt = L.optim.SGD([w], lr=0.1)
        sc = L.amp.GradScaler('cpu')
        with pytest.raises(AssertionError, match='Attempted step but _scale is None'):
            sc.step(opt)
        sc.scale(w.sum()).backward()
        sc.unscale_(opt)
        with pytest.raises(RuntimeError, match='unscale_\\(\\) has already been called'):
            sc.unscale_(opt)
        with pytest.raises(RuntimeError, match='Closure use is not currently supported'):
            sc.step(opt, closure=lambda: 0)
        sc.step(opt)
        with pytest.raises(RuntimeError, match='step\\(\\) has already been called'):
            sc.step(opt)
        sc.update()


def test_disabled_grad_scaler_is_pass_through():
    if _cuda_ok():
        pytest.skip('CUDA present')
    for L in (torch, ember):
        with pytest.warns(UserWarning, match='torch.cuda.amp.GradScaler is enabled, but CUDA is '
                                              'not available.  Disabling.'):
            sc = L.amp.GradScaler()
        with pytest.warns(FutureWarning, match=r"torch.amp.GradScaler\('cuda', args...\)"):
            L.cuda.amp.GradScaler()
        assert not sc.is_enabled() and sc.get_scale() == 1.0 and sc.state_dict() == {}
        w = L.ones(2, requires_grad=True)
        opt = L.optim.SGD([w], lr=0.5)
        loss = w.sum()
        assert sc.scale(loss) is loss
        loss.backward()
        assert sc.unscale_(opt) is None
        sc.step(opt)
        sc.update()
        np.testing.assert_allclose(w.detach().numpy(), [0.5, 0.5])
    sc = ember.amp.GradScaler('cpu', enabled=False)
    assert not sc.is_enabled()


TUTORIAL_7_3 = '''
import warnings
warnings.simplefilter('always')
import torch
import torch.nn as nn
torch.manual_seed(0)
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
X = torch.randn(64, 10)
Y = (X.sum(1) > 0).long()
train_loader = [(X[i:i + 16], Y[i:i + 16]) for i in range(0, 64, 16)]
num_epochs = 15
first = None
from torch.cuda.amp import autocast, GradScaler

# 创建梯度缩放器
scaler = GradScaler()

for epoch in range(num_epochs):
    for inputs, targets in train_loader:
        inputs = inputs.to(device)
        targets = targets.to(device)

        # 使用自动混合精度
        with autocast():
            outputs = model(inputs)
            loss = criterion(outputs, targets)

        # 缩放梯度并执行反向传播
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if first is None:
            first = loss.item()
print('dtypes', outputs.dtype, loss.dtype)
print('learned', loss.item() < first * 0.7)
'''


def _warnings_of(stderr):
    """{(category, message)} of the warnings printed on stderr."""
    out = set()
    for line in stderr.splitlines():
        k = line.find('Warning: ')
        if k > 0:
            cat = line[:k + 7].rsplit(' ', 1)[-1]
            out.add((cat, line[k + 9:]))
    return out


def test_tutorial_7_3_on_this_machine_behaves_like_torch(tmp_path):
    if _cuda_ok():
        pytest.skip('CUDA present: the CPU-only behaviour is what this checks')
    script = tmp_path / 's7_3_amp.py'
    script.write_text(textwrap.dedent(TUTORIAL_7_3))
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    rt = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                        timeout=120, env=env)
    re_ = subprocess.run([sys.executable, '-m', 'ember.run', str(script)], capture_output=True,
                         text=True, timeout=120, env=env, cwd=ROOT)
    assert rt.returncode == 0, rt.stderr
    assert re_.returncode == 0, re_.stderr
    assert re_.stdout == rt.stdout
    assert 'dtypes torch.float32 torch.float32' in re_.stdout and 'learned True' in re_.stdout
    assert _warnings_of(re_.stderr) == _warnings_of(rt.stderr)
    assert len(_warnings_of(re_.stderr)) == 4     # 2 deprecations + 2 "CUDA is not available"
