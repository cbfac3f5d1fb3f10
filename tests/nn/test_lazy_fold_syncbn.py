"""Lazy layers, Fold/Unfold modules, SyncBatchNorm, F.gumbel_softmax and the in-place
functional activations, against PyTorch (same weights copied into ember)."""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.nn.functional as EF
from ember.autograd import gradcheck
from tests.helpers import assert_same, needs_torch, torch
from tests.nn.modcheck import check_layout, check_module, same_error, sd_to_ember

pytestmark = needs_torch
R = np.random.RandomState(0)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def f32(*s):
    return R.standard_normal(s).astype(np.float32)


# ------------------------------------------------------------------------------------- lazy

LAZY = [
    ('LazyLinear', (4,), {}, (3, 5), 'Linear'),
    ('LazyLinear', (4,), dict(bias=False), (2, 3, 6), 'Linear'),
    ('LazyConv1d', (4, 3), dict(padding=1), (2, 3, 7), 'Conv1d'),
    ('LazyConv2d', (4, 3), dict(stride=2, groups=2), (2, 4, 7, 6), 'Conv2d'),
    ('LazyConv2d', (4, 3), dict(bias=False), (3, 5, 5), 'Conv2d'),
    ('LazyConv3d', (2, 2), {}, (1, 2, 4, 4, 4), 'Conv3d'),
    ('LazyConvTranspose1d', (3, 3), dict(stride=2), (2, 4, 5), 'ConvTranspose1d'),
    ('LazyConvTranspose2d', (3, 3), dict(stride=2, output_padding=1), (2, 2, 4, 4),
     'ConvTranspose2d'),
    ('LazyConvTranspose3d', (2, 2), {}, (1, 2, 3, 3, 3), 'ConvTranspose3d'),
    ('LazyBatchNorm1d', (), {}, (4, 3), 'BatchNorm1d'),
    ('LazyBatchNorm2d', (), dict(momentum=0.3), (4, 3, 5, 5), 'BatchNorm2d'),
    ('LazyBatchNorm3d', (), dict(affine=False), (2, 3, 3, 3, 3), 'BatchNorm3d'),
    ('LazyInstanceNorm1d', (), {}, (2, 3, 6), 'InstanceNorm1d'),
    ('LazyInstanceNorm2d', (), dict(affine=False, track_running_stats=False), (2, 3, 4, 4),
     'InstanceNorm2d'),
    ('LazyInstanceNorm3d', (), {}, (2, 3, 3, 3, 3), 'InstanceNorm3d'),
]


@pytest.mark.parametrize('name,args,kw,shape,becomes', LAZY)
def test_lazy_modules_match_torch(device, name, args, kw, shape, becomes):
    t = getattr(torch.nn, name)(*args, **kw)
    e = getattr(ember.nn, name)(*args, **kw)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert isinstance(e.weight, ember.nn.UninitializedParameter) or not kw.get('affine', True)
    assert e.has_uninitialized_params() == t.has_uninitialized_params()
    x = f32(*shape)
    t(torch.tensor(x))
    e.to(device)
    e(ember.tensor(x, device=device))
    assert type(e).__name__ == type(t).__name__ == becomes
    assert type(e) is getattr(ember.nn, becomes)
    assert all(type(p) is ember.nn.Parameter for p in e.parameters())
    check_layout(e, t)
    # same weights -> same forward/backward as the torch module, in train and eval
    e.load_state_dict(sd_to_ember(t.state_dict(), device))
    for train in (True, False):
        e.train(train)
        t.train(train)
        xe = ember.tensor(x, device=device, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = e(xe), t(xt)
        assert_same(ye, yt, rtol=1e-4, atol=1e-5)
        g = R.standard_normal(tuple(yt.shape)).astype(np.float32)
        (ye * ember.tensor(g, device=device)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        assert_same(xe.grad, xt.grad, rtol=1e-4, atol=1e-5)
        for (n, p), (_, q) in zip(e.named_parameters(), t.named_parameters()):
            assert_same(p.grad, q.grad, rtol=1e-4, atol=1e-4)
            p.grad = None
            q.grad = None


def test_lazy_init_draws_like_regular_layer():
    """The first forward initialises from the same distribution as the regular layer: with the
    same seed, the lazy layer gets the regular layer's weights."""
    ember.manual_seed(5)
    ref = ember.nn.Linear(7, 3)
    ember.manual_seed(5)
    lz = ember.nn.LazyLinear(3)
    lz(ember.ones(2, 7))
    assert_same(lz.weight, ref.weight)
    assert_same(lz.bias, ref.bias)
    ember.manual_seed(6)
    ref = ember.nn.Conv2d(4, 5, 3)
    ember.manual_seed(6)
    lz = ember.nn.LazyConv2d(5, 3)
    lz(ember.ones(1, 4, 5, 5))
    assert_same(lz.weight, ref.weight)
    assert_same(lz.bias, ref.bias)
    bn = ember.nn.LazyBatchNorm2d()
    bn.eval()
    bn(ember.ones(2, 3, 2, 2))
    assert bn.weight.tolist() == [1.0] * 3 and bn.running_var.tolist() == [1.0] * 3


def test_lazy_load_state_dict_and_errors():
    for lib in (ember, torch):
        m = lib.nn.LazyLinear(3)
        m.load_state_dict(lib.nn.Linear(5, 3).state_dict())
        assert type(m).__name__ == 'LazyLinear' and tuple(m.weight.shape) == (3, 5)
        assert not m.has_uninitialized_params()
        m(lib.ones(2, 5))
        assert type(m).__name__ == 'Linear'
        # a lazy layer inside a container
        seq = lib.nn.Sequential(lib.nn.LazyConv2d(4, 3), lib.nn.ReLU(), lib.nn.Flatten(),
                                lib.nn.LazyLinear(2))
        assert seq(lib.ones(1, 3, 5, 5)).shape == (1, 2)
        assert type(seq[3]).__name__ == 'Linear' and seq[3].in_features == 36
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        ember.nn.LazyLinear(3).weight.shape
    same_error(lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(3, 3)))
    same_error(lambda lib: lib.nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5)))
    assert repr(ember.nn.UninitializedParameter()) == repr(torch.nn.UninitializedParameter())
    assert repr(ember.nn.UninitializedBuffer()) == repr(torch.nn.UninitializedBuffer())
    m = copy.deepcopy(ember.nn.LazyLinear(3))
    m(ember.ones(1, 2))
    assert type(m) is ember.nn.Linear


# ------------------------------------------------------------------------------------- fold

@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=2,
                                                          padding=1, stride=(1, 2))])
def test_unfold_module(device, kw):
    check_module(lambda lib: lib.nn.Unfold(**kw), f32(2, 3, 7, 8), device=device)
    check_module(lambda lib: lib.nn.Unfold(**kw), f32(3, 7, 8), device=device)


@pytest.mark.parametrize('kw', [dict(output_size=(4, 5), kernel_size=2),
                                dict(output_size=6, kernel_size=(2, 3), stride=2, padding=1)])
def test_fold_module(device, kw):
    t = torch.nn.Fold(**kw)
    L = torch.nn.Unfold(kw['kernel_size'], padding=kw.get('padding', 0),
                        stride=kw.get('stride', 1))(torch.zeros(1, 1, *t.output_size
                                                                if isinstance(t.output_size, tuple)
                                                                else (t.output_size,) * 2)).shape[-1]
    ks = kw['kernel_size']
    k = np.prod(ks if isinstance(ks, tuple) else (ks, ks))
    check_module(lambda lib: lib.nn.Fold(**kw), f32(2, 3 * int(k), L), device=device)
    check_module(lambda lib: lib.nn.Fold(**kw), f32(3 * int(k), L), device=device)


def test_fold_unfold_reprs():
    for make in (lambda lib: lib.nn.Unfold(3), lambda lib: lib.nn.Unfold((2, 3), 2, 1, (1, 2)),
                 lambda lib: lib.nn.Fold((4, 5), 2, stride=2),
                 lambda lib: lib.nn.Fold(output_size=6, kernel_size=3, dilation=1, padding=0)):
        assert repr(make(ember)) == repr(make(torch))


def test_fold_gradcheck():
    x = ember.tensor(np.random.RandomState(1).standard_normal((1, 8, 6)), requires_grad=True)
    assert gradcheck(ember.nn.Fold((3, 4), 2), (x,))


# ------------------------------------------------------------------------------------- syncbn

@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 5), (4, 3, 5, 6), (2, 3, 3, 4, 2)])
@pytest.mark.parametrize('kw', [dict(), dict(momentum=None), dict(affine=False),
                                dict(track_running_stats=False)])
def test_sync_batchnorm_single_process_is_batchnorm(device, shape, kw):
    for train in (True, False):
        e, t = check_module(lambda lib: lib.nn.SyncBatchNorm(3, **kw), f32(*shape),
                            device=device, train=train, rtol=1e-4, atol=1e-5)
    # equal to the BatchNorm of the input's rank as well
    bn = {2: 'BatchNorm1d', 3: 'BatchNorm1d', 4: 'BatchNorm2d', 5: 'BatchNorm3d'}[len(shape)]
    x = f32(*shape)
    a, b = ember.nn.SyncBatchNorm(3, **kw).to(device), getattr(ember.nn, bn)(3, **kw).to(device)
    for _ in range(2):
        assert_same(a(ember.tensor(x, device=device)), b(ember.tensor(x, device=device)))
    for (n, p), (_, q) in zip(a.named_buffers(), b.named_buffers()):
        assert_same(p, q)


def test_sync_batchnorm_repr_errors_and_convert():
    for make in (lambda lib: lib.nn.SyncBatchNorm(4),
                 lambda lib: lib.nn.SyncBatchNorm(2, eps=1e-3, momentum=None, affine=False)):
        e, t = make(ember), make(torch)
        check_layout(e, t)
    same_error(lambda lib: lib.nn.SyncBatchNorm(3)(lib.ones(3)))
    same_error(lambda lib: lib.nn.SyncBatchNorm(0)(lib.ones(2, 0)))

    def net(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4),
                                 lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(4)))
    torch.manual_seed(0)
    t = net(torch)
    e = net(ember)
    e.load_state_dict(sd_to_ember(t.state_dict()))
    e[1].eval()
    t[1].eval()
    cs, ct = (ember.nn.SyncBatchNorm.convert_sync_batchnorm(e),
              torch.nn.SyncBatchNorm.convert_sync_batchnorm(t))
    check_layout(cs, ct)
    assert cs[1].weight is e[1].weight and cs[1].running_mean is e[1].running_mean
    assert cs[1].training is False and cs[2][1].training is True
    bn = ember.nn.BatchNorm1d(3)
    assert type(ember.nn.SyncBatchNorm.convert_sync_batchnorm(bn)) is ember.nn.SyncBatchNorm


def _mpi_ok():
    try:
        from ember.distributed.run import find_mpiexec
        find_mpiexec()
        import mpi4py  # noqa: F401
        return True
    except Exception:
        return False


@pytest.mark.distributed
@pytest.mark.skipif(not _mpi_ok(), reason='mpi4py/MPI not installed')
def test_sync_batchnorm_two_ranks_equals_full_batch():
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    for k in ('PMI_RANK', 'PMI_SIZE', 'PMIX_RANK', 'OMPI_COMM_WORLD_RANK', 'MPI_LOCALRANKID',
              'RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        env.pop(k, None)
    p = subprocess.run([sys.executable, '-m', 'ember.distributed.run', '--nproc_per_node', '2',
                        os.path.join(HERE, '_worker_syncbn.py')], capture_output=True, text=True,
                       timeout=120, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert 'RANK0 SYNCBN OK' in p.stdout and 'RANK1 SYNCBN OK' in p.stdout, p.stdout + p.stderr


# ------------------------------------------------------------------------------------- gumbel

def test_gumbel_softmax_properties(device):
    ember.manual_seed(0)
    logits = ember.tensor(f32(64, 5), device=device, requires_grad=True)
    y = EF.gumbel_softmax(logits, tau=0.5)
    assert y.shape == (64, 5) and y.dtype is ember.float32
    np.testing.assert_allclose(y.sum(-1).tolist(), 1.0, rtol=1e-5)
    assert (y.detach().cpu().numpy() >= 0).all()
    h = EF.gumbel_softmax(logits, hard=True, dim=0)
    hn = h.detach().cpu().numpy()
    assert set(np.unique(hn)) <= {0.0, 1.0} and (hn.sum(0) == 1).all()
    # straight-through: the hard sample's gradient is the soft sample's
    g = R.standard_normal((64, 5)).astype(np.float32)
    ember.manual_seed(3)
    (EF.gumbel_softmax(logits, tau=0.7, hard=True) * ember.tensor(g, device=device)).sum() \
        .backward()
    gh = logits.grad.clone()
    logits.grad = None
    ember.manual_seed(3)
    (EF.gumbel_softmax(logits, tau=0.7) * ember.tensor(g, device=device)).sum().backward()
    assert_same(gh, logits.grad)
    # the soft sample equals torch's formula given the same Gumbel noise
    ember.manual_seed(7)
    ys = EF.gumbel_softmax(logits, tau=2.0)
    ember.manual_seed(7)
    noise = -ember.log(ember.empty_like(logits).exponential_())
    t = torch.softmax((torch.tensor(logits.detach().cpu().numpy()) +
                       torch.tensor(noise.cpu().numpy())) / 2.0, -1)
    assert_same(ys, t, rtol=1e-5, atol=1e-6, check_dtype=False)
    # the argmax distribution follows softmax(logits): check on a strongly peaked case
    ember.manual_seed(1)
    lg = ember.tensor([[0.0, 3.0, 0.0]] * 4000, device=device)
    freq = EF.gumbel_softmax(lg, hard=True).sum(0).cpu().numpy() / 4000
    np.testing.assert_allclose(freq, torch.softmax(torch.tensor([0.0, 3.0, 0.0]), 0).numpy(),
                               atol=0.03)
    with pytest.warns(UserWarning):
        EF.gumbel_softmax(logits, eps=1e-5)


def test_gumbel_softmax_gradcheck():
    x = ember.tensor(np.random.RandomState(2).standard_normal((3, 4)), requires_grad=True)

    def f(x):
        ember.manual_seed(11)
        return EF.gumbel_softmax(x, tau=0.8)
    assert gradcheck(f, (x,))


# ------------------------------------------------------------------------------------- in-place F

INPLACE = [('elu_', ()), ('elu_', (0.5,)), ('selu_', ()), ('celu_', (1.5,)), ('leaky_relu_', ()),
           ('leaky_relu_', (0.2,)), ('hardtanh_', ()), ('hardtanh_', (-0.5, 0.7)),
           ('threshold_', (0.1, 20.0)), ('rrelu_', ())]


@pytest.mark.parametrize('name,args', INPLACE)
def test_functional_inplace(device, name, args):
    x = f32(3, 4) * 2
    e = ember.tensor(x, device=device)
    t = torch.tensor(x)
    re = getattr(EF, name)(e, *args)
    rt = getattr(torch.nn.functional, name)(t, *args)
    assert re is e
    assert_same(e, t)
    assert_same(re, rt)
    # on a non-leaf that requires grad, the gradient matches torch's
    xe = ember.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye = getattr(EF, name)(xe * 1.0, *args)
    yt = getattr(torch.nn.functional, name)(xt * 1.0, *args)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    assert_same(xe.grad, xt.grad, rtol=1e-5, atol=1e-6)


def test_rrelu_inplace_training():
    ember.manual_seed(0)
    x = ember.tensor(-np.abs(f32(100)) - 0.1)
    y = x.clone()
    EF.rrelu_(y, 0.1, 0.3, training=True)
    r = (y / x).numpy()
    assert (r >= 0.1 - 1e-6).all() and (r <= 0.3 + 1e-6).all() and r.std() > 0
