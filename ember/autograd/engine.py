"""The backward engine: ``backward`` and ``grad``.

It walks the graph from the roots in dependency order, calling each node's backward once
with the summed gradients of its outputs. Broadcast reduction and dtype restoration of
gradients happen here, once, from the input metadata each node recorded.
"""
import sys

import numpy as np

from .grad_mode import _state
from . import anomaly_mode as _anomaly
from . import function as F

__all__ = ['backward', 'grad']


def _sum_to(g, shape):
    """Sum ``g`` down to ``shape`` (undoing broadcasting), differentiably."""
    from ..ops.reduce import sum_to
    return sum_to(g, shape)


def _graph(roots, targets):
    """Dependency counts of the nodes reachable from ``roots``; with ``targets`` (a set of
    nodes), also the set of nodes that lead to a target (the others need not run)."""
    deps = {}
    seen = set()
    order = []          # post-order, for the 'needed' pass
    stack = [(n, False) for n in roots]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append((n, True))
        for e in n._next:
            if e is not None:
                c = e[0]
                deps[c] = deps.get(c, 0) + 1
                if c not in seen:
                    stack.append((c, False))
    if targets is None:
        return deps, None
    # 'leads': nodes whose backward must run because a target lies below them; a target
    # itself only has its incoming gradient captured and runs only if it also leads on
    leads = set()
    for n in order:
        if any(e is not None and (e[0] in leads or e[0] in targets) for e in n._next):
            leads.add(n)
    return deps, (leads, leads | set(targets))


def _add(a, b):
    r = a + b
    return r if type(r) is type(a) else np.asarray(r)    # numpy: 0-d + 0-d gives a scalar


_refcount = sys.getrefcount


class _Probe:
    __slots__ = ('_data',)


def _rc_free():
    """getrefcount of an array held only by one tensor, seen from ``_accumulate``."""
    g = _Probe()
    g._data = np.empty(0)
    d = g._data
    return _refcount(d)


_RC_FREE = _rc_free()


def _accumulate(var, g, create_graph):
    """Add ``g`` into ``var.grad`` as AccumulateGrad does."""
    old = var._grad
    if old is None:
        if create_graph:
            var._grad = g
        else:
            d = g._data
            # steal the array only when nothing else holds it (a user's gradient= tensor, a
            # retained grad...), as PyTorch's AccumulateGrad does: later calls add into it
            if (d.base is not None or not d.flags.writeable or not d.flags.c_contiguous
                    or _refcount(d) > _RC_FREE):
                d = d.copy()
            var._grad = F._wrap(d)
    elif create_graph or old._rg or g._rg:
        var._grad = old + g
    else:
        od = old._data
        if od.flags.writeable and od.shape == g._data.shape:
            od += g._data
            old._vc[0] += 1
        else:
            var._grad = F._wrap(_add(od, g._data))
    if var.__dict__:
        hooks = var.__dict__.get('_post_acc_hooks')
        if hooks:
            for h in hooks:
                h(var)


def _apply_tensor_hooks(hooks, g):
    for h in hooks:
        r = h(g)
        if r is not None:
            g = r
    return g


def _run(root_edges, root_grads, keep_graph, create_graph, capture=None, accumulate=True):
    """Run backward from ``root_edges`` seeded with ``root_grads``.

    capture: {(node, nr): slot} edges whose incoming gradient is returned (autograd.grad and
    backward(inputs=...)); then only nodes leading to them run and leaves are not accumulated
    unless ``accumulate``.
    """
    roots = [e[0] for e in root_edges]
    targets = None if capture is None else {n for n, _ in capture}
    deps, sets = _graph(roots, targets)
    leads, needed = sets if sets is not None else (None, None)
    buffers = {}
    for (n, nr), g in zip(root_edges, root_grads):
        buf = buffers.get(n)
        if buf is None:
            buf = buffers[n] = {}
        buf[nr] = g if nr not in buf else buf[nr] + g
    captured = {} if capture is not None else None
    ready = [n for n in dict.fromkeys(roots) if deps.get(n, 0) == 0]
    prev = _state[0]
    _state[0] = create_graph
    try:
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            if buf and (needed is None or node in needed):
                acc = type(node) is F.AccumulateGrad
                if acc:
                    var = node.variable
                    if var is None:         # the leaf is gone: nothing can see its gradient
                        continue
                if node._thooks:
                    for nr, hooks in node._thooks.items():
                        if nr in buf:
                            buf[nr] = _apply_tensor_hooks(hooks, buf[nr])
                elif acc and var._hooks:
                    # a leaf's tensor hooks also shape what autograd.grad captures
                    buf[0] = _apply_tensor_hooks(var._hooks, buf[0])
                if node._retain:
                    for nr, ref in list(node._retain.items()):
                        t = ref()
                        if t is not None and nr in buf:
                            g = buf[nr]
                            _accumulate(t, g if create_graph else g.detach(), create_graph)
                if capture is not None:
                    for nr, g in buf.items():
                        slot = capture.get((node, nr))
                        if slot is not None:
                            captured[slot] = g if slot not in captured else captured[slot] + g
                if acc:
                    if accumulate:
                        _accumulate(var, buf[0], create_graph)
                    continue
                if leads is None or node in leads:
                    _call(node, buf, keep_graph, create_graph, buffers)
            for e in node._next:
                if e is not None:
                    c = e[0]
                    d = deps[c] - 1
                    deps[c] = d
                    if d == 0:
                        ready.append(c)
    finally:
        _state[0] = prev
    return captured


def _call(node, buf, keep_graph, create_graph, buffers):
    nout = len(node._out_meta) if node._out_meta is not None else 1
    grads = [buf.get(k) for k in range(nout)]
    if node._prehooks:
        for h in node._prehooks:
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    try:
        outs = node._backward(grads)
    except Exception as e:
        if _anomaly._enabled[0] and node._trace:
            import warnings
            warnings.warn(f'Error detected in {node.name()}. Traceback of forward call that caused '
                          f'the error:\n{node._trace}', stacklevel=2)
        raise
    if _anomaly._enabled[0] and _anomaly._enabled[1]:
        _check_nan(node, outs)
    if node._hooks:
        for h in node._hooks:
            r = h(outs, tuple(grads))
            if r is not None:
                outs = tuple(r)
    if not keep_graph:
        node._release()
    meta = node._meta
    for i, e in enumerate(node._next):
        if e is None:
            continue
        g = outs[i] if i < len(outs) else None
        if g is None:
            continue
        m = meta[i]
        if m is not None:
            if g._data.shape != m[0]:
                g = _sum_to(g, m[0])
            if g._data.dtype != m[1]:
                if g._data.dtype.kind == 'c' and m[1].kind != 'c':
                    g = g.real      # a real input's gradient is the real part, as in PyTorch
                g = g.to(F.Tensor._dtype_of(m[1]))
        c, nr = e
        b = buffers.get(c)
        if b is None:
            buffers[c] = {nr: g}
        elif nr in b:
            o = b[nr]
            b[nr] = o + g if create_graph or o._rg or g._rg else F._wrap(_add(o._data, g._data))
        else:
            b[nr] = g


def _check_nan(node, outs):
    for i, g in enumerate(outs):
        if g is not None and g._data.dtype.kind in 'fcV':
            xp = np if type(g._data) is np.ndarray else __import__('cupy')
            if bool(xp.isnan(g._data).any()):
                msg = f"Function '{node.name()}' returned nan values in its {i}th output."
                if node._trace:
                    import warnings
                    warnings.warn(f'Error detected in {node.name()}. Traceback of forward call '
                                  f'that caused the error:\n{node._trace}', stacklevel=3)
                raise RuntimeError(msg)


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, F.Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs, create_graph=False):
    res = []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if o._data.size != 1 or not o._rg:
                if not o._rg:
                    res.append(None)
                    continue
                raise RuntimeError('grad can be implicitly created only for scalar outputs')
            if o._data.dtype.kind not in 'fcV':
                raise RuntimeError('grad can be implicitly created only for real scalar outputs '
                                   f'but got {F.Tensor._dtype_of(o._data.dtype)}')
            xp = np if type(o._data) is np.ndarray else __import__('cupy')
            res.append(F._wrap(xp.ones(o._data.shape, o._data.dtype)))
        else:
            if not isinstance(g, F.Tensor):
                g = F.Tensor._coerce(g, o)
            if g._data.shape != o._data.shape:
                raise RuntimeError(f'Mismatch in shape: grad_output[{i}] has a shape of '
                                   f'{_size(g)} and output[{i}] has a shape of {_size(o)}.')
            # a fresh wrapper: the caller's array is then seen as shared and never stolen
            # (and later added into) by AccumulateGrad
            res.append(g if create_graph and g._rg else F._wrap(g._data))
    return res


def _size(t):
    return 'torch.Size([' + ', '.join(str(s) for s in t._data.shape) + '])'


def _root_edges(outputs):
    edges = []
    for i, o in enumerate(outputs):
        if not o._rg:
            raise RuntimeError(f'element {i} of tensors does not require grad and does not have '
                               'a grad_fn')
        edges.append(F.edge_of(o))
    return edges


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' ``.grad`` (``torch.autograd.backward``).

    Args:
        tensors: outputs to differentiate.
        grad_tensors: vector for the vector-Jacobian product (None for scalars).
        retain_graph: keep saved tensors for another backward (default: create_graph).
        create_graph: record the backward itself, for higher-order derivatives.
        grad_variables: deprecated alias of ``grad_tensors``.
        inputs: accumulate only into these tensors.
    """
    if grad_variables is not None:
        import warnings
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both "
                               'passed to backward(). Please only use \'grad_tensors\'.')
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f'got {len(grad_tensors)} tensors and {len(tensors)} gradients')
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, create_graph)
    edges = _root_edges(tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        capture = {}
        for i, t in enumerate(inputs):
            if not t._rg:
                raise RuntimeError('One of the differentiated Tensors does not require grad')
            capture[F.edge_of(t)] = i
        got = _run(edges, grads, retain_graph, create_graph, capture, accumulate=False)
        for i, t in enumerate(inputs):
            if i in got:
                g = got[i]
                _accumulate(t, g if create_graph else g.detach(), create_graph)
                if t.grad_fn is not None:
                    t.retain_grad()     # as PyTorch: a non-leaf input now retains its grad
        return
    if create_graph:
        import warnings
        warnings.warn('Using backward() with create_graph=True will create a reference cycle '
                      'between the parameter and its gradient which can cause a memory leak. We '
                      'recommend using autograd.grad when creating the graph to avoid this. If you '
                      'have to use this function, make sure to reset the .grad fields of your '
                      'parameters to None after use to break the cycle and avoid the leak.',
                      UserWarning, stacklevel=3)
    _run(edges, grads, retain_graph, create_graph)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """``is_grads_batched``: one vector-Jacobian product per leading index of the grad_outputs,
    stacked (a loop over the batch, not over elements)."""
    from ..ops.shape import stack
    if grad_outputs is None:
        raise RuntimeError('grad_outputs must be given when is_grads_batched=True')
    n = grad_outputs[0].shape[0]
    per = []
    for i in range(n):
        per.append(grad(outputs, inputs, tuple(g[i] if g is not None else None
                                               for g in grad_outputs),
                        retain_graph=True if i < n - 1 else retain_graph,
                        create_graph=create_graph, allow_unused=allow_unused,
                        materialize_grads=materialize_grads))
    return tuple(None if cols[0] is None else stack(cols) for cols in zip(*per))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned, not accumulated
    (``torch.autograd.grad``).

    Args:
        outputs, inputs: tensors or sequences of tensors.
        grad_outputs: vectors for the vector-Jacobian product (None for scalar outputs).
        retain_graph: keep the graph (default: create_graph).
        create_graph: make the result differentiable (higher-order derivatives).
        allow_unused: return None for inputs the outputs do not depend on, instead of raising.
        is_grads_batched: the first dim of each grad_output indexes a batch of vectors; the
            results get the same leading dim.
        materialize_grads: return zeros instead of None for unused inputs.
    """
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, F.Tensor)
    inputs = _as_tuple(inputs)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_tuple(grad_outputs), retain_graph,
                             create_graph, allow_unused, materialize_grads)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError('Expected allow_unused to be True or not passed when materialize_grads=True')
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f'grad requires one gradient per output: got {len(grad_outputs)} '
                           f'gradients and {len(outputs)} outputs')
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t._rg:
            raise RuntimeError('One of the differentiated Tensors does not require grad')
    grads = _make_grads(outputs, grad_outputs, create_graph)
    pairs = [(F.edge_of(o), g) for o, g in zip(outputs, grads) if g is not None]
    for i, o in enumerate(outputs):
        if not o._rg:
            raise RuntimeError(f'element {i} of tensors does not require grad and does not have '
                               'a grad_fn')
    capture = {}
    slots = []
    for t in inputs:
        e = F.edge_of(t)
        capture.setdefault(e, len(capture))
        slots.append(capture[e])
    got = _run([p[0] for p in pairs], [p[1] for p in pairs], retain_graph, create_graph,
               capture, accumulate=False)
    res = []
    for i, (t, s) in enumerate(zip(inputs, slots)):
        g = got.get(s)
        if g is None:
            if not allow_unused:
                raise RuntimeError(f'The differentiated Tensor at index {i} appears to not have been '
                                   'used in the graph. Set allow_unused=True if this is the desired '
                                   'behavior.')
            if materialize_grads:
                g = t.new_zeros(t.shape)
        elif not create_graph:
            g = g.detach()
        res.append(g)
    return tuple(res)
