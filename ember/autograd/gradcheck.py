"""``gradcheck`` / ``gradgradcheck``: analytical gradients against finite differences.

Mirrors ``torch.autograd.gradcheck``: the numerical Jacobian comes from central differences
(one input element perturbed at a time, in place, so any ``func`` works), the analytical one
from one backward per output element (slow mode). ``fast_mode=True`` compares the scalar
``v^T J u`` for random unit vectors ``u``, ``v`` instead: one whole-input (vectorised)
perturbation per input and one backward per output.
"""
import warnings

import numpy as np

from . import function as F
from .engine import grad as _autograd_grad

__all__ = ['gradcheck', 'gradgradcheck', 'GradcheckError', 'get_numerical_jacobian',
           'get_analytical_jacobian']


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_t(x):
    return isinstance(x, F.Tensor)


def _host(arr):
    """A NumPy view/copy of a numpy or cupy array."""
    return arr if type(arr) is np.ndarray else arr.get()


def _xp(arr):
    if type(arr) is np.ndarray:
        return np
    import cupy
    return cupy


def _diff_inputs(inputs):
    return [(i, x) for i, x in enumerate(inputs) if _is_t(x) and x._rg]


def _differentiable_outputs(out):
    return tuple(o for o in _as_tuple(out) if _is_t(o) and o._rg)


def _tensor_outputs(out):
    return [o for o in _as_tuple(out) if _is_t(o)]


def _check_inputs(inputs):
    any_rg = False
    for idx, x in enumerate(inputs):
        if _is_t(x) and x._rg:
            any_rg = True
            if x._data.dtype not in (np.float64, np.complex128):
                warnings.warn(
                    f'Input #{idx} requires gradient and is not a double precision floating point '
                    'or complex. This check will likely fail if all the inputs are not of double '
                    'precision floating point or complex. ', stacklevel=3)
            d = x._data
            if any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape)):
                raise RuntimeError(
                    f'The {idx}th input has a dimension with stride 0. gradcheck only supports '
                    'inputs that are non-overlapping to be able to compute the numerical gradients '
                    'correctly. You should call .contiguous on the input before passing it to '
                    'gradcheck.')
    if not any_rg:
        raise ValueError('gradcheck expects at least one input tensor to require gradient, but '
                         'none of them have requires_grad=True.')


def _eval(func, inputs):
    """Flattened host copies of the tensor outputs of ``func(*inputs)``."""
    return [_host(o._data).reshape(-1).copy() for o in _tensor_outputs(func(*inputs))]


def _numerical_jacobian(func, inputs, outputs, eps):
    """``jac[j][i]``: (numel(input j), numel(output i)) central-difference Jacobian of tensor
    output i w.r.t. differentiable input j, in the output's dtype."""
    res = []
    for _, x in _diff_inputs(inputs):
        d = x._data
        cols = [np.zeros((d.size, o._data.size), o._data.dtype) for o in outputs]
        for k in range(d.size):
            idx = np.unravel_index(k, d.shape) if d.ndim else ()
            orig = d[idx].copy()
            d[idx] = orig - eps
            outb = _eval(func, inputs)
            d[idx] = orig + eps
            outa = _eval(func, inputs)
            d[idx] = orig
            for c, a, b in zip(cols, outa, outb):
                c[k] = (a - b) / (2 * eps)
        res.append(cols)
    return res


def _numerical_jvp(func, inputs, outputs, us, eps):
    """``jvp[j][i]``: J_ij u_j by one central difference along the whole direction ``u_j``."""
    res = []
    for (_, x), u in zip(_diff_inputs(inputs), us):
        d = x._data
        orig = d.copy()
        du = _xp(d).asarray(u.reshape(d.shape).astype(d.dtype))
        d[...] = orig - eps * du
        outb = _eval(func, inputs)
        d[...] = orig + eps * du
        outa = _eval(func, inputs)
        d[...] = orig
        res.append([(a - b) / (2 * eps) for a, b in zip(outa, outb)])
    return res


def _vjp(output, diff, v):
    """Gradients of ``output`` w.r.t. ``diff`` for grad_output ``v`` (host array, flat)."""
    od = output._data
    g = F._wrap(_xp(od).array(v.reshape(od.shape)))     # a copy: the caller reuses v
    return _autograd_grad((output,), diff, (g,), retain_graph=True, allow_unused=True)


def _check_grad(g, x, check_grad_dtypes):
    if g is None:
        return
    if tuple(g._data.shape) != tuple(x._data.shape):
        raise GradcheckError('Analytical gradient has incorrect size')
    if check_grad_dtypes and g._data.dtype != x._data.dtype:
        raise GradcheckError('Gradient has dtype mismatch')


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes):
    """``jac[j]``: (numel(input j), numel(output)) Jacobian from one backward per output
    element, computed twice to check that backward is reentrant (deterministic)."""
    diff = [x for _, x in _diff_inputs(inputs)]
    n = output._data.size
    dt = output._data.dtype
    passes = []
    for _ in range(2):
        jac = [np.zeros((x._data.size, n), x._data.dtype) for x in diff]
        v = np.zeros(n, dt)
        for i in range(n):
            v[i] = 1
            gs = _vjp(output, diff, v)
            v[i] = 0
            for j, (g, x) in enumerate(zip(gs, diff)):
                _check_grad(g, x, check_grad_dtypes)
                if g is not None:
                    jac[j][:, i] = _host(g._data).reshape(-1)
        passes.append(jac)
    for a, b in zip(*passes):
        if a.size and not np.all(np.abs(a - b) <= nondet_tol):
            raise GradcheckError(
                'Backward is not reentrant, i.e., running backward with same input and '
                'grad_output multiple times gives different values, although analytical gradient '
                f'matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.')
    return passes[0]


def _allclose(a, n, rtol, atol):
    dt = np.promote_types(a.dtype, n.dtype)
    a, n = a.astype(dt, copy=False), n.astype(dt, copy=False)
    return bool(np.all(np.abs(a - n) <= atol + rtol * np.abs(n)))


def _fmt(arr):
    return repr(F._wrap(np.asarray(arr)))


def _mismatch_msg(a, n, out_idx, in_idx):
    if not isinstance(a, float):
        a, n = _fmt(a), _fmt(n)
    return (f'Jacobian mismatch for output {out_idx:d} with respect to input {in_idx:d},\n'
            f'numerical:{n}\nanalytical:{a}\n')


def _check_no_differentiable_outputs(func, inputs, func_out, eps):
    outs = _tensor_outputs(func_out)
    for per_input in _numerical_jacobian(func, inputs, outs, eps):
        for n in per_input:
            if n.size and np.any(n != 0):
                raise GradcheckError('Numerical gradient for function expected to be zero')
    return True


def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol):
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, func_out, eps)
    touts = _tensor_outputs(func_out)
    numerical = _numerical_jacobian(func, inputs, touts, eps)
    keep = [k for k, o in enumerate(touts) if o._rg]
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][keep[i]]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch_msg(a, n, i, j))
    return True


def _unit_vec(rng, n):
    v = rng.random(n)
    nrm = np.linalg.norm(v)
    return v / nrm if nrm else v


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol):
    rng = np.random.default_rng(0)
    diff = [x for _, x in _diff_inputs(inputs)]
    us = [_unit_vec(rng, x._data.size) for x in diff]
    touts = _tensor_outputs(func_out)
    numerical = _numerical_jvp(func, inputs, touts, us, eps)
    if not outputs:
        for per_input in numerical:
            for n in per_input:
                if n.size and np.any(n != 0):
                    raise GradcheckError('Numerical gradient for function expected to be zero')
        return True
    keep = [k for k, o in enumerate(touts) if o._rg]
    vs = [_unit_vec(rng, o._data.size).astype(o._data.dtype) for o in outputs]
    for i, (o, v) in enumerate(zip(outputs, vs)):
        runs = []
        for _ in range(2):
            gs = _vjp(o, diff, v)
            for g, x in zip(gs, diff):
                _check_grad(g, x, check_grad_dtypes)
            runs.append([0.0 if g is None else float(_host(g._data).reshape(-1) @ u)
                         for g, u in zip(gs, us)])
        if any(abs(a - b) > nondet_tol for a, b in zip(*runs)):
            raise GradcheckError(
                'Backward is not reentrant, i.e., running backward with same input and '
                'grad_output multiple times gives different values, although analytical gradient '
                f'matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.')
        for j, a in enumerate(runs[0]):
            n = float(v.astype(np.float64) @ numerical[j][keep[i]].astype(np.float64))
            adj = atol * float(us[j].sum()) * float(v.sum())
            if not abs(a - n) <= adj + rtol * abs(n):
                raise GradcheckError(_mismatch_msg(a, n, i, j)
                                     + _slow_mode_msg(func, inputs, outputs, i, j, rtol, atol,
                                                      eps))
    return True


def _slow_mode_msg(func, inputs, outputs, out_idx, in_idx, rtol, atol, eps):
    n = _numerical_jacobian(func, inputs, [outputs[out_idx]], eps)[in_idx][0]
    a = _analytical_jacobian(inputs, outputs[out_idx], float('inf'), False)[in_idx]
    diff = float(np.abs(n - a).max()) if n.size else 0.0
    msg = ('\nThe above quantities relating the numerical and analytical jacobians are computed \n'
           'in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background '
           '\nabout fast mode. Below, we recompute numerical and analytical jacobians in slow '
           f'mode:\n\nNumerical:\n {_fmt(n)}\nAnalytical:\n{_fmt(a)}\n\n'
           f'The max per-element difference (slow mode) is: {diff}.\n')
    if _allclose(a, n, rtol, atol):
        msg += ('\nFast gradcheck failed but element-wise differences are small. This means that '
                "the\ntest might've passed in slow_mode!")
    return msg


def _test_backward_mul_by_grad_output(outputs, inputs):
    diff = [x for _, x in _diff_inputs(inputs)]
    zeros = tuple(F._wrap(_xp(o._data).zeros_like(o._data)) for o in outputs)
    gs = _autograd_grad(outputs, diff, zeros, allow_unused=True)
    for g, x in zip(gs, diff):
        if g is None:
            continue
        if bool((g._data != 0).any()):
            raise GradcheckError('backward not multiplied by grad_output')
        if g._data.dtype != x._data.dtype:
            raise GradcheckError('grad is incorrect type')
        if type(g._data) is not type(x._data):
            raise GradcheckError('grad is incorrect device')
        if tuple(g._data.shape) != tuple(x._data.shape):
            raise GradcheckError('grad is incorrect size')
    return True


def _test_undefined_backward_mode(func, outputs, inputs):
    """With some outputs' gradients undefined (left out), the inputs' gradients must be None
    or zero: the backward has to treat undefined output gradients as zeros."""
    if len(outputs) < 2:
        return True
    diff = [x for _, x in _diff_inputs(inputs)]
    for skip in range(len(outputs)):
        outs = _differentiable_outputs(func(*inputs))
        chosen = [o for k, o in enumerate(outs) if k != skip]
        zeros = [F._wrap(_xp(o._data).zeros_like(o._data)) for o in chosen]
        try:
            gs = _autograd_grad(chosen, diff, zeros, allow_unused=True)
        except RuntimeError as e:
            raise GradcheckError('Expected backward function to handle undefined output grads. '
                                 'Please look at "Notes about undefined output gradients" in '
                                 '"tools/autograd/derivatives.yaml"') from e
        for g in gs:
            if g is not None and bool((g._data != 0).any()):
                raise GradcheckError(
                    'Expected all input grads to be undefined or zero when all output grads are '
                    'undefined or zero. Please look at "Notes about undefined output gradients" '
                    'in "tools/autograd/derivatives.yaml"')
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` w.r.t. the ``inputs`` that require grad against central
    finite differences (``torch.autograd.gradcheck``).

    Args:
        func: takes the inputs (Tensors or other values), returns a Tensor or tuple of them.
        inputs: a Tensor or a tuple of inputs; float64 inputs are expected.
        eps: finite-difference step. atol, rtol: tolerances of ``allclose(analytical, numerical)``.
        raise_exception: raise ``GradcheckError`` on failure (else return False).
        nondet_tol: allowed difference between two backward runs on the same input.
        check_undefined_grad: check that undefined (unused) output gradients act as zeros.
        check_grad_dtypes: require each gradient to have its input's dtype.
        fast_mode: compare ``v^T J u`` for random unit ``u``, ``v`` instead of full Jacobians.

    ``check_batched_grad``/``check_batched_forward_grad`` are accepted and ignored (ember has no
    vmap); forward-mode AD is not implemented.

    Returns:
        True when every Jacobian matches.
    """
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError('ember has no forward-mode AD: use check_forward_ad=False')
    if not raise_exception:
        try:
            return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                              check_grad_dtypes, check_backward_ad, fast_mode)
        except GradcheckError:
            return False
    return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                      check_grad_dtypes, check_backward_ad, fast_mode)


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
               check_grad_dtypes, check_backward_ad, fast_mode):
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    if not check_backward_ad:
        return True
    func_out = func(*inputs)
    outputs = _differentiable_outputs(func_out)
    check = _fast_gradcheck if fast_mode else _slow_gradcheck
    check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    if outputs:
        _test_backward_mul_by_grad_output(outputs, inputs)
        if check_undefined_grad:
            _test_undefined_backward_mode(func, outputs, inputs)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives: ``gradcheck`` of the map (inputs, grad_outputs) -> the
    gradients of ``func``'s outputs w.r.t. its inputs, built with ``create_graph=True``
    (``torch.autograd.gradgradcheck``).

    Args:
        func, inputs, eps, atol, rtol, raise_exception, nondet_tol, fast_mode: as in gradcheck.
        grad_outputs: gradients w.r.t. ``func``'s outputs; default random in [-1, 1) with
            requires_grad=True (non-contiguous with ``gen_non_contig_grad_outputs``).
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError('Expected at least one of check_fwd_over_rev or check_rev_over_rev '
                             'to be True')
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError('Setting check_undefined_grad=True requires check_rev_over_rev to be '
                             'True')
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = _differentiable_outputs(func(*tupled_inputs))
        gos = []
        for o in outs:
            d = o._data
            dt = d.dtype if d.dtype.kind in 'fcV' else np.float64
            shape = d.shape
            if gen_non_contig_grad_outputs and d.ndim:
                a = rng.uniform(-1, 1, shape + (2,)).astype(dt)[..., 0]
            else:
                a = rng.uniform(-1, 1, shape).astype(dt)
            if type(d) is not np.ndarray:
                a = _xp(d).asarray(a)
            gos.append(F._wrap(a, True))
        tupled_grad_outputs = tuple(gos)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_in = {i for i, x in enumerate(tupled_inputs) if _is_t(x) and x._rg}
    diff_go = {i for i, x in enumerate(tupled_grad_outputs) if _is_t(x) and x._rg}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_in else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        gos = tuple(x.requires_grad_() if i in diff_go else x
                    for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_in)
        gi = _autograd_grad(outputs, diff_args, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gi if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)


def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Central-difference Jacobians of ``fn`` w.r.t. the inputs requiring grad: one tuple per
    input of (numel(input), numel(output)) Tensors, one per output."""
    if grad_out != 1.0:
        raise ValueError('Expected grad_out to be 1.0. get_numerical_jacobian no longer supports '
                         'values of grad_out != 1.0.')
    inputs = _as_tuple(inputs)
    outs = _tensor_outputs(fn(*inputs))
    jac = _numerical_jacobian(fn, inputs, outs, eps)
    return tuple(tuple(F._wrap(c) for c in per) for per in jac)


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Backward-mode Jacobians of ``output`` w.r.t. the inputs requiring grad; returns
    (jacobians, reentrant, correct_grad_sizes, correct_grad_types) like PyTorch's."""
    if grad_out != 1.0:
        raise ValueError('Expected grad_out to be 1.0. get_analytical_jacobian no longer '
                         'supports values of grad_out != 1.0.')
    inputs = _as_tuple(inputs)
    reentrant = sizes = types = True
    try:
        jac = _analytical_jacobian(inputs, output, nondet_tol, True)
    except GradcheckError as e:
        s = str(e)
        reentrant = 'reentrant' not in s
        sizes = 'size' not in s
        types = 'dtype' not in s
        jac = _analytical_jacobian(inputs, output, float('inf'), False)
    return tuple(F._wrap(j) for j in jac), reentrant, sizes, types
