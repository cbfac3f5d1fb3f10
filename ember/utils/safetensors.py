"""``save_file`` / ``load_file`` in the safetensors format (``safetensors.torch``'s API).

Goes through the ``safetensors`` package (``pip install "ember[safetensors]"``), imported lazily.
Files interchange with ``safetensors.torch``: same dtype codes (``F32``, ``BF16``, ``BOOL``...).
"""
import os

import numpy as np

from .. import _dtype

__all__ = ['save_file', 'load_file', 'save', 'load']

_CODES = {'bool': 'BOOL', 'uint8': 'U8', 'int8': 'I8', 'int16': 'I16', 'int32': 'I32',
          'int64': 'I64', 'float16': 'F16', 'bfloat16': 'BF16', 'float32': 'F32',
          'float64': 'F64', 'complex64': 'C64', 'complex128': 'C128'}
_FROM_CODE = {v: k for k, v in _CODES.items()}


def _lib():
    try:
        import safetensors
    except ImportError:
        raise ImportError('ember.utils.safetensors needs the safetensors package: '
                          'pip install "ember[safetensors]"') from None
    return safetensors


def _host(t, name):
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise ValueError(f'Key `{name}` is invalid, expected ember.Tensor but received {type(t)}')
    a = t._data
    if not isinstance(a, np.ndarray):
        a = a.get()
    return np.ascontiguousarray(a)


def _specs(tensors):
    lib = _lib()
    arrays = {k: _host(v, k) for k, v in tensors.items()}
    _check_shared(tensors)
    spec = getattr(lib, 'TensorSpec', None)
    if spec is not None:
        return arrays, {k: spec(dtype=a.dtype.name, shape=list(a.shape), data_ptr=a.ctypes.data,
                                data_len=a.nbytes) for k, a in arrays.items()}
    return arrays, {k: {'dtype': _CODES[_dtype.from_np(a.dtype).name], 'shape': list(a.shape),
                        'data': a.tobytes()} for k, a in arrays.items()}


def _check_shared(tensors):
    seen = {}
    for k, v in tensors.items():
        from ..serialization import _root
        r = id(_root(v._data))
        if r in seen and v._data.size:
            raise RuntimeError(f'Some tensors share memory, this will lead to duplicate memory on '
                               f'disk and potential differences when loading them again: '
                               f'[{seen[r]!r}, {k!r}].')
        seen[r] = k


def save_file(tensors, filename, metadata=None):
    """Save a dict of tensors to ``filename`` in the safetensors format.

    Args:
        tensors: ``{name: Tensor}``; tensors must not share memory (as in safetensors.torch).
        filename: the path to write.
        metadata: optional ``{str: str}`` stored in the header.
    """
    lib = _lib()
    arrays, specs = _specs(tensors)
    lib.serialize_file(specs, os.fspath(filename), metadata=metadata)
    del arrays


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors."""
    lib = _lib()
    arrays, specs = _specs(tensors)
    out = bytes(lib.serialize(specs, metadata=metadata))
    del arrays
    return out


def _from_records(records, device):
    from .._tensor import _wrap
    out = {}
    for name, rec in records:
        code = rec['dtype']
        if code not in _FROM_CODE:
            raise TypeError(f'ember has no dtype for safetensors type {code}')
        npdt = _dtype.to_np(getattr(_dtype, _FROM_CODE[code]))
        arr = np.frombuffer(rec['data'], npdt).reshape(rec['shape'])
        if not arr.flags.writeable:
            arr = arr.copy()
        t = _wrap(arr)
        if str(device) != 'cpu':
            t = t.to(device)
        out[name] = t
    return out


def load(data, device='cpu'):
    """Tensors from safetensors bytes."""
    return _from_records(_lib().deserialize(data), device)


def load_file(filename, device='cpu'):
    """Load a safetensors file into ``{name: Tensor}`` on ``device``."""
    with open(filename, 'rb') as f:
        data = f.read()
    return load(data, device)
