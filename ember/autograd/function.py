"""Graph nodes, primitives and ``autograd.Function``.

A *primitive* is an op whose forward runs on raw arrays through the device's array module
(``xp``: numpy or cupy) and whose backward is written with ember ops on Tensors, so that
``create_graph=True`` (double backward) works everywhere. ``Primitive.apply`` builds a graph
node only when grad mode is on and an input requires grad.

``Function`` is the user-facing ``torch.autograd.Function``: its forward takes Tensors.
"""
import sys
import traceback
import weakref

import numpy as np

from .grad_mode import _state
from . import anomaly_mode as _anomaly

_ndarray = np.ndarray
_generic = np.generic

Tensor = None   # set by ember._tensor (avoids an import cycle)
_wrap = None


class _NoCtx:
    """The ctx a primitive's forward gets when no graph is recorded: saving is a no-op."""
    __slots__ = ()

    def __setattr__(self, k, v):
        pass

    def save_for_backward(self, *a):
        pass

    def mark_non_differentiable(self, *a):
        pass


NO_CTX = _NoCtx()


class Node:
    """A node of the backward graph: a tensor's ``grad_fn``.

    ``next_functions`` names where each input's gradient goes; ``register_hook`` and
    ``register_prehook`` mirror PyTorch's Node hooks.
    """
    _name = None
    _next = ()
    _meta = ()
    _saved = ()
    _freed = False
    _thooks = None       # {output_nr: [tensor hook, ...]}
    _retain = None       # {output_nr: weakref to a tensor that retains its grad}
    _hooks = None
    _prehooks = None
    _out_meta = None     # [(shape, dtype, device array module)] for multi-output nodes
    _trace = None        # forward stack trace, kept in anomaly mode

    def name(self):
        return self._name or type(self).__name__

    def __repr__(self):
        return f'<{self.name().rpartition("::")[2]} object at {hex(id(self))}>'

    @property
    def next_functions(self):
        """((node, output_nr), ...) for each Tensor input ((None, 0) where it needs no grad)."""
        nx = self._next
        tpos = self.__dict__.get('_tpos')
        if tpos is not None:
            nx = [nx[i] for i in tpos]
        return tuple(e if e is not None else (None, 0) for e in nx)

    @property
    def metadata(self):
        d = self.__dict__.get('_metadata')
        if d is None:
            d = self._metadata = {}
        return d

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward and may replace them."""
        if self._prehooks is None:
            self._prehooks = []
        self._prehooks.append(fn)
        return _Handle(self._prehooks, fn)

    def _release(self):
        self._saved = None
        self._freed = True

    @property
    def saved_tensors(self):
        s = self._saved
        if s is None:
            raise RuntimeError(
                'Trying to backward through the graph a second time (or directly access saved '
                'tensors after they have already been freed). Saved intermediate values of the '
                'graph are freed when you call .backward() or autograd.grad(). Specify '
                'retain_graph=True if you need to backward through the graph a second time or if '
                'you need to access saved tensors after calling backward.')
        return tuple(_unpack(self, e) for e in s)

    def __call__(self, *grads):
        return self._backward(list(grads))


class _Handle:
    """A removable hook handle (``handle.remove()``)."""

    def __init__(self, container, item, key=None):
        self._c, self._item, self._key = container, item, key

    def remove(self):
        c = self._c
        if isinstance(c, dict):
            c.pop(self._key, None)
        else:
            try:
                c.remove(self._item)
            except ValueError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.remove()


# A saved entry: (kind, payload, version counter, version)
#   kind 0: an input Tensor; 1: output number k of the node (payload (k, array)); 2: constant array
def _unpack(node, e):
    kind, obj, vc, ver = e
    if vc is not None and vc[0] != ver:
        if kind == 0:
            desc, owner = obj, obj.grad_fn
            nr = obj._out_nr
        else:
            desc, owner, nr = None, node, obj[0]
        shape = list((obj.shape if kind == 0 else obj[1].shape))
        tname = _tensor_type_name(obj._data if kind == 0 else obj[1])
        where = (f', which is output {nr} of {_short_name(owner)},' if owner is not None else ',')
        raise RuntimeError(
            'one of the variables needed for gradient computation has been modified by an '
            f'inplace operation: [{tname} {shape}]{where} is at version {vc[0]}; expected version '
            f'{ver} instead. Hint: enable anomaly detection to find the operation that failed to '
            'compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).')
    if kind == 0:
        return obj
    if kind == 1:
        t = _wrap(obj[1], True, node, obj[0])
        t._vc = vc
        return t
    return _wrap(obj) if isinstance(obj, _ndarray) or hasattr(obj, '__cuda_array_interface__') else obj


def _short_name(node):
    """A node's name as PyTorch's saved-variable error prints it ('MulBackward0' -> 'Mul')."""
    n = node.name()
    i = n.rfind('Backward')
    return n[:i] if i > 0 and n[i + 8:].isdigit() else n


def _tensor_type_name(arr):
    from .._dtype import from_np
    n = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
         'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
         'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}
    prefix = 'torch.' if type(arr) is _ndarray else 'torch.cuda.'
    return prefix + n[from_np(arr.dtype).name] + 'Tensor'


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient into ``variable.grad``."""
    _name = 'torch::autograd::AccumulateGrad'

    def __init__(self, variable):
        # the leaf holds its accumulator; the accumulator refers back weakly (no cycle, so a
        # dropped leaf is freed at once; a gradient for a dead leaf has nowhere to go)
        self._var = weakref.ref(variable)
        self._next = ()

    @property
    def variable(self):
        return self._var()


def edge_of(t):
    """Where the gradient for tensor ``t`` goes: (grad_fn, output_nr), or its accumulator."""
    fn = t.grad_fn
    if fn is not None:
        if t._base is not None:
            fn = _view_grad_fn(t)
        return (fn, t._out_nr)
    node = t._accum
    if node is None:
        node = t._accum = AccumulateGrad(t)
    return (node, 0)


def _mixed_devices(arrays):
    from ..backend import device_of
    devs = sorted({str(device_of(a)) for a in arrays if hasattr(a, 'shape')}, reverse=True)
    raise RuntimeError('Expected all tensors to be on the same device, but found at least two '
                       f'devices, {devs[0]} and {devs[1]}!')


class _StandIn:
    """Mixin of a primitive's no-graph ctx stand-in: attribute writes and saves are no-ops."""
    __slots__ = ()

    def __setattr__(self, k, v):
        pass

    def save_for_backward(self, *a):
        pass

    def mark_non_differentiable(self, *a):
        pass


def _edge(a):
    """The graph edge into Tensor ``a`` (which requires grad): (its grad_fn, output number),
    or its gradient accumulator for a leaf."""
    fn = a.grad_fn
    if fn is not None:
        if a._base is not None:
            fn = _view_grad_fn(a)
        return (fn, a._out_nr)
    node = a._accum
    if node is None:
        node = a._accum = AccumulateGrad(a)
    return (node, 0)


class Primitive(Node):
    """Base of ember's ops: ``forward(ctx, xp, *arrays, **kw)`` -> array(s) and
    ``backward(ctx, *grads)`` -> one gradient Tensor (or None) per positional argument.

    Positional arguments may be Tensors or plain values (scalars, None); keywords are
    passed through. Forward saves arrays with ``ctx.save_for_backward``; an array that is an
    input's data comes back in backward as that input Tensor (graph intact), an output comes
    back as the output Tensor.
    """
    is_view = False          # output shares the first input's memory
    differentiable = True

    def __init_subclass__(cls, _stand_in=False, **kw):
        super().__init_subclass__(**kw)
        if _stand_in:
            return
        if '_name' not in cls.__dict__:
            cls._name = cls.__name__ + 'Backward0'
        # the node's type is named like PyTorch's (type(y.grad_fn).__name__ == 'AddBackward0')
        cls.__name__ = cls.__qualname__ = cls._name.rpartition('::')[2]
        # the ctx forward gets when no graph is recorded: class attributes stay readable
        # (ctx.f, ctx.save...), writes and saves are ignored, so forward must not read back
        # what it stored on ctx
        cls._noctx = object.__new__(type(cls.__name__, (_StandIn, cls), {}, _stand_in=True))

    def save_for_backward(self, *arrays):
        self._to_save = arrays

    def mark_non_differentiable(self, *arrays):
        self._nondiff = arrays

    @classmethod
    def apply(cls, *args, **kw):
        arrays = []
        push = arrays.append
        need = False
        t0 = None
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                push(d)
                if a._rg:
                    need = True
                if t0 is None:
                    t0 = type(d)
                elif type(d) is not t0:
                    _mixed_devices([x._data for x in args if isinstance(x, Tensor)])
            else:
                push(a)
        if t0 is _ndarray:
            xp = np
        else:
            from ..backend import xp_of
            xp = xp_of(next(a for a in arrays if hasattr(a, 'shape')))
        if not (need and _state[0] and cls.differentiable):
            try:
                out = cls.forward(cls._noctx, xp, *arrays, **kw)
            except ValueError as e:
                raise _shape_error(e, arrays) from None
            if type(out) is tuple:
                return tuple(_wrap(_arr(o, xp)) for o in out)
            if type(out) is not _ndarray and xp is np:
                out = np.asarray(out)
            t = _wrap(out)
            if cls.is_view:
                _set_view(t, cls, args, kw)
                if need:    # PyTorch: a view made under no_grad still requires grad (as a leaf)
                    t._rg = True
            return t
        node = cls()
        try:
            out = cls.forward(node, xp, *arrays, **kw)
        except ValueError as e:
            raise _shape_error(e, arrays) from None
        return node._finish(out, args, arrays, xp, kw)

    @classmethod
    def apply2(cls, a, b):
        """``apply(a, b)`` for two CPU Tensors, skipping the generic argument walk (the hot
        path of ``x + y``)."""
        x = a._data
        y = b._data
        if type(x) is not _ndarray or type(y) is not _ndarray or cls.is_view:
            return cls.apply(a, b)
        if (a._rg or b._rg) and _state[0] and cls.differentiable:      # record a node
            node = cls()
            try:
                out = cls.forward(node, np, x, y)
            except ValueError as e:
                raise _shape_error(e, (x, y)) from None
            return node._finish2(out, a, b)
        try:
            out = cls.forward(cls._noctx, np, x, y)
        except ValueError as e:
            raise _shape_error(e, (x, y)) from None
        if type(out) is not _ndarray:
            out = np.asarray(out)
        return _wrap(out)

    @classmethod
    def apply1(cls, a):
        """``apply(a)`` for one CPU Tensor with no graph to record."""
        x = a._data
        if type(x) is not _ndarray or (a._rg and _state[0] and cls.differentiable) or cls.is_view:
            return cls.apply(a)
        out = cls.forward(cls._noctx, np, x)
        if type(out) is not _ndarray:
            out = np.asarray(out)
        return _wrap(out)

    _to_save = ()
    _nondiff = ()

    def _finish2(self, out, a, b):
        """``_finish`` for two CPU Tensor inputs, one float output and nothing saved (the
        hot path of ``x + y`` with a graph); anything else goes through ``_finish``."""
        if (type(out) is not _ndarray or self._to_save or self._nondiff or self.is_view
                or out.dtype.kind not in 'fc' or _anomaly._enabled[0]):
            return self._finish(out, (a, b), [a._data, b._data], np, {})
        if a._rg:
            ea, ma = _edge(a), (a._data.shape, a._data.dtype)
        else:
            ea = ma = None
        if b._rg:
            eb, mb = _edge(b), (b._data.shape, b._data.dtype)
        else:
            eb = mb = None
        self._next = (ea, eb)
        self._meta = (ma, mb)
        self._saved = ()
        return _wrap(out, True, self, 0)

    def _finish(self, out, args, arrays, xp, kw):
        nxt = []
        meta = []
        all_tensors = True
        for a in args:
            if isinstance(a, Tensor):
                if a._rg:
                    nxt.append(_edge(a))
                    d = a._data
                    meta.append((d.shape, d.dtype))
                    continue
            else:
                all_tensors = False
            nxt.append(None)
            meta.append(None)
        if not all_tensors:
            # next_functions lists Tensor inputs only, as PyTorch's does
            self._tpos = tuple(i for i, b in enumerate(args) if isinstance(b, Tensor))
        self._next = tuple(nxt)
        self._meta = tuple(meta)
        if _anomaly._enabled[0]:
            self._trace = ''.join(traceback.format_stack()[:-3])
        nondiff = self._nondiff
        if type(out) is not tuple:
            if type(out) is not _ndarray and xp is np:
                out = np.asarray(out)
            diff = out.dtype.kind in 'fcV' and not (nondiff and any(out is n for n in nondiff))
            r = _wrap(out, diff, self if diff else None, 0)
            outs, res, multi = (out,), (r,), False
        else:
            outs = tuple(_arr(o, xp) for o in out)
            res = []
            for k, o in enumerate(outs):
                diff = o.dtype.kind in 'fcV' and not any(o is n for n in nondiff)
                res.append(_wrap(o, diff, self if diff else None, k))
            self._out_meta = [(o.shape, o.dtype, xp) for o in outs]
            multi = True
        to_save = self._to_save
        if to_save:
            saved = []
            for s in to_save:
                if s is None:
                    saved.append((2, None, None, 0))
                    continue
                for k, o in enumerate(outs):
                    if s is o:
                        rk = res[k]
                        vc = rk._vc
                        saved.append((1, (k, o), vc, vc[0]) if rk._rg else (2, o, None, 0))
                        break
                else:
                    for a, d in zip(args, arrays):
                        if s is d and isinstance(a, Tensor):
                            saved.append((0, a, a._vc, a._vc[0]))
                            break
                    else:
                        saved.append((2, s, None, 0))
            self._saved = saved
            del self._to_save
        else:
            self._saved = ()
        if self.is_view:
            _set_view(res[0], type(self), args, kw)
        return tuple(res) if multi else res[0]

    def _backward(self, grads):
        if self._freed:
            self.saved_tensors   # raises the "backward through the graph a second time" error
        if self._out_meta is not None:
            for k, g in enumerate(grads):
                if g is None:
                    grads[k] = _zeros_like_out(self._out_meta[k])
        r = type(self).backward(self, *grads)
        return r if type(r) is tuple else (r,)

def _shape_error(e, arrays):
    """NumPy's broadcasting ValueError as PyTorch's RuntimeError naming the sizes; other
    errors unchanged."""
    msg = str(e)
    if 'could not be broadcast' not in msg or 'remapped' in msg:
        return e
    shapes = [a.shape for a in arrays if hasattr(a, 'shape')]
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            n = max(len(a), len(b))
            pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
            for d in range(n - 1, -1, -1):
                if pa[d] != pb[d] and pa[d] != 1 and pb[d] != 1:
                    return RuntimeError(f'The size of tensor a ({pa[d]}) must match the size of '
                                        f'tensor b ({pb[d]}) at non-singleton dimension {d}')
    return RuntimeError(str(e))


def _arr(o, xp):
    if type(o) is not _ndarray and xp is np:
        return np.asarray(o)
    return o


def _set_view(t, cls, args, kw):
    """Record that ``t`` views ``args[0]`` so in-place ops on it can reach the base."""
    src = args[0]
    base = src._base
    t._base = src if base is None else base
    t._vc = vc = src._vc
    t._view_src = (cls, args, kw)
    t._vver = vc[0]


def _view_grad_fn(t):
    """The grad_fn of view ``t``, rebuilt when its base was modified in place since it was set
    (as PyTorch regenerates it): the view steps are replayed on the base's current graph, so
    gradients see the in-place change."""
    vc = t._vc[0]
    try:
        if t._vver == vc:
            return t.grad_fn
    except AttributeError:      # a view marked outside _set_view: take it as current
        t._vver = vc
        return t.grad_fn
    from ..ops._util import view_chain, replay_view
    prev = _state[0]
    _state[0] = True
    try:
        v = replay_view(t._base, view_chain(t))
    finally:
        _state[0] = prev
    if v.grad_fn is not None:
        t.grad_fn, t._out_nr = v.grad_fn, v._out_nr
    t._vver = vc
    return t.grad_fn


class FunctionCtx:
    """The ``ctx`` of a custom ``autograd.Function``."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._nondiff = tensors

    def set_materialize_grads(self, value):
        self._materialize = value


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        cls._backward_cls = type(name + 'Backward', (BackwardCFunction,), {'_forward_cls': cls,
                                                                           '_name': name + 'Backward'})


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of a custom Function; it is also the ``ctx`` its methods receive."""
    _materialize = True

    def _backward(self, grads):
        if self._freed:
            self.saved_tensors
        if self._materialize:
            for k, g in enumerate(grads):
                if g is None:
                    grads[k] = _zeros_like_out(self._out_meta[k])
        r = self._forward_cls.backward(self, *grads)
        if type(r) is not tuple:
            r = (r,)
        n = len(self._next)
        if len(r) < n:
            raise RuntimeError(f'function {self.name()} returned an incorrect number of gradients '
                               f'(expected {n}, got {len(r)})')
        r = tuple(r[:n]) if all(x is None for x in r[n:]) else r
        if len(r) != n:
            raise RuntimeError(f'function {self.name()} returned an incorrect number of gradients '
                               f'(expected {n}, got {len(r)})')
        return r


def _zeros_like_out(meta):
    shape, dt, xp = meta
    return _wrap(xp.zeros(shape, dt))


class Function(metaclass=_FunctionMeta):
    """Custom differentiable op: subclass with ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)`` staticmethods (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``), call with ``MyFn.apply(*args)``.

    Mirrors ``torch.autograd.Function``: ``ctx.save_for_backward``, ``ctx.saved_tensors``,
    ``ctx.needs_input_grad``, ``ctx.mark_dirty``, ``ctx.mark_non_differentiable``,
    ``ctx.set_materialize_grads``.
    """

    def __init__(self, *a, **k):
        import warnings
        warnings.warn(f'{type(self)} should not be instantiated. Methods on autograd functions '
                      'are all static, so you should invoke them on the class itself.',
                      DeprecationWarning)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError('You must implement the forward function for custom '
                                  'autograd.Function.')

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError('You must implement either the backward or vjp method for your '
                                  'custom autograd.Function to use it with backward mode AD.')

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        node = cls._backward_cls()
        node.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg and _state[0] for a in args)
        node._to_save = ()
        prev = _state[0]
        _state[0] = False
        try:
            if cls.setup_context is Function.setup_context:
                out = cls.forward(node, *args, **kwargs)
            else:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, out)
        finally:
            _state[0] = prev
        need = any(node.needs_input_grad)
        multi = type(out) is tuple
        outs = out if multi else (out,)
        dirty = node.__dict__.get('_dirty', ())
        nondiff = node.__dict__.get('_nondiff', ())
        if need:
            node._next = tuple(edge_of(a) if isinstance(a, Tensor) and a._rg else None
                               for a in args)
            node._meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) and a._rg
                               else None for a in args)
            tpos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
            if len(tpos) != len(args):
                node._tpos = tpos
            from ..backend import xp_of
            node._out_meta = [(o._data.shape, o._data.dtype, xp_of(o._data))
                              if isinstance(o, Tensor) else None for o in outs]
        res = []
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                res.append(o)
                continue
            is_in = any(o is a for a in args)
            if is_in and not any(o is d for d in dirty):
                o = o.view_as(o) if need else o.detach()   # an input returned as is: an alias
            elif not is_in:
                pass
            if need and o._data.dtype.kind in 'fcV' and not any(o is n for n in nondiff):
                if any(o is d for d in dirty):
                    if o.grad_fn is None and o._rg:
                        raise RuntimeError('a leaf Variable that requires grad has been used in an '
                                           'in-place operation.')
                    o._vc[0] += 1
                o.grad_fn, o._out_nr, o._rg = node, k, True
            elif not is_in and not any(o is d for d in dirty):
                o.grad_fn, o._rg = None, False
            res.append(o)
        if need:
            saved = []
            for s in node.__dict__.pop('_to_save', ()):
                if s is None:
                    saved.append((2, None, None, 0))
                elif s.grad_fn is node:     # an output: saved without a reference cycle
                    k = next(i for i, r in enumerate(res) if r is s)
                    saved.append((1, (k, s._data), s._vc, s._vc[0]))
                else:
                    saved.append((0, s, s._vc, s._vc[0]))
            node._saved = saved
        else:
            node.__dict__.pop('_to_save', None)
        return tuple(res) if multi else res[0]


def once_differentiable(fn):
    """Decorator for a backward that is not itself differentiable; runs it under no_grad."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _state[0]
        _state[0] = False
        try:
            return fn(ctx, *args)
        finally:
            _state[0] = prev
    return wrapper
