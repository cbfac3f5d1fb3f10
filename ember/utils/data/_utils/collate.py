"""Collation (``torch.utils.data._utils.collate``): merging a list of samples into a batch."""
import collections.abc
import copy
import re

import numpy as np

from .... import _dtype
from ...._tensor import Tensor, _wrap
from ....ops.creation import as_tensor, tensor
from ....ops.shape import stack
from . import shm

__all__ = ['default_collate', 'default_convert', 'collate', 'default_collate_fn_map',
           'collate_tensor_fn', 'collate_numpy_array_fn', 'collate_numpy_scalar_fn',
           'collate_float_fn', 'collate_int_fn', 'collate_str_fn']

np_str_obj_array_pattern = re.compile(r'[SaUO]')
_ndarray = np.ndarray


def default_convert(data):
    """Convert NumPy arrays and scalars (also inside mappings, namedtuples and sequences) to
    tensors, leaving everything else as it is; tuples become lists, as in PyTorch. The
    ``collate_fn`` of a DataLoader without automatic batching."""
    t = type(data)
    if isinstance(data, Tensor):
        return data
    if t.__module__ == 'numpy' and t.__name__ not in ('str_', 'string_', 'bytes_'):
        if t.__name__ == 'ndarray' and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return t({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return t([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


default_collate_err_msg_format = ('default_collate: batch must contain tensors, numpy arrays, '
                                  'numbers, dicts or lists; found {}')


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a list of samples) by the type of its first element: an exact type
    in ``collate_fn_map``, else the first key it is an instance of, else mappings, namedtuples
    and sequences recursively (tuples give lists). Other types raise TypeError."""
    elem = batch[0]
    et = type(elem)
    if collate_fn_map is not None:
        if et in collate_fn_map:
            return collate_fn_map[et](batch, collate_fn_map=collate_fn_map)
        for ct in collate_fn_map:
            if isinstance(elem, ct):
                return collate_fn_map[ct](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                              for k in elem})
                return clone
            return et({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                       for k in elem})
        except TypeError:
            return {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                    for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):
        return et(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        n = len(next(it))
        if not all(len(e) == n for e in it):
            raise RuntimeError('each element in list of batch should be of equal size')
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = collate(s, collate_fn_map=collate_fn_map)
                return clone
            return et([collate(s, collate_fn_map=collate_fn_map) for s in transposed])
        except TypeError:
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
    raise TypeError(default_collate_err_msg_format.format(et))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """``stack(batch, 0)``; in a DataLoader worker the stack is written straight into shared
    memory, so the batch reaches the main process without another copy."""
    if shm.active():
        e = batch[0]._data
        if type(e) is _ndarray:
            shape, dt = e.shape, e.dtype
            datas = []
            for t in batch:
                d = t._data
                if type(d) is not _ndarray or d.shape != shape or d.dtype != dt or t._rg:
                    break
                datas.append(d)
            else:
                out = shm.empty((len(batch),) + shape, dt)
                if out is not None:
                    np.stack(datas, out=out)
                    return _wrap(out)
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=_dtype.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {Tensor: collate_tensor_fn,
                          np.ndarray: collate_numpy_array_fn,
                          (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
                          float: collate_float_fn,
                          int: collate_int_fn,
                          str: collate_str_fn,
                          bytes: collate_str_fn}


def default_collate(batch):
    """Merge a list of samples into a batch with a new leading dimension, as PyTorch does:
    tensors are stacked; NumPy arrays and scalars become tensors (their dtype); Python ints
    give int64 (bools: bool), floats float64; str/bytes stay a list; mappings, namedtuples and
    sequences are collated field by field (tuples give lists). Unequal tensor sizes raise
    ``stack``'s RuntimeError; unsupported types a TypeError.

    Args:
        batch: a list of samples.
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
