"""``optim.Optimizer``: parameter groups, per-parameter state, ``state_dict`` in PyTorch's
layout, hooks. Subclasses implement ``step`` with a few lines of math per parameter, run on
raw arrays in place (no graph, no temporaries beyond what NumPy needs)."""
import functools
import itertools
from collections import OrderedDict, defaultdict
from copy import deepcopy

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state
from ..backend import xp_of

__all__ = ['Optimizer', 'required']


class _RequiredParameter:
    """Marks a hyperparameter that has no default (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return '<required parameter>'


required = _RequiredParameter()

_global_pre_hooks = OrderedDict()
_global_post_hooks = OrderedDict()
_hook_ids = itertools.count()


class _Handle:
    def __init__(self, d, key):
        self.d, self.id = d, key

    def remove(self):
        self.d.pop(self.id, None)


def register_optimizer_step_pre_hook(hook):
    k = next(_hook_ids)
    _global_pre_hooks[k] = hook
    return _Handle(_global_pre_hooks, k)


def register_optimizer_step_post_hook(hook):
    k = next(_hook_ids)
    _global_post_hooks[k] = hook
    return _Handle(_global_post_hooks, k)


def _use_grad(step):
    """Run ``step`` with grad mode off (the update is not part of any graph)."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        prev = _state[0]
        _state[0] = False
        try:
            for h in itertools.chain(_global_pre_hooks.values(), self._step_pre_hooks.values()):
                r = h(self, args, kwargs)
                if r is not None:
                    args, kwargs = r
            out = step(self, *args, **kwargs)
            for h in itertools.chain(self._step_post_hooks.values(), _global_post_hooks.values()):
                h(self, args, kwargs)
            return out
        finally:
            _state[0] = prev
    wrapper._wrapped_step = True
    return wrapper


class Optimizer:
    """Base class of optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts defining
            parameter groups (each with ``'params'`` and per-group options).
        defaults: default options for groups that do not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError('params argument given to the optimizer should be an iterable of '
                            f'Tensors or dicts, but got {params.type()}')
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError('optimizer got an empty parameter list')
        if not isinstance(groups[0], dict):
            groups = [{'params': groups}]
        for g in groups:
            self.add_param_group(g)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        step = cls.__dict__.get('step')
        if step is not None and not getattr(step, '_wrapped_step', False):
            cls.step = _use_grad(step)

    def __getstate__(self):
        return {'defaults': self.defaults, 'state': self.state, 'param_groups': self.param_groups}

    #: options a group saved by an older version may lack, with their defaults, in the order
    #: PyTorch's ``__setstate__`` adds them (each subclass lists its own)
    _setstate_defaults = {}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for k in ('_step_pre_hooks', '_step_post_hooks', '_optimizer_state_dict_pre_hooks',
                  '_optimizer_state_dict_post_hooks', '_optimizer_load_state_dict_pre_hooks',
                  '_optimizer_load_state_dict_post_hooks'):
            self.__dict__.setdefault(k, OrderedDict())
        for g in self.param_groups:
            for k, v in self._setstate_defaults.items():
                g.setdefault(k, v)

    def __repr__(self):
        s = self.__class__.__name__ + ' ('
        for i, group in enumerate(self.param_groups):
            s += '\n'
            s += f'Parameter Group {i}\n'
            for key in sorted(group.keys()):
                if key != 'params':
                    s += f'    {key}: {group[key]}\n'
        s += ')'
        return s

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (missing ones take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f'param_group must be a dict, but got {type(param_group).__name__}')
        params = param_group['params']
        if isinstance(params, Tensor):
            param_group['params'] = [params]
        elif isinstance(params, set):
            raise TypeError('optimizer parameters need to be organized in ordered collections, but '
                            'the ordering of tensors in sets will change between runs. Please use a '
                            'list instead.')
        else:
            param_group['params'] = list(params)
        plist = param_group['params']
        names = []
        for i, p in enumerate(plist):
            if isinstance(p, tuple) and len(p) == 2:
                names.append(p[0])
                plist[i] = p[1]
        if names:
            if len(names) != len(plist):
                raise ValueError('all optimizer params should be with/without names. Some param '
                                 'names are missing')
            param_group['param_names'] = names
        for p in plist:
            if not isinstance(p, Tensor):
                raise TypeError('optimizer can only optimize Tensors, but one of the params is '
                                + type(p).__name__)
            if not self.defaults.get('differentiable', None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f'parameter {name}')
            param_group.setdefault(name, default)
        if len({id(p) for p in plist}) != len(plist):
            import warnings
            warnings.warn('optimizer contains a parameter group with duplicate parameters; in '
                          'future, this will cause an error; see '
                          'github.com/pytorch/pytorch/issues/40967 for more information',
                          stacklevel=3)
        seen = set()
        for g in self.param_groups:
            seen.update(id(p) for p in g['params'])
        if seen & {id(p) for p in plist}:
            raise ValueError('some parameters appear in more than one parameter group')
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors (to None by default)."""
        for group in self.param_groups:
            for p in group['params']:
                if p._grad is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        g = p._grad
                        if g.grad_fn is not None:
                            g.detach_()
                        g._data[...] = 0
                        g._vc[0] += 1

    def step(self, closure=None):
        raise NotImplementedError

    # ------------------------------------------------------------------ state dict
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` with
        parameters numbered in group order, as PyTorch lays it out."""
        for h in self._optimizer_state_dict_pre_hooks.values():
            h(self)
        index = {}
        start = 0
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != 'params'}
            ids = []
            for p in g['params']:
                if id(p) not in index:
                    index[id(p)] = start
                    start += 1
                ids.append(index[id(p)])
            packed['params'] = ids
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        sd = {'state': state, 'param_groups': groups}
        for h in self._optimizer_state_dict_post_hooks.values():
            r = h(self, sd)
            if r is not None:
                sd = r
        return sd

    def _cast_state(self, param, value, key=None):
        if isinstance(value, Tensor):
            if key == 'step':
                return value.to(param.device) if param.device != value.device else value
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device).clone() \
                    if value.dtype != param.dtype or value.device != param.device else value.clone()
            return value.to(param.device).clone()
        if isinstance(value, dict):
            return {k: self._cast_state(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast_state(param, v, key) for v in value)
        return value

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()`` from this optimizer class (ember's or PyTorch's)."""
        state_dict = dict(state_dict)
        for h in self._optimizer_load_state_dict_pre_hooks.values():
            r = h(self, state_dict)
            if r is not None:
                state_dict = r
        groups = self.param_groups
        saved = deepcopy(state_dict['param_groups'])
        if len(groups) != len(saved):
            raise ValueError('loaded state dict has a different number of parameter groups')
        if any(len(g['params']) != len(s['params']) for g, s in zip(groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        id_map = {old: p for g, s in zip(groups, saved) for old, p in zip(s['params'], g['params'])}
        state = defaultdict(dict)
        for k, v in state_dict['state'].items():
            if k in id_map:
                p = id_map[k]
                state[p] = self._cast_state(p, v)
            else:
                state[k] = v
        new_groups = []
        for g, s in zip(groups, saved):
            s['params'] = g['params']
            if 'param_names' in g and 'param_names' not in s:
                s['param_names'] = g['param_names']
            new_groups.append(s)
        self.__setstate__({'state': state, 'param_groups': new_groups})
        for h in self._optimizer_load_state_dict_post_hooks.values():
            h(self)

    # ------------------------------------------------------------------ hooks
    def _hook(self, d, hook, prepend=False):
        k = next(_hook_ids)
        d[k] = hook
        if prepend:
            d.move_to_end(k, last=False)
        return _Handle(d, k)

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` before each step; may return new (args, kwargs)."""
        return self._hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` after each step."""
        return self._hook(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return self._hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return self._hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return self._hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return self._hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)


def _scalar_state(value=0.0):
    """A 0-dim float32 tensor, as PyTorch keeps ``state['step']``."""
    return _wrap(np.array(value, dtype=np.float32))


def _value(x):
    """A hyperparameter that may be a 0-dim tensor, as a Python float."""
    return float(x.item()) if isinstance(x, Tensor) else x


def _check_lr(lr):
    """PyTorch's learning-rate checks: a Tensor lr has one element and no lr is negative."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError('Tensor lr must be 1-element')
    if not 0.0 <= _value(lr):
        raise ValueError(f'Invalid learning rate: {lr}')


def _check_betas(betas):
    if not 0.0 <= _value(betas[0]) < 1.0:
        raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
    if not 0.0 <= _value(betas[1]) < 1.0:
        raise ValueError(f'Invalid beta parameter at index 1: {betas[1]}')


def _check_nonneg(value, what):
    """``ValueError('Invalid {what} value: {value}')`` for a negative option, as PyTorch says."""
    if not 0.0 <= _value(value):
        raise ValueError(f'Invalid {what} value: {value}')


def _check_adam_options(lr, betas, eps, weight_decay):
    """The checks the Adam family (Adam, AdamW, Adamax, NAdam, RAdam) makes, in PyTorch's
    order: learning rate, epsilon, betas, weight decay."""
    _check_lr(lr)
    _check_nonneg(eps, 'epsilon')
    _check_betas(betas)
    _check_nonneg(weight_decay, 'weight_decay')


#: the flags most optimizers accept for PyTorch compatibility, with their defaults
_FLAG_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)


def _grads(group, name):
    """``(param, grad array)`` for each parameter of ``group`` that has a gradient (the others
    are skipped, as in PyTorch); sparse gradients are refused with PyTorch's message."""
    out = []
    for p in group['params']:
        g = p._grad
        if g is None:
            continue
        if getattr(g, 'is_sparse', False):
            raise RuntimeError(f'{name} does not support sparse gradients')
        out.append((p, g._data))
    return out


def _lerp_(a, b, w):
    """``a.lerp_(b, w)`` on arrays, with PyTorch's two formulas (``a + w (b - a)`` for
    ``|w| < 0.5``, ``b - (b - a)(1 - w)`` otherwise)."""
    t = a.dtype.type
    diff = b - a
    if abs(w) < 0.5:
        diff *= t(w)
        a += diff
    else:
        diff *= t(1 - w)
        xp_of(a).subtract(b, diff, out=a)
    return a


def _zeros_like(d):
    return _wrap(xp_of(d).zeros_like(d))


def _closure_loss(closure):
    if closure is None:
        return None
    from ..autograd.grad_mode import enable_grad
    with enable_grad():
        return closure()
