"""L-BFGS with an optional strong-Wolfe line search."""
import numpy as np

from .._tensor import Tensor, _wrap
from .optimizer import Optimizer, _value, _check_lr
from ..backend import xp_of
from ..autograd.grad_mode import enable_grad

__all__ = ['LBFGS']


def _sc(a):
    """A 0-dim array (or a Tensor) as a NumPy scalar of its dtype (PyTorch's 0-dim tensor)."""
    if isinstance(a, Tensor):
        a = a._data
    if isinstance(a, (np.generic, int, float)):
        return a
    if type(a) is not np.ndarray:
        a = a.get()
    return a[()]


def _arr(v):
    """A state value as ember keeps it internally: arrays and NumPy scalars, not Tensors."""
    if isinstance(v, Tensor):
        return _sc(v) if v.ndim == 0 else v._data
    if isinstance(v, list):
        return [_arr(x) for x in v]
    return v


def _tensor(v):
    """The inverse of ``_arr``: arrays and NumPy scalars become Tensors (for ``state``)."""
    if isinstance(v, np.generic):
        return _wrap(np.asarray(v))
    if isinstance(v, list):
        return [_tensor(x) for x in v]
    if v is None or isinstance(v, (int, float, bool)):
        return v
    return _wrap(v)


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """The strong-Wolfe line search of PyTorch's LBFGS (after minFunc), on flat arrays."""
    xp = xp_of(d)
    d_norm = _sc(xp.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = _sc(xp.dot(g_new, d))
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev = tmp
        f_prev = f_new
        g_prev = g_new.copy()
        gtd_prev = gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _sc(xp.dot(g_new, d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [0, t]
        bracket_f = [f, f_new]
        bracket_g = [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _sc(xp.dot(g_new, d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new.copy()
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new.copy()
            bracket_gtd[low_pos] = gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS (``torch.optim.LBFGS``), after minFunc. ``step(closure)`` runs up to ``max_iter``
    iterations, each re-evaluating ``closure`` (which must zero the grads, compute the loss,
    call ``backward`` and return the loss). One parameter group only; the state
    (``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``,
    ``prev_loss``, ``al``, ``func_evals``, ``n_iter``) lives under the first parameter, as in
    PyTorch.

    Args:
        params, lr=1, max_iter=20, max_eval=None (``max_iter * 5 // 4``), tolerance_grad=1e-7,
        tolerance_change=1e-9, history_size=100, line_search_fn=None (or ``'strong_wolfe'``).
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]['params']
        self._numel_cache = None

    def _numel(self):
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        xp = xp_of(self._params[0]._data)
        views = []
        for p in self._params:
            if p._grad is None:
                views.append(xp.zeros(p.numel(), dtype=p._data.dtype))
            else:
                views.append(p._grad._data.reshape(-1))
        return xp.concatenate(views, 0)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            d = p._data
            n = d.size
            d += d.dtype.type(step_size) * update[offset:offset + n].reshape(d.shape)
            p._vc[0] += 1
            offset += n
        assert offset == self._numel()

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data):
        for p, pdata in zip(self._params, params_data):
            p._data[...] = pdata
            p._vc[0] += 1

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; returns the loss of the first evaluation."""
        group = self.param_groups[0]
        lr = _value(group['lr'])
        max_iter, max_eval = group['max_iter'], group['max_eval']
        tolerance_grad, tolerance_change = group['tolerance_grad'], group['tolerance_change']
        line_search_fn, history_size = group['line_search_fn'], group['history_size']

        def closure_(c=closure):
            with enable_grad():
                return c()

        state = self.state[self._params[0]]
        state.setdefault('func_evals', 0)
        state.setdefault('n_iter', 0)

        orig_loss = closure_()
        loss = float(orig_loss)
        current_evals = 1
        state['func_evals'] += 1

        flat_grad = self._gather_flat_grad()
        xp = xp_of(flat_grad)
        if _sc(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        d = _arr(state.get('d'))
        t = _arr(state.get('t'))
        old_dirs = _arr(state.get('old_dirs'))
        old_stps = _arr(state.get('old_stps'))
        ro = _arr(state.get('ro'))
        H_diag = _arr(state.get('H_diag'))
        prev_flat_grad = _arr(state.get('prev_flat_grad'))
        prev_loss = _arr(state.get('prev_loss'))
        al = _arr(state.get('al'))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state['n_iter'] += 1
            # the search direction
            if state['n_iter'] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * d.dtype.type(t)
                ys = _sc(xp.dot(y, s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / _sc(xp.dot(y, y))
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = _sc(xp.dot(old_stps[i], q)) * ro[i]
                    q += q.dtype.type(-al[i]) * old_dirs[i]
                d = r = q * q.dtype.type(H_diag)
                for i in range(num_old):
                    be_i = _sc(xp.dot(old_dirs[i], r)) * ro[i]
                    r += r.dtype.type(al[i] - be_i) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length
            if state['n_iter'] == 1:
                t = min(1.0, 1.0 / _sc(xp.abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = _sc(xp.dot(flat_grad, d))
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != 'strong_wolfe':
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure_, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = _sc(xp.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    loss = float(closure_())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = _sc(xp.abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state['func_evals'] += ls_func_evals

            if n_iter == max_iter:
                break
            if current_evals >= max_eval:
                break
            if opt_cond:
                break
            if _sc(xp.abs(d * d.dtype.type(t)).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state['d'] = _tensor(d)
        state['t'] = _tensor(t)
        state['old_dirs'] = _tensor(old_dirs)
        state['old_stps'] = _tensor(old_stps)
        state['ro'] = _tensor(ro)
        state['H_diag'] = _tensor(H_diag)
        state['prev_flat_grad'] = _tensor(prev_flat_grad)
        state['prev_loss'] = prev_loss
        if al is not None:
            state['al'] = _tensor(al)
        return orig_loss
