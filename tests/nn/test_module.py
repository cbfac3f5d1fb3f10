"""nn.Module semantics against PyTorch: registration, traversal, modes, conversion, state_dict
(load/save errors and results), hooks (forward, backward, global), repr, pickling/deepcopy."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, needs_torch, torch, to_np

pytestmark = needs_torch


def both(fn):
    """``fn(lib)`` for ember and torch."""
    return fn(ember), fn(torch)


def same_error(fn, match=True):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match:
        assert str(ee.value) == str(te.value)


def _classes(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, padding=1)
            self.bn = nn.BatchNorm2d(3)
            self.register_buffer('scale', lib.ones(3))
            self.register_buffer('tmp', lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.bn(self.conv(x)) * self.scale.reshape(1, -1, 1, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5), nn.ReLU())
            self.extra = nn.Parameter(lib.zeros(2, 2))

        def forward(self, x):
            return self.head(self.block(x))
    return Block, Net


EBlock, ENet = _classes(ember)
EBlock.__qualname__, ENet.__qualname__ = 'EBlock', 'ENet'
if torch is not None:
    TBlock, TNet = _classes(torch)
    TBlock.__qualname__, TNet.__qualname__ = 'TBlock', 'TNet'


def build_net(lib):
    return ENet() if lib is ember else TNet()


def copy_weights(e, t):
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def names(it):
    return [n for n, _ in it]


def test_registration_and_traversal():
    e, t = both(build_net)
    assert names(e.named_parameters()) == names(t.named_parameters())
    assert names(e.named_buffers()) == names(t.named_buffers())
    assert names(e.named_modules()) == names(t.named_modules())
    assert names(e.named_children()) == names(t.named_children())
    assert list(e.state_dict()) == list(t.state_dict())
    assert 'block.tmp' not in e.state_dict()
    assert names(e.named_parameters(prefix='m', recurse=False)) == \
        names(t.named_parameters(prefix='m', recurse=False))
    assert names(e.named_buffers(recurse=False)) == names(t.named_buffers(recurse=False))
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.buffers())) == len(list(t.buffers()))
    assert [type(m).__name__ for m in e.modules()] == [type(m).__name__ for m in t.modules()]
    assert [type(m).__name__ for m in e.children()] == [type(m).__name__ for m in t.children()]
    assert names(e.named_modules(prefix='root')) == names(t.named_modules(prefix='root'))
    for k, v in e.state_dict().items():
        assert tuple(v.shape) == tuple(t.state_dict()[k].shape)
        assert str(v.dtype) == str(t.state_dict()[k].dtype)


def test_shared_parameters_and_modules():
    def f(lib):
        nn = lib.nn
        lin = nn.Linear(2, 2)
        m = nn.Sequential(lin, nn.ReLU(), lin)
        m.extra = lin.weight
        return m
    e, t = both(f)
    for kw in ({}, {'remove_duplicate': False}):
        assert names(e.named_parameters(**kw)) == names(t.named_parameters(**kw))
        assert names(e.named_modules(**kw)) == names(t.named_modules(**kw))
    assert list(e.state_dict()) == list(t.state_dict())
    assert len(list(e.parameters())) == 2


def test_attribute_registration_rules():
    for lib in (ember, torch):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.ones(2))
        assert 'w' in m._parameters
        m.sub = lib.nn.Linear(1, 1)
        assert 'sub' in m._modules
        m.buf = lib.nn.Buffer(lib.ones(1))
        assert 'buf' in m._buffers and 'buf' in m.state_dict()
        m.nb = lib.nn.Buffer(lib.ones(1), persistent=False)
        assert 'nb' in m._buffers and 'nb' not in m.state_dict()
        m.buf = lib.zeros(1)           # plain tensor to a registered buffer name stays a buffer
        assert 'buf' in m._buffers and float(m.buf[0]) == 0
        m.w = None
        assert m._parameters['w'] is None and m.w is None
        assert 'w' not in dict(m.named_parameters())
        m.plain = lib.ones(1)          # a plain tensor is a plain attribute
        assert 'plain' not in m._buffers and 'plain' in m.__dict__
        m.plain = lib.nn.Parameter(lib.ones(1))    # re-assigning as a Parameter moves it
        assert 'plain' in m._parameters and 'plain' not in m.__dict__
        del m.sub
        assert 'sub' not in m._modules
        del m.buf
        assert 'buf' not in m._buffers
        m.x = 3
        del m.x
        assert not hasattr(m, 'x')
        assert 'w' in dir(m)

    same_error(lambda lib: setattr(_with_param(lib), 'w', lib.ones(1)))
    same_error(lambda lib: setattr(_with_sub(lib), 'sub', 3))
    same_error(lambda lib: _with_param(lib).nothing)
    same_error(lambda lib: lib.nn.Linear(1, 1).nothing)
    same_error(lambda lib: delattr(lib.nn.Linear(1, 1), 'nothing'), match=False)


def _with_param(lib):
    m = lib.nn.Module()
    m.w = lib.nn.Parameter(lib.ones(1))
    return m


def _with_sub(lib):
    m = lib.nn.Module()
    m.sub = lib.nn.Linear(1, 1)
    return m


@pytest.mark.parametrize('call', [
    lambda lib, m: m.register_parameter('a.b', None),
    lambda lib, m: m.register_parameter('', None),
    lambda lib, m: m.register_parameter(1, None),
    lambda lib, m: m.register_parameter('x', lib.ones(1)),
    lambda lib, m: m.register_parameter('training', None),
    lambda lib, m: m.register_parameter('w', (lib.ones(1, requires_grad=True) * 2)),
    lambda lib, m: m.register_buffer('a.b', None),
    lambda lib, m: m.register_buffer('', None),
    lambda lib, m: m.register_buffer(3, None),
    lambda lib, m: m.register_buffer('x', 3),
    lambda lib, m: m.register_buffer('training', None),
    lambda lib, m: m.add_module('a.b', None),
    lambda lib, m: m.add_module('', None),
    lambda lib, m: m.add_module(1, None),
    lambda lib, m: m.add_module('x', 3),
    lambda lib, m: m.add_module('training', None),
    lambda lib, m: m.register_module('a.b', None),
])
def test_registration_errors(call):
    same_error(lambda lib: call(lib, lib.nn.Module()))


def test_register_before_init():
    def f(lib):
        class Bad(lib.nn.Module):
            def __init__(self):
                self.w = lib.nn.Parameter(lib.ones(1))
        Bad()
    same_error(f)

    def g(lib):
        class Bad(lib.nn.Module):
            def __init__(self):
                self.l = lib.nn.Linear(1, 1)
        Bad()
    same_error(g)


def test_get_submodule_parameter_buffer():
    e, t = both(build_net)
    for m in (e, t):
        assert type(m.get_submodule('block.conv')).__name__ == 'Conv2d'
        assert m.get_submodule('') is m
        assert tuple(m.get_parameter('head.1.weight').shape) == (5, 48)
        assert tuple(m.get_buffer('block.bn.running_mean').shape) == (3,)
    for tgt in ('block.nothing', 'block.scale.x', 'head.5'):
        same_error(lambda lib: (e if lib is ember else t).get_submodule(tgt))
    for tgt in ('block.scale', 'block.nothing', 'nothing.x'):
        same_error(lambda lib: (e if lib is ember else t).get_parameter(tgt))
    for tgt in ('block.conv.weight', 'block.nothing'):
        same_error(lambda lib: (e if lib is ember else t).get_buffer(tgt))


def test_train_eval_requires_grad_zero_grad():
    e, t = both(build_net)
    for m in (e, t):
        assert m.training and m.block.bn.training
        assert m.eval() is m
        assert not any(x.training for x in m.modules())
        m.train()
        assert all(x.training for x in m.modules())
        m.block.train(False)
        assert m.training and not m.block.conv.training
        assert m.requires_grad_(False) is m
        assert not any(p.requires_grad for p in m.parameters())
        m.requires_grad_()
    same_error(lambda lib: lib.nn.Linear(1, 1).train('yes'))
    for m, lib in ((e, ember), (t, torch)):
        x = lib.ones(2, 2, 4, 4)
        m(x).sum().backward()
        assert all(p.grad is not None for p in m.parameters() if p is not m.extra)
        m.zero_grad(set_to_none=False)
        assert all(float(p.grad.abs().sum()) == 0 for p in m.parameters() if p.grad is not None)
        assert m.extra.grad is None
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())


def test_to_and_casts():
    for lib in (ember, torch):
        m = build_net(lib)
        w = m.block.conv.weight
        m.to(lib.float64)
        assert m.block.conv.weight is w and w.dtype == lib.float64
        assert m.block.bn.num_batches_tracked.dtype == lib.int64    # only floats cast
        assert m.block.bn.running_mean.dtype == lib.float64
        m.float()
        assert w.dtype == lib.float32 and m.block.scale.dtype == lib.float32
        m.half()
        assert w.dtype == lib.float16
        m.double()
        assert w.dtype == lib.float64
        m.to(lib.ones(1, dtype=lib.float32))
        assert w.dtype == lib.float32
        m.to('cpu')
        m.to(device='cpu', dtype=lib.float64)
        assert w.dtype == lib.float64 and w.requires_grad and m.block.conv.weight is w
        m.to(lib.float32)
        m(lib.ones(1, 2, 4, 4)).sum().backward()
        m.double()
        assert w.grad.dtype == lib.float64
    same_error(lambda lib: lib.nn.Linear(1, 1).to(lib.int64))


def test_apply_and_cuda_free_methods():
    for lib in (ember, torch):
        m = build_net(lib)
        seen = []
        assert m.apply(lambda x: seen.append(type(x).__name__)) is m
        assert seen == ['Conv2d', 'BatchNorm2d', 'Block', 'Flatten', 'Linear', 'ReLU',
                        'Sequential', 'Net']
        m.apply(lambda x: lib.nn.init.zeros_(x.weight) if isinstance(x, lib.nn.Linear) else None)
        assert float(m.head[1].weight.abs().sum()) == 0


def test_state_dict_layout():
    e, t = both(build_net)
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert dict(es._metadata) == dict(ts._metadata)
    assert list(es._metadata) == list(ts._metadata)
    assert not any(v.requires_grad for v in es.values())
    ek = e.state_dict(keep_vars=True)
    assert ek['head.1.weight'] is e.head[1].weight
    assert list(e.state_dict(prefix='p.')) == list(t.state_dict(prefix='p.'))
    assert list(e.state_dict(prefix='p.')._metadata) == list(t.state_dict(prefix='p.')._metadata)
    # state_dict tensors share memory with the parameters
    es['extra'].add_(1)
    assert float(e.extra.sum()) == 4


def test_load_state_dict_roundtrip_and_result():
    e, t = both(build_net)
    copy_weights(e, t)
    x = np.random.randn(2, 2, 4, 4).astype(np.float32)
    assert_same(e(ember.tensor(x)), t(torch.tensor(x)))
    r_e = e.load_state_dict(e.state_dict())
    r_t = t.load_state_dict(t.state_dict())
    assert repr(r_e) == repr(r_t) == '<All keys matched successfully>'
    assert r_e.missing_keys == [] and r_e.unexpected_keys == []
    # non-strict: missing and unexpected keys reported in the same order and repr
    def partial(lib, m):
        sd = m.state_dict()
        del sd['head.1.bias']
        del sd['block.bn.running_var']
        sd['foo'] = lib.ones(1)
        sd['block.bar'] = lib.ones(1)
        return m.load_state_dict(sd, strict=False)
    r_e, r_t = partial(ember, e), partial(torch, t)
    assert repr(r_e) == repr(r_t)
    assert r_e.missing_keys == r_t.missing_keys and r_e.unexpected_keys == r_t.unexpected_keys
    assert isinstance(r_e, tuple) and r_e[0] == r_t[0]


def test_load_state_dict_errors():
    def missing(lib):
        m = build_net(lib)
        sd = m.state_dict()
        del sd['head.1.bias']
        sd['foo'] = lib.ones(1)
        m.load_state_dict(sd)
    same_error(missing)

    def size(lib):
        m = build_net(lib)
        sd = m.state_dict()
        sd['head.1.weight'] = lib.ones(5, 47)
        sd['block.scale'] = lib.ones(4)
        m.load_state_dict(sd)
    same_error(size)

    def only_unexpected(lib):
        m = lib.nn.Linear(2, 2)
        sd = m.state_dict()
        sd['x.y'] = lib.ones(1)
        m.load_state_dict(sd)
    same_error(only_unexpected)
    same_error(lambda lib: lib.nn.Linear(2, 2).load_state_dict([1, 2]))

    def wrong_type(lib):
        m = lib.nn.Linear(2, 2)
        sd = m.state_dict()
        sd['bias'] = [1.0, 2.0]
        m.load_state_dict(sd)
    same_error(wrong_type)


def test_load_state_dict_copy_vs_assign():
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 3)
        w = m.weight
        src = {'weight': lib.ones(3, 2, dtype=lib.float64), 'bias': lib.zeros(3)}
        m.load_state_dict(src)
        assert m.weight is w and w.dtype == lib.float32 and float(w.sum()) == 6
        src = {'weight': lib.full((3, 2), 2.0), 'bias': lib.zeros(3)}
        m.load_state_dict(src, assign=True)
        assert m.weight is not w and isinstance(m.weight, lib.nn.Parameter)
        assert m.weight.requires_grad and float(m.weight.sum()) == 12
        src['weight'].add_(1)          # assign shares memory with the source
        assert float(m.weight.sum()) == 18


def test_batchnorm_state_dict_without_num_batches_tracked():
    # old checkpoints (version 1) without num_batches_tracked still load strictly
    for lib in (ember, torch):
        bn = lib.nn.BatchNorm1d(3)
        sd = bn.state_dict()
        del sd['num_batches_tracked']
        sd._metadata[''] = {'version': 1}
        r = bn.load_state_dict(sd)
        assert r.missing_keys == []


def test_forward_hooks():
    log = {}
    for lib in (ember, torch):
        out = []
        lin = lib.nn.Linear(2, 2)
        lib.nn.init.ones_(lin.weight)
        lib.nn.init.zeros_(lin.bias)
        h1 = lin.register_forward_pre_hook(lambda m, a: out.append('pre1'))
        lin.register_forward_pre_hook(lambda m, a: out.append('pre0'), prepend=True)
        lin.register_forward_pre_hook(lambda m, a: (a[0] * 2,))
        lin.register_forward_pre_hook(lambda m, a, k: out.append(('prekw', sorted(k))) or None,
                                      with_kwargs=True)
        lin.register_forward_hook(lambda m, a, o: o + 1)
        lin.register_forward_hook(lambda m, a, o: out.append(float(o.sum())))
        lin.register_forward_hook(lambda m, a, k, o: out.append(('kw', float(a[0].sum()))),
                                  with_kwargs=True)
        lin.register_forward_hook(lambda m, a, o: out.append('first'), prepend=True)
        r = lin(lib.ones(1, 2))
        out.append(float(r.sum()))
        h1.remove()
        lin(lib.ones(1, 2))
        log[lib.__name__] = out
    assert log['ember'] == log['torch']


def test_forward_pre_hook_replacing_kwargs_and_always_call():
    for lib in (ember, torch):
        class M(lib.nn.Module):
            def forward(self, x, scale=1.0):
                if scale < 0:
                    raise ValueError('neg')
                return x * scale
        m = M()
        m.register_forward_pre_hook(lambda mod, a, k: (a, {'scale': 3.0}), with_kwargs=True)
        assert float(m(lib.ones(1), scale=2.0)) == 3.0
        m2 = M()
        seen = []
        m2.register_forward_hook(lambda mod, a, o: seen.append('always'), always_call=True)
        m2.register_forward_hook(lambda mod, a, o: seen.append('normal'))
        with pytest.raises(ValueError):
            m2(lib.ones(1), scale=-1.0)
        assert seen == ['always'], lib
        m2(lib.ones(1))
        assert seen == ['always', 'always', 'normal']


def test_global_forward_hooks():
    for lib in (ember, torch):
        seen = []
        h1 = lib.nn.modules.module.register_module_forward_pre_hook(
            lambda m, a: seen.append('pre ' + type(m).__name__))
        h2 = lib.nn.modules.module.register_module_forward_hook(
            lambda m, a, o: seen.append('post ' + type(m).__name__))
        try:
            lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())(lib.ones(1, 2))
        finally:
            h1.remove()
            h2.remove()
        assert seen == ['pre Sequential', 'pre Linear', 'post Linear', 'pre ReLU', 'post ReLU',
                        'post Sequential']
        lib.nn.Linear(2, 2)(lib.ones(1, 2))
        assert len(seen) == 6


def _bw_log(lib, prehook_scale=None, replace_grad_input=False, grad_x=True):
    log = []
    lib.manual_seed(0)
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1., 2., 3.], [-1., 0.5, 2.]]))
        lin.bias.fill_(0.5)

    def hook(m, gi, go):
        log.append(('full', [None if g is None else to_np(g).tolist() for g in gi],
                    [to_np(g).tolist() for g in go]))
        if replace_grad_input:
            return tuple(None if g is None else g * 10 for g in gi)

    def pre(m, go):
        log.append(('pre', [to_np(g).tolist() for g in go]))
        if prehook_scale is not None:
            return (go[0] * prehook_scale,)
    lin.register_full_backward_hook(hook)
    lin.register_full_backward_pre_hook(pre)
    x = lib.tensor([[1., 2., 3.], [0.5, -1., 2.]], requires_grad=grad_x)
    y = lin(x)
    (y * lib.tensor([[1., 2.], [3., 4.]])).sum().backward()
    log.append(('xgrad', None if x.grad is None else to_np(x.grad).tolist()))
    log.append(('wgrad', to_np(lin.weight.grad).tolist()))
    return log


@pytest.mark.parametrize('kw', [{}, {'prehook_scale': 2.0}, {'replace_grad_input': True},
                                {'grad_x': False}])
def test_full_backward_hooks(kw):
    assert _bw_log(ember, **kw) == _bw_log(torch, **kw)


def test_full_backward_hook_multiple_inputs_outputs():
    def run(lib):
        log = []

        class M(lib.nn.Module):
            def forward(self, a, b):
                return a * b, a + b
        m = M()
        m.register_full_backward_hook(lambda mod, gi, go: log.append(
            ([to_np(g).tolist() for g in gi], [to_np(g).tolist() for g in go])))
        a = lib.tensor([1., 2.], requires_grad=True)
        b = lib.tensor([3., 4.], requires_grad=True)
        u, v = m(a, b)
        (u * 2 + v * 3).sum().backward()
        return log, to_np(a.grad).tolist(), to_np(b.grad).tolist()
    assert run(ember) == run(torch)


def test_hook_handle_and_state_dict_hooks():
    for lib in (ember, torch):
        m = lib.nn.Linear(1, 1)
        calls = []
        h = m.register_forward_hook(lambda *a: calls.append(1))
        with h:
            m(lib.ones(1))
        m(lib.ones(1))
        assert calls == [1]
        m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append('sdpre'))
        m.register_load_state_dict_post_hook(lambda mod, keys: calls.append('loadpost'))
        m.load_state_dict(m.state_dict())
        assert calls == [1, 'sdpre', 'loadpost']


NESTED = '''
def make(lib):
    nn = lib.nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, kernel_size=(3, 5), stride=2, bias=False),
                nn.BatchNorm2d(64), nn.Dropout(0.25))
            self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)] + [nn.Linear(4, 5),
                                        nn.Linear(4, 5), nn.Identity()])
            self.heads = nn.ModuleDict({'a': nn.Linear(2, 3, bias=False), 'b': nn.Sequential()})
            self.plist = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])
            self.pdict = nn.ParameterDict({'p': nn.Parameter(lib.ones(2)),
                                           'q': nn.Parameter(lib.ones(1, dtype=lib.float64))})
            self.empty_list = nn.ModuleList()
            self.norm = nn.LayerNorm([4, 5])
        def extra_repr(self):
            return 'custom=1\\nsecond line'
    return Net()
'''


def test_repr_nested():
    ns = {}
    exec(NESTED, ns)
    e, t = both(ns['make'])
    assert repr(e) == repr(t)
    assert repr(e.features) == repr(t.features)
    assert repr(ember.nn.Module()) == repr(torch.nn.Module()) == 'Module()'


def test_pickle_and_deepcopy():
    e = build_net(ember)
    e.block.bn.running_mean.add_(1)
    x = ember.tensor(np.random.randn(2, 2, 4, 4).astype(np.float32))
    e.eval()
    y = e(x)
    for clone in (copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert type(clone) is ENet
        assert clone.head[1].weight is not e.head[1].weight
        assert isinstance(clone.head[1].weight, ember.nn.Parameter)
        assert clone.head[1].weight.requires_grad
        assert not clone.training
        assert_same(clone(x), y)
        assert list(clone.state_dict()) == list(e.state_dict())
        assert 'tmp' in clone.block._buffers
        clone.head[1].weight.data.zero_()
        assert float(e.head[1].weight.abs().sum()) > 0
    # shared parameters stay shared in the copy
    lin = ember.nn.Linear(2, 2)
    s = ember.nn.Sequential(lin, lin)
    c = copy.deepcopy(s)
    assert c[0].weight is c[1].weight


def test_module_call_without_forward():
    same_error(lambda lib: lib.nn.Module()(lib.ones(1)))


def test_parameter_basics():
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(2))
        assert p.requires_grad and p.is_leaf and isinstance(p, lib.Tensor)
        assert not lib.nn.Parameter(lib.ones(2), requires_grad=False).requires_grad
        assert tuple(lib.nn.Parameter().shape) == (0,)
        q = p * 2
        assert not isinstance(q, lib.nn.Parameter)
    assert repr(ember.nn.Parameter(ember.tensor([1., 2.]))) == \
        repr(torch.nn.Parameter(torch.tensor([1., 2.])))
