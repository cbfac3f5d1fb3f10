"""Autocast's state and PyTorch's per-op cast policy (the "Autocast Op Reference").

The ops on PyTorch's autocast lists start with one check of ``on[0]``, a module-level flag
that is True only while some device's autocast is enabled, so autocast costs nothing when
it is off::

    def linear(input, weight, bias=None):
        if _ac[0]:
            return _ac_run('linear', linear, input, weight, bias)
        ...

``run`` casts the op's floating-point Tensor arguments as the policy of the op on the
device of its first Tensor says, then calls the op with autocast excluded (as PyTorch's
autocast kernels redispatch below the Autocast key), so composites and recursive calls do
not cast again. This module imports nothing from ember at load time: the ops import it.
"""
import numpy as np

__all__ = ['on', 'run']

# on[0]: an autocast region is active for some device and ops are not inside an autocast
# kernel already. The only thing an op reads when autocast is off.
on = [False]
# per device type: [enabled, fast dtype (an ember dtype, set lazily), cache enabled]
_enabled = {'cpu': False, 'cuda': False}
_fast = {}                  # device type -> ember dtype (defaults filled in by autocast_mode)
_cache_enabled = [True]
_nesting = [0]
_cache = {}                 # id(leaf weight) -> (weight, cast weight); cleared on outermost exit
_excluded = [0]             # depth of autocast kernels being run

LOWER, FP32, FP32_OPT, PROMOTE = 1, 2, 3, 4

# PyTorch's CPU lists (aten/src/ATen/autocast_mode.cpp, AutocastCPU), by ember function name
_CPU = dict.fromkeys((
    'conv1d', 'conv2d', 'conv3d', 'bmm', 'mm', 'linalg_vecdot', 'baddbmm', 'addmm', 'addbmm',
    'linear', 'matmul', 'conv_tbc', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
    'prelu', 'scaled_dot_product_attention',
    # composites of mm in PyTorch: their products run in the low dtype there too
    'einsum', 'tensordot', 'linalg_multi_dot'), LOWER)
_CPU.update(dict.fromkeys((
    'avg_pool3d', 'binary_cross_entropy', 'grid_sample', 'polar', 'prod', 'quantile',
    'nanquantile', 'stft', 'cdist', 'trace', 'view_as_complex', 'cholesky', 'cholesky_inverse',
    'cholesky_solve', 'inverse', 'lu_solve', 'orgqr', 'ormqr', 'pinverse', 'max_pool3d',
    'max_unpool2d', 'max_unpool3d', 'adaptive_avg_pool3d', 'reflection_pad', 'replication_pad',
    'mse_loss', 'cosine_embedding_loss', 'nll_loss', 'hinge_embedding_loss', 'poisson_nll_loss',
    'smooth_l1_loss', 'cross_entropy', 'l1_loss', 'huber_loss', 'margin_ranking_loss',
    'soft_margin_loss', 'triplet_margin_loss', 'multi_margin_loss', 'ctc_loss', 'kl_div',
    'multilabel_margin_loss', 'binary_cross_entropy_with_logits', 'linalg_cond',
    'linalg_matrix_rank', 'linalg_solve', 'linalg_cholesky', 'linalg_svdvals',
    'linalg_eigvals', 'linalg_eigvalsh', 'linalg_inv', 'linalg_householder_product',
    'linalg_tensorinv', 'linalg_tensorsolve', 'geqrf', 'qr', 'svd', 'triangular_solve',
    'fractional_max_pool2d', 'fractional_max_pool3d', 'adaptive_max_pool3d', 'linalg_qr',
    'linalg_cholesky_ex', 'linalg_svd', 'linalg_eig', 'linalg_eigh', 'linalg_lstsq',
    'linalg_inv_ex'), FP32))
_CPU.update(dict.fromkeys(('cat', 'stack', 'index_copy', 'bilinear'), PROMOTE))

# PyTorch's CUDA lists (AutocastCUDA)
_CUDA = dict.fromkeys((
    'conv1d', 'conv2d', 'conv3d', 'conv_tbc', 'conv_transpose1d', 'conv_transpose2d',
    'conv_transpose3d', 'prelu', 'addmm', 'addmv', 'addr', 'matmul', 'einsum', 'mm', 'mv',
    'linalg_vecdot', 'linear', 'addbmm', 'baddbmm', 'bmm', 'chain_matmul', 'linalg_multi_dot',
    'lstm_cell', 'gru_cell', 'rnn_tanh_cell', 'rnn_relu_cell', 'scaled_dot_product_attention'),
    LOWER)
_CUDA.update(dict.fromkeys((
    'acos', 'asin', 'cosh', 'erfinv', 'exp', 'expm1', 'log', 'log10', 'log2', 'log1p',
    'reciprocal', 'rsqrt', 'sinh', 'tan', 'pow', 'softplus', 'layer_norm', 'group_norm',
    'frobenius_norm', 'nuclear_norm', 'cosine_similarity', 'poisson_nll_loss',
    'cosine_embedding_loss', 'nll_loss', 'hinge_embedding_loss', 'kl_div', 'l1_loss',
    'smooth_l1_loss', 'huber_loss', 'mse_loss', 'margin_ranking_loss', 'multilabel_margin_loss',
    'soft_margin_loss', 'triplet_margin_loss', 'multi_margin_loss',
    'binary_cross_entropy_with_logits', 'dist', 'pdist', 'cdist', 'renorm', 'logsumexp',
    'interpolate', 'norm', 'normalize',
    # composite in PyTorch (log_softmax + nll_loss, both float32 on CUDA): same result
    'cross_entropy'), FP32))
_CUDA.update(dict.fromkeys((
    'prod', 'softmax', 'log_softmax', 'softmin', 'cumprod', 'cumsum', 'vector_norm',
    'matrix_norm', 'sum'), FP32_OPT))
_CUDA.update(dict.fromkeys((
    'addcdiv', 'addcmul', 'atan2', 'bilinear', 'cross', 'dot', 'vdot', 'grid_sample',
    'index_put', 'tensordot', 'scatter_add', 'cat', 'stack', 'index_copy'), PROMOTE))
# binary_cross_entropy is banned under CUDA autocast (unsafe in float16), as in PyTorch
_CUDA_BANNED = {'binary_cross_entropy'}

TABLE = {'cpu': _CPU, 'cuda': _CUDA}

Tensor = None
_f32 = None
_f64 = np.dtype(np.float64)


def _init():
    global Tensor, _f32
    from .._tensor import Tensor as T
    from .. import _dtype
    Tensor, _f32 = T, _dtype.float32


def refresh():
    """Recompute ``on[0]`` after a state change."""
    on[0] = _excluded[0] == 0 and (_enabled['cpu'] or _enabled['cuda'])


def _first(args):
    """The first Tensor among ``args`` (looking into lists/tuples, as for ``cat``)."""
    for a in args:
        if isinstance(a, Tensor):
            return a
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Tensor):
                    return b
    return None


def _eligible(t, dev):
    """A floating-point, non-float64 Tensor on the autocast device (PyTorch's ``is_eligible``)."""
    d = t._data.dtype
    return t.dtype.is_floating_point and d != _f64 and t.device.type == dev


def _cast_one(t, to, dev):
    if not _eligible(t, dev) or t.dtype is to:
        return t
    # the weight cache: a float32 leaf that requires grad is cast once per autocast region
    if _cache_enabled[0] and to is not _f32 and t._rg and t.grad_fn is None and \
            t.dtype is _f32 and t._base is None:
        hit = _cache.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        c = t.to(to)
        _cache[id(t)] = (t, c)
        return c
    return t.to(to)


def _cast(args, to, dev):
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = _cast_one(a, to, dev)
        elif isinstance(a, (list, tuple)) and a and isinstance(a[0], Tensor):
            a = type(a)(_cast_one(b, to, dev) if isinstance(b, Tensor) else b for b in a)
        out.append(a)
    return out


def _promote_to(args, low, dev):
    """The widest floating type among the eligible Tensors (float32 beats the low type)."""
    to = low
    for a in args:
        seq = a if isinstance(a, (list, tuple)) else (a,)
        for b in seq:
            if isinstance(b, Tensor) and _eligible(b, dev) and b.dtype is not to:
                to = _f32
    return to


def policy(name, dev):
    """The cast policy of op ``name`` under ``dev``'s autocast (None: runs as is)."""
    return TABLE.get(dev, {}).get(name)


def run(name, fn, *args, **kw):
    """Call op ``fn`` (named ``name`` in PyTorch's lists) under the active autocast policy.

    Calls with ``out=`` or an explicit ``dtype=`` are not autocast, as in PyTorch.
    """
    if Tensor is None:
        _init()
    t = _first(args)
    pol = None
    if t is not None and kw.get('out') is None:
        dev = t.device.type
        if _enabled.get(dev):
            pol = TABLE[dev].get(name)
            if pol is not None and kw.get('dtype') is not None:
                pol = None
    low = None
    if pol is not None:
        if dev == 'cuda' and name in _CUDA_BANNED:
            raise RuntimeError(
                'torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to '
                'autocast.\nMany models use a sigmoid layer right before the binary cross '
                'entropy layer.\nIn this case, combine the two layers using '
                'torch.nn.functional.binary_cross_entropy_with_logits\nor '
                'torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and '
                'BCEWithLogits are\nsafe to autocast.')
        if pol == LOWER:
            low = _fast[dev]
            args = _cast(args, low, dev)
        elif pol == FP32:
            args = _cast(args, _f32, dev)
        elif pol == FP32_OPT:
            if _eligible(t, dev) and t.dtype is not _f32:
                args = [t.to(_f32) if a is t else a for a in args]
        else:
            args = _cast(args, _promote_to(args, _fast[dev], dev), dev)
    _excluded[0] += 1
    on[0] = False
    try:
        out = fn(*args, **kw)
    finally:
        _excluded[0] -= 1
        refresh()
    if low is not None and low.name == 'bfloat16':
        out = _fix_low(out, low)
    return out


def _fix_low(out, low):
    """NumPy's matmul of bfloat16 (ml_dtypes) returns float32: round the result to the
    autocast dtype, which is what PyTorch's lower-precision kernels return."""
    if isinstance(out, Tensor):
        if out._data.dtype == np.float32:
            # the output is fresh and no consumer has recorded it yet: round it in place, so
            # the gradient reaching its node has the node's operands' dtype
            out._data = out._data.astype(low.np)
        return out
    if type(out) is tuple:
        return tuple(_fix_low(o, low) if isinstance(o, Tensor) else o for o in out)
    return out

# unary ops on CUDA's float32 list (hooked in pointwise's unary factory only when listed)
UNARY = frozenset(n for n in ('acos', 'asin', 'cosh', 'erfinv', 'exp', 'expm1', 'log', 'log10',
                              'log2', 'log1p', 'rsqrt', 'sinh', 'tan') if n in _CUDA)
