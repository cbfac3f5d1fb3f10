"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against PyTorch: indexing,
mutation, registration names, reprs, errors."""
from collections import OrderedDict

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, needs_torch, torch

pytestmark = needs_torch


def both(fn):
    return fn(ember), fn(torch)


def same_error(fn, match=True):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    if match:
        assert str(ee.value) == str(te.value)


def seq(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())


def kinds(m):
    return [type(x).__name__ for x in m]


def state(m):
    return [(k, tuple(v.shape)) for k, v in m.state_dict().items()]


def test_sequential_indexing_and_forward():
    e, t = both(seq)
    for i in (0, 1, -1, -4, 3):
        assert type(e[i]).__name__ == type(t[i]).__name__
    for sl in (slice(1, 3), slice(None, None, 2), slice(-2, None), slice(3, 1)):
        a, b = e[sl], t[sl]
        assert type(a).__name__ == 'Sequential' and kinds(a) == kinds(b)
        assert list(a._modules) == list(b._modules)
        assert repr(a) == repr(b)
    assert len(e) == len(t) == 4
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.randn(5, 2).astype(np.float32)
    assert_same(e(ember.tensor(x)), t(torch.tensor(x)))
    same_error(lambda lib: seq(lib)[4])
    same_error(lambda lib: seq(lib)[-5])


def test_sequential_ordered_dict():
    def f(lib):
        nn = lib.nn
        return nn.Sequential(OrderedDict([('fc', nn.Linear(2, 2)), ('act', nn.ReLU())]))
    e, t = both(f)
    assert repr(e) == repr(t)
    assert state(e) == state(t)
    assert type(e.fc).__name__ == 'Linear'
    assert list(e[0:1]._modules) == list(t[0:1]._modules) == ['fc']


@pytest.mark.parametrize('op', [
    lambda lib, s: s.append(lib.nn.Sigmoid()),
    lambda lib, s: s.insert(1, lib.nn.Sigmoid()),
    lambda lib, s: s.insert(-1, lib.nn.Sigmoid()),
    lambda lib, s: s.insert(4, lib.nn.Sigmoid()),
    lambda lib, s: s.extend([lib.nn.Sigmoid(), lib.nn.ELU()]),
    lambda lib, s: s.pop(1),
    lambda lib, s: s.__delitem__(0),
    lambda lib, s: s.__delitem__(-1),
    lambda lib, s: s.__delitem__(slice(1, 3)),
    lambda lib, s: s.__setitem__(1, lib.nn.Sigmoid()),
    lambda lib, s: s.__setitem__(-1, lib.nn.Sigmoid()),
])
def test_sequential_mutation(op):
    res = []
    for lib in (ember, torch):
        s = seq(lib)
        r = op(lib, s)
        res.append((kinds(s), list(s._modules), state(s), repr(s),
                    type(r).__name__ if r is not None else None))
    assert res[0] == res[1]


def test_sequential_add_and_errors():
    e, t = both(lambda lib: seq(lib) + lib.nn.Sequential(lib.nn.Sigmoid()))
    assert kinds(e) == kinds(t) and list(e._modules) == list(t._modules)
    with pytest.raises(ValueError, match='add operator supports only objects of Sequential'):
        seq(ember) + ember.nn.Linear(1, 1)
    same_error(lambda lib: seq(lib).insert(9, lib.nn.ReLU()))
    same_error(lambda lib: seq(lib).insert(0, 3), match=False)
    same_error(lambda lib: seq(lib).append(3))


def mlist(lib):
    nn = lib.nn
    return nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(),
                          nn.Linear(2, 3)])


def test_module_list():
    e, t = both(mlist)
    assert repr(e) == repr(t)
    assert '(0-2): 3 x Linear(in_features=2, out_features=2, bias=True)' in repr(e)
    assert state(e) == state(t)
    for i in (0, -1, 2):
        assert type(e[i]).__name__ == type(t[i]).__name__
    assert repr(e[1:4]) == repr(t[1:4])
    same_error(lambda lib: mlist(lib)[5])
    same_error(lambda lib: mlist(lib).extend(lib.nn.Linear(1, 1)))
    for op in (lambda lib, m: m.append(lib.nn.Tanh()),
               lambda lib, m: m.insert(1, lib.nn.Tanh()),
               lambda lib, m: m.extend([lib.nn.Tanh(), lib.nn.Tanh()]),
               lambda lib, m: m.__iadd__([lib.nn.Tanh()]),
               lambda lib, m: m.pop(0),
               lambda lib, m: m.__delitem__(slice(0, 2)),
               lambda lib, m: m.__delitem__(-2),
               lambda lib, m: m.__setitem__(-1, lib.nn.Tanh())):
        res = []
        for lib in (ember, torch):
            m = mlist(lib)
            op(lib, m)
            res.append((kinds(m), list(m._modules), state(m), repr(m)))
        assert res[0] == res[1]
    a, b = both(lambda lib: mlist(lib) + mlist(lib))
    assert repr(a) == repr(b)
    assert repr(ember.nn.ModuleList()) == repr(torch.nn.ModuleList())
    # nested collapsing
    a, b = both(lambda lib: lib.nn.ModuleList([lib.nn.Sequential(lib.nn.Linear(1, 1),
                                                                  lib.nn.ReLU())] * 1 +
                                               [lib.nn.Sequential(lib.nn.Linear(1, 1),
                                                                  lib.nn.ReLU())
                                                for _ in range(2)]))
    assert repr(a) == repr(b)


def test_module_dict():
    def f(lib):
        nn = lib.nn
        return nn.ModuleDict({'b': nn.Linear(1, 2), 'a': nn.ReLU()})
    e, t = both(f)
    assert repr(e) == repr(t) and state(e) == state(t)
    assert list(e.keys()) == list(t.keys()) == ['b', 'a']
    assert 'a' in e and len(e) == 2 and list(e) == ['b', 'a']
    for lib, m in ((ember, e), (torch, t)):
        m['c'] = lib.nn.Tanh()
        m.update([('d', lib.nn.Sigmoid())])
        m.update({'b': lib.nn.Identity()})
        assert type(m.pop('a')).__name__ == 'ReLU'
        del m['c']
    assert list(e.keys()) == list(t.keys())
    assert [type(v).__name__ for v in e.values()] == [type(v).__name__ for v in t.values()]
    assert [k for k, _ in e.items()] == [k for k, _ in t.items()]
    assert repr(e) == repr(t)
    e.clear()
    assert len(e) == 0
    same_error(lambda lib: f(lib)['zz'])


def plist(lib):
    nn = lib.nn
    return nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(4),
                             nn.Parameter(lib.ones(1, dtype=lib.float64))])


def test_parameter_list():
    e, t = both(plist)
    assert repr(e) == repr(t)
    assert state(e) == state(t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e[1], ember.nn.Parameter) and e[1].requires_grad
    assert len(e) == 3 and tuple(e[-1].shape) == (1,)
    for lib, m in ((ember, e), (torch, t)):
        m.append(lib.ones(5))
        m.extend([lib.ones(6)])
        m[0] = lib.nn.Parameter(lib.zeros(7))
    assert repr(e) == repr(t)
    assert repr(e[1:3]) == repr(t[1:3])
    assert repr(ember.nn.ParameterList()) == repr(torch.nn.ParameterList())
    a, b = both(lambda lib: lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), 'str', 3]))
    assert repr(a) == repr(b)


def test_parameter_dict():
    def f(lib):
        nn = lib.nn
        return nn.ParameterDict({'w': nn.Parameter(lib.ones(2, 3)), 'b': lib.zeros(3)})
    e, t = both(f)
    assert repr(e) == repr(t)
    assert state(e) == state(t)
    assert list(e.keys()) == list(t.keys())
    assert isinstance(e['b'], ember.nn.Parameter)
    for lib, m in ((ember, e), (torch, t)):
        m['c'] = lib.ones(1, dtype=lib.float64)
        m.update({'d': lib.nn.Parameter(lib.ones(2))})
        m.pop('w')
    assert repr(e) == repr(t) and state(e) == state(t)
    assert 'c' in e and len(e) == 3 and e.get('zz') is None
    a, b = both(lambda lib: lib.nn.ParameterDict({'x': lib.nn.Parameter(lib.ones(1))}))
    assert repr(a) == repr(b)
    assert repr(ember.nn.ParameterDict()) == repr(torch.nn.ParameterDict())
    same_error(lambda lib: f(lib)['zz'], match=False)


def test_containers_in_model_repr_and_params():
    def f(lib):
        nn = lib.nn
        m = nn.Module()
        m.layers = mlist(lib)
        m.seq = seq(lib)
        m.params = plist(lib)
        return m
    e, t = both(f)
    assert repr(e) == repr(t)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
