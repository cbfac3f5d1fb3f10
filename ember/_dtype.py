"""dtypes, the default dtype and PyTorch's type-promotion rules.

An ``ember.dtype`` wraps a NumPy dtype. Promotion follows PyTorch, not NumPy:
``int64 + float32 -> float32``, ``float16 + bfloat16 -> float32``, and
zero-dim tensors and Python scalars only promote across categories
(bool < integer < floating < complex).
"""
import builtins as _b

import numpy as np

builtins_bool, builtins_int, builtins_float = _b.bool, _b.int, _b.float

try:  # bfloat16 is an optional extra: ember[bfloat16]
    import ml_dtypes as _ml
    _BF16 = np.dtype(_ml.bfloat16)
except ImportError:  # pragma: no cover - exercised only without the extra
    _ml = None
    _BF16 = None

__all__ = ['dtype', 'bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16',
           'float32', 'float64', 'complex64', 'complex128', 'half', 'float', 'double', 'short',
           'int', 'long', 'cfloat', 'cdouble', 'get_default_dtype', 'set_default_dtype',
           'promote_types', 'result_type', 'can_cast', 'finfo', 'iinfo']

# category ranks: 0 bool, 1 integer, 2 floating, 3 complex
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; mirrors ``torch.dtype``."""
    __slots__ = ('name', 'np', 'itemsize', 'is_floating_point', 'is_complex', 'is_signed',
                 '_cat', '_rank')

    def __init__(self, name, npdtype, cat, rank, signed):
        self.name = name
        self.np = npdtype
        self.itemsize = npdtype.itemsize if npdtype is not None else 2
        self.is_floating_point = cat == _FLOAT
        self.is_complex = cat == _COMPLEX
        self.is_signed = signed
        self._cat = cat
        self._rank = rank

    def __repr__(self):
        return 'torch.' + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {'complex64': float32, 'complex128': float64}.get(self.name, self)

    def to_complex(self):
        return {'float64': complex128}.get(self.name, complex64)


def _by_name(name):
    return globals()[name]


bool = dtype('bool', np.dtype(np.bool_), _BOOL, 0, False)
uint8 = dtype('uint8', np.dtype(np.uint8), _INT, 1, False)
int8 = dtype('int8', np.dtype(np.int8), _INT, 1, True)
int16 = dtype('int16', np.dtype(np.int16), _INT, 2, True)
int32 = dtype('int32', np.dtype(np.int32), _INT, 3, True)
int64 = dtype('int64', np.dtype(np.int64), _INT, 4, True)
float16 = dtype('float16', np.dtype(np.float16), _FLOAT, 1, True)
bfloat16 = dtype('bfloat16', _BF16, _FLOAT, 1, True)
float32 = dtype('float32', np.dtype(np.float32), _FLOAT, 2, True)
float64 = dtype('float64', np.dtype(np.float64), _FLOAT, 3, True)
complex64 = dtype('complex64', np.dtype(np.complex64), _COMPLEX, 2, True)
complex128 = dtype('complex128', np.dtype(np.complex128), _COMPLEX, 3, True)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128)
# NumPy dtype -> ember dtype
NP2DT = {d.np: d for d in ALL if d.np is not None}

_default = [float32]


def get_default_dtype():
    """The dtype of floating tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating dtype; like PyTorch only float32/float64/float16/bfloat16."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f'only floating-point types are supported as the default type, got {d}')
    _default[0] = d


def to_np(d):
    """The NumPy dtype of an ember dtype, with a clear error where the extra is missing."""
    n = d.np
    if n is None:
        raise RuntimeError(f'{d} needs the ml_dtypes package: pip install "ember[bfloat16]"')
    return n


def from_np(npdtype):
    """ember dtype of a NumPy dtype; TypeError for types PyTorch has no counterpart of."""
    try:
        return NP2DT[npdtype]
    except KeyError:
        npdtype = np.dtype(npdtype)
        if npdtype in NP2DT:
            return NP2DT[npdtype]
        raise TypeError(f"can't convert np.ndarray of type {npdtype}. The only supported types are: "
                        'float64, float32, float16, complex64, complex128, int64, int32, int16, '
                        'int8, uint8, and bool.') from None


def _promote(a, b):
    if a is b:
        return a
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi._cat == _COMPLEX and lo._cat == _FLOAT and lo._rank > hi._rank:
            return complex128
        return hi
    if a._cat == _INT:
        if a.is_signed == b.is_signed:
            return a if a._rank > b._rank else b
        u, s = (a, b) if not a.is_signed else (b, a)   # only uint8 is unsigned
        return s if s._rank > u._rank else int16
    if a._rank == b._rank:   # float16 with bfloat16
        return float32
    return a if a._rank > b._rank else b


_PROMO = {(a, b): _promote(a, b) for a in ALL for b in ALL}


def promote_types(type1, type2):
    """The smallest dtype both can be cast to, by PyTorch's table (``torch.promote_types``)."""
    return _PROMO[type1, type2]


def _combine(higher, lower):
    # c10's combine_categories: a lower-priority participant matters only if it is of a higher
    # category than the higher-priority result.
    if higher is None:
        return lower
    if lower is None or higher._cat >= _FLOAT:
        if lower is not None and higher._cat == _FLOAT and lower._cat == _COMPLEX:
            return higher.to_complex()
        return higher
    if higher is bool or lower._cat >= _FLOAT:
        return _PROMO[higher, lower]
    return higher


def scalar_type(x):
    """dtype a Python scalar takes as a wrapped number (float -> default dtype)."""
    if isinstance(x, (builtins_bool, np.bool_)):
        return bool
    if isinstance(x, (builtins_int, np.integer)):
        return int64
    if isinstance(x, complex):
        return complex64 if _default[0] is not float64 else complex128
    return _default[0]


def result_type(*operands):
    """dtype of an op over tensors and scalars by PyTorch's rules (``torch.result_type``).

    Tensors with dims rank above zero-dim tensors, which rank above Python scalars; a lower
    rank only matters when its category (bool < int < float < complex) is higher.
    """
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, 'dtype', None)
        if isinstance(d, dtype):
            if x.ndim:
                dim = d if dim is None else _PROMO[dim, d]
            else:
                zero = d if zero is None else _PROMO[zero, d]
        else:
            d = scalar_type(x)
            wrapped = d if wrapped is None else _PROMO[wrapped, d]
    return _combine(dim, _combine(zero, wrapped))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_ -> to`` (no lower category)."""
    return from_._cat <= to._cat


class finfo:
    """Machine limits of a floating dtype; mirrors ``torch.finfo``."""

    def __init__(self, type=None):
        type = type or _default[0]
        if not (type.is_floating_point or type.is_complex):
            raise TypeError('torch.finfo() requires a floating point input type. '
                            'Use torch.iinfo to handle \'torch.finfo\'')
        f = (_ml.finfo(to_np(type)) if type is bfloat16 else np.finfo(to_np(type.to_real())))
        self.bits, self.eps, self.max, self.min = f.bits, builtins_float(f.eps), builtins_float(f.max), builtins_float(f.min)
        self.tiny = self.smallest_normal = builtins_float(f.smallest_normal)
        self.resolution = 10.0 ** -builtins_int(f.precision)
        self.dtype = type.to_real().name

    def __repr__(self):
        return (f'finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, '
                f'eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, '
                f'dtype={self.dtype})')



class iinfo:
    """Limits of an integer dtype; mirrors ``torch.iinfo``."""

    def __init__(self, type):
        if type.is_floating_point or type.is_complex:
            raise TypeError('torch.iinfo() requires an integer input type. '
                            'Use torch.finfo to handle \'torch.finfo\'')
        i = np.iinfo(type.np) if type is not bool else None
        self.bits = type.itemsize * 8
        self.min, self.max = (0, 1) if i is None else (builtins_int(i.min), builtins_int(i.max))
        self.dtype = type.name

    def __repr__(self):
        return f'iinfo(min={self.min}, max={self.max}, dtype={self.dtype})'
