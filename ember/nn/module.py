"""``nn.Module``: parameters, buffers and submodules registered by attribute assignment, with
PyTorch's traversal methods, ``state_dict`` layout, hooks and ``repr``."""
import functools
import itertools
from collections import OrderedDict, namedtuple

from .._tensor import Tensor
from .. import _dtype
from ..autograd.grad_mode import _state
from .parameter import Parameter, Buffer

__all__ = ['Module', 'register_module_forward_pre_hook', 'register_module_forward_hook',
           'register_module_full_backward_pre_hook', 'register_module_full_backward_hook']

_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = {}
_global_forward_hooks_always_called = {}
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_hook_ids = itertools.count()


def _typename(obj):
    """``torch.typename``: 'torch.FloatTensor' for tensors, the qualified class name else."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, '__module__', '') or ''
    if hasattr(obj, '__qualname__'):
        name = obj.__qualname__
    elif hasattr(obj, '__name__'):
        name = obj.__name__
    else:
        module = type(obj).__module__ or ''
        name = type(obj).__qualname__
    return name if module in ('', 'builtins') else f'{module}.{name}'


class _IncompatibleKeys(namedtuple('IncompatibleKeys', ['missing_keys', 'unexpected_keys'])):
    """What ``load_state_dict`` returns: the missing and unexpected keys."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return '<All keys matched successfully>'
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """A handle whose ``remove()`` unregisters a hook (``torch.utils.hooks.RemovableHandle``)."""

    def __init__(self, *dicts):
        self.id = next(_hook_ids)
        self._dicts = dicts

    def remove(self):
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.remove()


def register_module_forward_pre_hook(hook):
    """A forward pre-hook run for every module."""
    h = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[h.id] = hook
    return h


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook run for every module (before the module's own forward hooks)."""
    h = RemovableHandle(_global_forward_hooks, _global_forward_hooks_with_kwargs,
                        _global_forward_hooks_always_called)
    _global_forward_hooks[h.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[h.id] = True
    if always_call:
        _global_forward_hooks_always_called[h.id] = True
    return h


def register_module_full_backward_pre_hook(hook):
    """A backward pre-hook ``hook(module, grad_output)`` run for every module."""
    h = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[h.id] = hook
    return h


def register_module_full_backward_hook(hook):
    """A full backward hook ``hook(module, grad_input, grad_output)`` run for every module."""
    h = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[h.id] = hook
    return h


def _addindent(s, n):
    lines = s.split('\n')
    if len(lines) == 1:
        return s
    return lines[0] + '\n' + '\n'.join(' ' * n + line for line in lines[1:])


def _forward_unimplemented(self, *input):
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                              'function')


class Module:
    """Base class of all neural-network modules (``torch.nn.Module``).

    Assigning a ``Parameter``, a ``Module`` or (for a registered name) a tensor as an attribute
    registers it; ``parameters()``, ``state_dict()``, ``to()``... walk the tree.
    """
    dump_patches = False
    _version = 1
    training: bool
    call_super_init = False

    forward = _forward_unimplemented

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f'{type(self).__name__}.__init__() got an unexpected argument')
        d = self.__dict__
        d['training'] = True
        d['_parameters'] = {}
        d['_buffers'] = {}
        d['_non_persistent_buffers_set'] = set()
        d['_modules'] = {}
        d['_forward_pre_hooks'] = OrderedDict()
        d['_forward_pre_hooks_with_kwargs'] = {}
        d['_forward_hooks'] = OrderedDict()
        d['_forward_hooks_with_kwargs'] = {}
        d['_forward_hooks_always_called'] = {}
        d['_backward_hooks'] = OrderedDict()
        d['_backward_pre_hooks'] = OrderedDict()
        d['_state_dict_hooks'] = OrderedDict()
        d['_state_dict_pre_hooks'] = OrderedDict()
        d['_load_state_dict_pre_hooks'] = OrderedDict()
        d['_load_state_dict_post_hooks'] = OrderedDict()

    # ------------------------------------------------------------------ registration
    def register_buffer(self, name, tensor, persistent=True):
        """Register a tensor (not a parameter) saved in ``state_dict`` when ``persistent``."""
        if '_buffers' not in self.__dict__:
            raise AttributeError('cannot assign buffer before Module.__init__() call')
        if not isinstance(name, str):
            raise TypeError(f'buffer name should be a string. Got {_typename(name)}')
        if '.' in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == '':
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            '(torch Tensor or None required)')
        if isinstance(tensor, Buffer):
            persistent = tensor.persistent
            tensor = tensor.detach()
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if '_parameters' not in self.__dict__:
            raise AttributeError('cannot assign parameter before Module.__init__() call')
        if not isinstance(name, str):
            raise TypeError(f'parameter name should be a string. Got {_typename(name)}')
        if '.' in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == '':
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            '(torch.nn.Parameter or None required)')
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             'parameters must be created explicitly. To express \'{name}\' as a '
                             'function of another Tensor, compute the value in the forward() '
                             'method.')
        self._parameters[name] = param

    def add_module(self, name, module):
        """Register ``module`` (or None) as a child under ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f'{_typename(module)} is not a Module subclass')
        if not isinstance(name, str):
            raise TypeError(f'module name should be a string. Got {_typename(name)}')
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if '.' in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == '':
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get('_parameters')
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError('cannot assign parameters before Module.__init__() call')
            _remove_from(self, name, keep='_parameters')
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                '(torch.nn.Parameter or None expected)')
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if '_modules' not in d:
                raise AttributeError('cannot assign module before Module.__init__() call')
            _remove_from(self, name, keep='_modules')
            d['_modules'][name] = value
        elif '_modules' in d and name in d['_modules']:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                '(torch.nn.Module or None expected)')
            d['_modules'][name] = value
        elif isinstance(value, Buffer) or ('_buffers' in d and name in d['_buffers']):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                '(torch.nn.Buffer, torch.Tensor or None expected)')
            if isinstance(value, Buffer):
                _remove_from(self, name, keep='_buffers')
                self.register_buffer(name, value)
            else:
                self.register_buffer(name, value,
                                     name not in d['_non_persistent_buffers_set'])
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        if '_parameters' in d:
            p = d['_parameters']
            if name in p:
                return p[name]
        if '_buffers' in d:
            b = d['_buffers']
            if name in b:
                return b[name]
        if '_modules' in d:
            m = d['_modules']
            if name in m:
                return m[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for k in ('_parameters', '_buffers', '_modules'):
            dd = self.__dict__.get(k)
            if dd is not None and name in dd:
                del dd[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(object.__dir__(self))
        keys += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)
        for k in ('_forward_pre_hooks_with_kwargs', '_forward_hooks_with_kwargs',
                  '_forward_hooks_always_called'):
            self.__dict__.setdefault(k, {})
        for k in ('_state_dict_pre_hooks', '_load_state_dict_post_hooks', '_backward_pre_hooks',
                  '_load_state_dict_pre_hooks', '_state_dict_hooks'):
            self.__dict__.setdefault(k, OrderedDict())
        self.__dict__.setdefault('_non_persistent_buffers_set', set())

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get_members, prefix='', recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mprefix, m in modules:
            for k, v in get_members(m):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (mprefix + ('.' if mprefix else '') + k, v)

    def parameters(self, recurse=True):
        """Iterator over parameters (of submodules too when ``recurse``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix='', recurse=True, remove_duplicate=True):
        """Iterator over ``(name, parameter)``, names dotted like ``'fc1.weight'``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix='', recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix='', remove_duplicate=True):
        """Iterator over ``(name, module)`` of this module and all below it (depth first)."""
        if memo is None:
            memo = set()
        if id(self) in memo and remove_duplicate:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            sub = prefix + ('.' if prefix else '') + name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (``''`` is self)."""
        if target == '':
            return self
        mod = self
        for item in target.split('.'):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + ' has no attribute `' + item + '`')
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError('`' + item + '` is not an nn.Module')
        return mod

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition('.')
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + ' has no attribute `' + name + '`')
        p = getattr(mod, name)
        if not isinstance(p, Parameter):
            raise AttributeError('`' + name + '` is not an nn.Parameter')
        return p

    def get_buffer(self, target):
        mod_path, _, name = target.rpartition('.')
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + ' has no attribute `' + name + '`')
        if name not in mod._buffers:
            raise AttributeError('`' + name + '` is not a buffer')
        return mod._buffers[name]

    # ------------------------------------------------------------------ modes
    def train(self, mode=True):
        """Set training mode (dropout active, batch norm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError('training mode is expected to be boolean')
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn, recurse=True):
        if recurse:
            for m in self.children():
                m._apply(fn)
        for key, p in self._parameters.items():
            if p is None:
                continue
            with _no_grad():
                new = fn(p)
            if new is p:
                pass
            elif new._data.shape == p._data.shape and type(new._data) is type(p._data) \
                    and new._data.dtype == p._data.dtype:
                p._data = new._data
            else:
                p._data = new._data   # same Parameter object, new storage (like PyTorch's .data swap)
            if p.grad is not None:
                with _no_grad():
                    g = fn(p.grad)
                p._grad = g if g is not p.grad else p.grad
        for key, b in self._buffers.items():
            if b is not None:
                self._buffers[key] = fn(b)
        return self

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) then self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``,
        ``to(tensor)``, ``to(device, dtype)``; dtype casts apply to floating tensors only."""
        from ..ops.creation import _parse_to
        kwargs.pop('non_blocking', None)
        kwargs.pop('memory_format', None)
        dtype, device, _ = _parse_to(args, dict(kwargs))
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError('nn.Module.to only accepts floating point or complex dtypes, but got '
                            f'desired dtype={dtype}')

        def convert(t):
            if dtype is not None and (t.is_floating_point() or t.is_complex()):
                return t.to(device, dtype) if device is not None else t.to(dtype)
            return t.to(device) if device is not None else t
        return self._apply(convert)

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def _cast(self, dt):
        return self._apply(lambda t: t.to(dt) if t.is_floating_point() else t)

    def float(self):
        return self._cast(_dtype.float32)

    def double(self):
        return self._cast(_dtype.float64)

    def half(self):
        return self._cast(_dtype.float16)

    def bfloat16(self):
        return self._cast(_dtype.bfloat16)

    def share_memory(self):
        """Move parameters and buffers into shared memory (``Tensor.share_memory_``)."""
        return self._apply(lambda t: t.share_memory_())

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        extra = getattr(type(self), 'get_extra_state', None)
        if extra is not None and extra is not Module.get_extra_state:
            destination[prefix + '_extra_state'] = self.get_extra_state()

    def get_extra_state(self):
        raise RuntimeError('Reached a code path in Module.get_extra_state() that should never be '
                           'called.')

    def set_extra_state(self, state):
        raise RuntimeError('Reached a code path in Module.set_extra_state() that should never be '
                           'called.')

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        """An ordered dict of parameters and persistent buffers under dotted names, with
        PyTorch's ``_metadata`` attribute."""
        if args:
            destination = args[0] if len(args) > 0 else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, '_metadata', None)
        if meta is not None:
            meta[prefix[:-1]] = {'version': self._version}
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + '.',
                             keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            r = hook(self, destination, prefix, {})
            if r is not None:
                destination = r
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                 if v is not None}
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            src = state_dict[key]
            if not isinstance(src, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                                  f'or Tensor-like object from checkpoint but received {type(src)}')
                continue
            if src._data.shape != param._data.shape:
                from .._tensor import Size
                error_msgs.append(f'size mismatch for {key}: copying a param with shape '
                                  f'{Size(src._data.shape)} from checkpoint, the shape in current '
                                  f'model is {Size(param._data.shape)}.')
                continue
            try:
                with _no_grad():
                    if assign:
                        if isinstance(param, Parameter):
                            new = Parameter(src.detach(), requires_grad=param.requires_grad) \
                                if not isinstance(src, Parameter) else src
                            self._parameters[name] = new
                        else:
                            self._buffers[name] = src
                    else:
                        param.copy_(src)
            except Exception as ex:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in '
                                  f'the model are {param.shape} and whose dimensions in the '
                                  f'checkpoint are {src.shape}, an exception occurred : {ex.args}.')
        extra_key = prefix + '_extra_state'
        if getattr(type(self), 'set_extra_state', None) is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        if strict:
            for key in state_dict.keys():
                if key.startswith(prefix) and key != extra_key:
                    name = key[len(prefix):].split('.', 1)[0]
                    if name not in self._modules and name not in local:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict``; returns ``(missing_keys,
        unexpected_keys)``. With ``strict``, any mismatch raises RuntimeError listing them."""
        if not isinstance(state_dict, dict):
            raise TypeError(f'Expected state_dict to be dict-like, got {type(state_dict)}.')
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, '_metadata', None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        def load(module, prefix=''):
            local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
            module._load_from_state_dict(state_dict, prefix, local_meta, True, missing, unexpected,
                                         errors, assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + '.')
        load(self)
        result = _IncompatibleKeys(missing, unexpected)
        for hook in self._load_state_dict_post_hooks.values():
            hook(self, result)
        if strict:
            if unexpected:
                errors.insert(0, 'Unexpected key(s) in state_dict: {}. '.format(
                    ', '.join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, 'Missing key(s) in state_dict: {}. '.format(
                    ', '.join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError('Error(s) in loading state_dict for {}:\n\t{}'.format(
                self._get_name(), '\n\t'.join(errors)))
        return result

    def register_state_dict_pre_hook(self, hook):
        h = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[h.id] = hook
        return h

    def _register_state_dict_hook(self, hook):
        h = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[h.id] = hook
        return h

    register_state_dict_post_hook = _register_state_dict_hook

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        h = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[h.id] = (functools.partial(hook, self) if with_module
                                                 else hook)
        return h

    register_load_state_dict_pre_hook = _register_load_state_dict_pre_hook

    def register_load_state_dict_post_hook(self, hook):
        h = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[h.id] = hook
        return h

    # ------------------------------------------------------------------ hooks and call
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``(module, args, kwargs)``) before forward; may replace
        the inputs."""
        h = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[h.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[h.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` after forward; may replace the output."""
        h = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                            self._forward_hooks_always_called)
        self._forward_hooks[h.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[h.id] = True
        if always_call:
            self._forward_hooks_always_called[h.id] = True
        if prepend:
            self._forward_hooks.move_to_end(h.id, last=False)
        return h

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the module's
        inputs are computed; may return replacement ``grad_input``."""
        h = RemovableHandle(self._backward_hooks)
        self._backward_hooks[h.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(h.id, last=False)
        return h

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` before the module's backward; may replace grad_output."""
        h = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[h.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_backward_hook(self, hook):
        return self.register_full_backward_hook(hook)

    def _call_impl(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_hooks
                or _global_forward_pre_hooks or _global_backward_hooks
                or _global_backward_pre_hooks):
            return self.forward(*args, **kwargs)
        called = set()
        result = None
        try:
            for hid, hook in itertools.chain(_global_forward_pre_hooks.items(),
                                             self._forward_pre_hooks.items()):
                if hid in self._forward_pre_hooks_with_kwargs:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        if isinstance(r, tuple) and len(r) == 2:
                            args, kwargs = r
                        else:
                            raise RuntimeError('forward pre-hook must return None or a tuple of '
                                               f'(new_args, new_kwargs), but got {r}.')
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
            bw = None
            bhooks = list(_global_backward_hooks.values()) + list(self._backward_hooks.values())
            bpre = list(_global_backward_pre_hooks.values()) + \
                list(self._backward_pre_hooks.values())
            if (bhooks or bpre) and _state[0]:
                from .utils.hooks import BackwardHook
                bw = BackwardHook(self, bhooks, bpre)
                args = bw.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hid, hook in itertools.chain(_global_forward_hooks.items(),
                                             self._forward_hooks.items()):
                if hid in self._forward_hooks_always_called or \
                        hid in _global_forward_hooks_always_called:
                    called.add(hid)
                if hid in self._forward_hooks_with_kwargs or \
                        hid in _global_forward_hooks_with_kwargs:
                    r = hook(self, args, kwargs, result)
                else:
                    r = hook(self, args, result)
                if r is not None:
                    result = r
            if bw is not None:
                result = bw.setup_output_hook(result)
            return result
        except Exception:
            # hooks registered with always_call=True run even when forward raised
            for hid, hook in itertools.chain(_global_forward_hooks.items(),
                                             self._forward_hooks.items()):
                if hid in called or not (hid in self._forward_hooks_always_called or
                                         hid in _global_forward_hooks_always_called):
                    continue
                try:
                    if hid in self._forward_hooks_with_kwargs:
                        r = hook(self, args, kwargs, result)
                    else:
                        r = hook(self, args, result)
                    if r is not None:
                        result = r
                except Exception as e:
                    import warnings
                    warnings.warn('module forward hook with ``always_call=True`` raised an '
                                  'exception that was silenced as another error was raised in '
                                  f'forward: {e}', stacklevel=2)
            raise

    __call__ = _call_impl

    # ------------------------------------------------------------------ repr
    def extra_repr(self):
        """Extra text inside this module's ``repr`` parentheses (override in subclasses)."""
        return ''

    def _get_name(self):
        return type(self).__name__

    def _repr_children(self):
        """The (name, submodule) pairs ``repr`` lists."""
        return self._modules.items()

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split('\n') if extra else []
        child_lines = []
        for key, m in self._repr_children():
            child_lines.append('(' + key + '): ' + _addindent(repr(m), 2))
        lines = extra_lines + child_lines
        s = self._get_name() + '('
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                s += extra_lines[0]
            else:
                s += '\n  ' + '\n  '.join(lines) + '\n'
        return s + ')'


def _remove_from(module, name, keep=None):
    """Drop ``name`` from the other registries (``keep``'s entry is overwritten in place, so
    its position in that dict is preserved, as in PyTorch)."""
    d = module.__dict__
    for k in ('_parameters', '_buffers', '_modules'):
        if k == keep:
            continue
        dd = d.get(k)
        if dd is not None and name in dd:
            del dd[name]
    d.pop(name, None)
    d.get('_non_persistent_buffers_set', set()).discard(name)


def _no_grad():
    from ..autograd.grad_mode import no_grad
    return no_grad()
