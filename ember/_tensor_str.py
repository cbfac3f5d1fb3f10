"""Tensor printing in PyTorch's format: ``repr(t)``, ``str(t)`` and ``set_printoptions``.

The rules mirror ``torch/_tensor_str.py``: one formatter per tensor (two for complex: real and
imaginary parts) decides between integer mode (``1.``), fixed point (``1.2346``) and scientific
notation (``1.2346e+05``) from the *shown* nonzero finite values; its width pads every element;
summarised tensors (more than ``threshold`` elements) show ``edgeitems`` items at each end of
every dimension with ``...`` between. Only the shown elements are gathered (and, for a CUDA
tensor, copied to the host) and formatted.
"""
import contextlib
import dataclasses
import math

import numpy as np

__all__ = ['set_printoptions', 'get_printoptions']


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors (mirrors ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point for floating values (default 4).
        threshold: number of elements above which a tensor is summarised (default 1000).
        edgeitems: items shown at each end of each dimension when summarised (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``'default'``, ``'short'`` (precision 2, edgeitems 2) or ``'full'`` (no
            summarisation); the other arguments override it.
        sci_mode: force (True) or forbid (False) scientific notation; None (the default) lets
            the formatter choose. Like PyTorch, every call resets it to the value passed.
    """
    if profile is not None:
        if profile == 'default':
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == 'short':
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == 'full':
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that sets print options (as ``set_printoptions``) and restores them."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------- formatting
_mod = getattr(getattr(np, 'strings', None), 'mod', None)


def _fmt(fmt, values):
    """``fmt % v`` for every value of a float64 array: a string array of the same shape."""
    if _mod is not None:
        return _mod(fmt, values)
    return np.array([fmt % v for v in values.ravel().tolist()], dtype=str).reshape(values.shape)


def _format_real(v):
    """Format the shown values ``v`` (float64, or an integer/bool array) like PyTorch's
    ``_Formatter``: returns (unpadded strings, width)."""
    if v.dtype.kind in 'biu':
        s = v.astype(str)
        return s, max(1, int(np.char.str_len(s).max())) if s.size else 1
    p = PRINT_OPTS.precision
    mask = np.isfinite(v) & (v != 0)
    nz = np.abs(v[mask])
    if nz.size == 0:   # no nonzero finite value: integer mode, width 1 (nothing is padded)
        int_mode, sci = True, False
    else:
        int_mode = bool((nz == np.ceil(nz)).all())
        if PRINT_OPTS.sci_mode is None:
            mx, mn = nz.max(), nz.min()
            sci = bool(mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4)
        else:
            sci = bool(PRINT_OPTS.sci_mode)
    if sci:
        s = _fmt(f'%.{p}e', v)
    elif int_mode:
        s = _fmt('%.0f', v)
        s = np.where(np.isfinite(v), np.char.add(s, '.'), s)
    else:
        s = _fmt(f'%.{p}f', v)
    shown = s[mask]
    width = max(1, int(np.char.str_len(shown).max())) if shown.size else 1
    return s, width


def _element_strings(arr):
    """Padded strings for every element of the (numpy) array of shown values, and the width
    one element takes on a line (PyTorch's ``element_length`` less the ", ")."""
    if arr.dtype.kind == 'c':
        re, w1 = _format_real(arr.real.astype(np.float64))
        im, w2 = _format_real(arr.imag.astype(np.float64))
        re = np.char.rjust(re, w1)
        im = np.char.add(im, 'j')
        sign = np.char.startswith(im, '-') | np.char.startswith(im, '+')
        out = np.char.add(np.char.add(re, np.where(sign, '', '+')), im)
        return out, w1 + w2 + 1
    if arr.dtype.kind in 'biu':
        s, w = _format_real(arr)
    else:
        s, w = _format_real(arr.astype(np.float64))
    return np.char.rjust(s, w), w


def _shown(data, summarize):
    """The shown part of ``data`` as a NumPy array, and for each dim whether it was cut."""
    e = PRINT_OPTS.edgeitems
    cut = [summarize and n > 2 * e for n in data.shape]
    if any(cut):
        from .backend import xp_of
        xp = xp_of(data)
        idx = [xp.concatenate((xp.arange(e), xp.arange(n - e, n))) if c else xp.arange(n)
               for n, c in zip(data.shape, cut)]
        data = data[xp.ix_(*idx)]
    if type(data) is not np.ndarray:
        data = data.get()
    return data, cut


def _vector(items, cut, indent, elem_len):
    e = PRINT_OPTS.edgeitems
    if cut:
        items = items[:e] + [' ...'] + items[e:]
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (elem_len + 2)))
    lines = [', '.join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return '[' + (',\n' + ' ' * (indent + 1)).join(lines) + ']'


def _nested(s, cut, d, indent, elem_len):
    if s.ndim == 1:
        return _vector(s.tolist(), cut[d], indent, elem_len)
    subs = [_nested(s[i], cut, d + 1, indent + 1, elem_len) for i in range(s.shape[0])]
    if cut[d]:
        e = PRINT_OPTS.edgeitems
        subs = subs[:e] + ['...'] + subs[e:]
    return '[' + (',' + '\n' * (s.ndim - 1) + ' ' * (indent + 1)).join(subs) + ']'


def _tensor_str(data, indent):
    """The bracketed body of a nonempty tensor's repr."""
    summarize = data.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems and data.ndim:
        return '[...]'
    shown, cut = _shown(data, summarize)
    s, elem_len = _element_strings(shown)
    if shown.ndim == 0:
        return str(s)
    return _nested(s, cut, 0, indent, elem_len)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind('\n') + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(',\n' + ' ' * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(', ' + suffix)
            last_line_len += len(suffix) + 2
    parts.append(')')
    return ''.join(parts)


def tensor_repr(t, tensor_contents=None):
    """``repr(t)`` exactly as PyTorch prints the same tensor."""
    from . import _dtype
    cls = type(t)
    plain = cls.__name__ in ('Tensor', 'Parameter') and cls.__module__.startswith('ember')
    prefix = 'tensor(' if plain else cls.__name__ + '('
    indent = len(prefix)
    data = t._data
    dt = t.dtype
    suffixes = []
    dev = t.device
    if dev.type != 'cpu':
        suffixes.append(f"device='{dev}'")
    default = _dtype.get_default_dtype()
    default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append('size=' + str(tuple(data.shape)))
        if dt is not default:
            suffixes.append('dtype=' + str(dt))
        body = '[]'
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append('size=' + str(tuple(data.shape)))
        if dt not in (default, default_complex, _dtype.int64, _dtype.bool):
            suffixes.append('dtype=' + str(dt))
        body = _tensor_str(data, indent)
    if tensor_contents is not None:
        body = tensor_contents
    if t.grad_fn is not None:
        suffixes.append(f'grad_fn=<{t.grad_fn.name()}>')
    elif t._rg:
        suffixes.append('requires_grad=True')
    return _add_suffixes(prefix + body, suffixes, indent)
