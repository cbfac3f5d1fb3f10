"""The optimizer API around the math, against PyTorch: option errors, repr, param groups,
state layout, hooks, closures."""
import pytest

import ember
from tests.helpers import torch, to_np
from tests.optim.common import needs_oracle

NAMES = ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam',
         'Rprop', 'ASGD', 'LBFGS']

BAD = [
    (n, dict(lr=-1)) for n in NAMES] + [
    (n, dict(lr=-0.5)) for n in ('Adam', 'RMSprop')] + [
    ('SGD', dict(momentum=-0.1)), ('SGD', dict(weight_decay=-1)),
    ('SGD', dict(nesterov=True)), ('SGD', dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ('Adam', dict(eps=-1)), ('Adam', dict(betas=(1.0, 0.999))), ('Adam', dict(betas=(0.9, -0.1))),
    ('Adam', dict(weight_decay=-1e-3)), ('AdamW', dict(betas=(0.9, 1.0))),
    ('RMSprop', dict(eps=-1)), ('RMSprop', dict(momentum=-1)), ('RMSprop', dict(alpha=-0.5)),
    ('RMSprop', dict(weight_decay=-1)),
    ('Adagrad', dict(lr_decay=-1)), ('Adagrad', dict(weight_decay=-1)),
    ('Adagrad', dict(initial_accumulator_value=-1)), ('Adagrad', dict(eps=-1)),
    ('Adadelta', dict(rho=1.5)), ('Adadelta', dict(rho=-0.1)), ('Adadelta', dict(eps=-1)),
    ('Adadelta', dict(weight_decay=-1)),
    ('Adamax', dict(eps=-1)), ('Adamax', dict(betas=(-0.1, 0.9))),
    ('Adamax', dict(betas=(0.9, 1.2))), ('Adamax', dict(weight_decay=-1)),
    ('NAdam', dict(eps=-1)), ('NAdam', dict(betas=(1.0, 0.9))), ('NAdam', dict(weight_decay=-1)),
    ('NAdam', dict(momentum_decay=-1)),
    ('RAdam', dict(eps=-1)), ('RAdam', dict(betas=(0.9, 1.0))), ('RAdam', dict(weight_decay=-1)),
    ('Rprop', dict(etas=(1.0, 1.2))), ('Rprop', dict(etas=(0.5, 0.9))),
    ('ASGD', dict(weight_decay=-1)),
]


def _err(lib, name, kw):
    p = lib.zeros(3, requires_grad=True)
    try:
        getattr(lib.optim, name)([p], **kw)
    except Exception as e:          # noqa: BLE001  (the type itself is compared)
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize('name,kw', BAD, ids=[f'{n}-{kw}' for n, kw in BAD])
def test_bad_options_raise_like_torch(name, kw):
    needs_oracle()
    t = _err(torch, name, kw)
    assert t is not None
    assert _err(ember, name, kw) == t


def test_tensor_lr_and_generic_errors():
    needs_oracle()
    for lib in (ember, torch):
        p = lib.zeros(3, requires_grad=True)
        with pytest.raises(ValueError, match='Tensor lr must be 1-element'):
            lib.optim.RMSprop([p], lr=lib.tensor([0.1, 0.2]))
        with pytest.raises(ValueError, match='optimizer got an empty parameter list'):
            lib.optim.NAdam([])
        with pytest.raises(TypeError, match='params argument given to the optimizer should be an '
                                            'iterable of Tensors or dicts'):
            lib.optim.Adamax(p)
        with pytest.raises(ValueError, match='some parameters appear in more than one parameter '
                                             'group'):
            lib.optim.RAdam([{'params': [p]}, {'params': [p]}])


@pytest.mark.parametrize('name', NAMES)
def test_repr_param_groups_and_defaults(name):
    needs_oracle()
    out = []
    for lib in (ember, torch):
        a, b, c = (lib.zeros(2, requires_grad=True) for _ in range(3))
        if name == 'LBFGS':
            opt = lib.optim.LBFGS([('w', a), ('b', b)], lr=0.5)
        else:
            opt = getattr(lib.optim, name)([{'params': [a]}, {'params': [b], 'lr': 0.5}])
            opt.add_param_group({'params': c, 'weight_decay': 0.25})
        sd = opt.state_dict()
        out.append((repr(opt), sd['param_groups'], sorted(opt.defaults.items(), key=str),
                    sorted(sd['state'])))
    assert out[0] == out[1]


def test_named_params_in_groups_and_repr():
    needs_oracle()
    out = []
    for lib in (ember, torch):
        m = lib.nn.Linear(2, 3)
        opt = lib.optim.RMSprop(m.named_parameters(), lr=0.1, centered=True)
        out.append((repr(opt), opt.state_dict()['param_groups']))
    assert out[0] == out[1]
    assert out[0][1][0]['param_names'] == ['weight', 'bias']


@pytest.mark.parametrize('name', [n for n in NAMES if n != 'LBFGS'])
def test_closure_zero_grad_and_skipped_params(name, device):
    needs_oracle()
    for lib in (ember, torch):
        kw = {'device': device} if lib is ember else {}
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True, **kw)
        unused = lib.tensor([5.0, 6.0], requires_grad=True, **kw)
        opt = getattr(lib.optim, name)([w, unused], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss
        loss = opt.step(closure)
        assert float(loss.detach()) == 14.0
        assert unused.grad is None and to_np(unused).tolist() == [5.0, 6.0]
        if name == 'Adagrad':
            assert len(opt.state) == 2          # created for every parameter up front
        else:
            assert unused not in opt.state and (w in opt.state) == (name != 'SGD')
        opt.zero_grad(set_to_none=False)
        assert to_np(w.grad).tolist() == [0.0, 0.0, 0.0]
        opt.zero_grad()
        assert w.grad is None
        assert w.grad_fn is None and w.requires_grad


def test_step_hooks_and_state_dict_hooks():
    calls = []
    p = ember.zeros(2, requires_grad=True)
    opt = ember.optim.NAdam([p])
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(('pre', o is opt)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(('post', o is opt)))
    p.grad = ember.ones(2)
    opt.step()
    assert calls == [('pre', True), ('post', True)]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, 'extra': 1})
    assert opt.state_dict()['extra'] == 1
    seen = []
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append(sorted(sd)))
    opt.register_load_state_dict_post_hook(lambda o: seen.append('post'))
    opt.load_state_dict(opt.state_dict())
    assert seen == [['extra', 'param_groups', 'state'], 'post']


def test_load_state_dict_errors():
    needs_oracle()
    for lib in (ember, torch):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        opt = lib.optim.Adamax([a, b])
        sd = lib.optim.Adamax([a]).state_dict()
        with pytest.raises(ValueError, match="loaded state dict contains a parameter group that "
                                             "doesn't match the size of optimizer's group"):
            opt.load_state_dict(sd)
        sd = lib.optim.Adamax([{'params': [a]}, {'params': [b]}]).state_dict()
        with pytest.raises(ValueError, match='loaded state dict has a different number of '
                                             'parameter groups'):
            opt.load_state_dict(sd)


def test_state_keeps_param_dtype_on_load():
    """Loaded state is cast to the parameter's dtype, except ``step`` (float32 as in PyTorch)."""
    p = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    opt = ember.optim.RAdam([p])
    sd = {'state': {0: {'step': ember.tensor(4.0), 'exp_avg': ember.ones(3),
                        'exp_avg_sq': ember.ones(3)}},
          'param_groups': opt.state_dict()['param_groups']}
    opt.load_state_dict(sd)
    st = opt.state[p]
    assert st['exp_avg'].dtype == ember.float64 and st['step'].dtype == ember.float32
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    assert float(opt.state[p]['step']) == 5.0
