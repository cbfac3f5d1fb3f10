"""Copying a batch into page-locked (pinned) host memory for fast transfers to the GPU."""
import collections.abc
import copy


def pin_memory(data, device=None):
    """``data`` with every tensor (or object with a ``pin_memory()`` method) pinned, the
    containers rebuilt as PyTorch's ``pin_memory`` does."""
    if hasattr(data, 'pin_memory'):
        return data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: pin_memory(v, device) for k, v in data.items()})
                return clone
            return type(data)({k: pin_memory(v, device) for k, v in data.items()})
        except TypeError:
            return {k: pin_memory(v, device) for k, v in data.items()}
    if isinstance(data, tuple):
        if hasattr(data, '_fields'):
            return type(data)(*(pin_memory(s, device) for s in data))
        return type(data)(pin_memory(s, device) for s in data)
    if isinstance(data, collections.abc.Sequence):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, item in enumerate(data):
                    clone[i] = pin_memory(item, device)
                return clone
            return type(data)([pin_memory(s, device) for s in data])
        except TypeError:
            return [pin_memory(s, device) for s in data]
    return data


def accelerator_available():
    """Whether pinning means anything here: a CUDA device and tensors that can be pinned."""
    try:
        from ....backend import cuda
        if not cuda.is_available():
            return False
    except Exception:
        return False
    from ...._tensor import Tensor
    return hasattr(Tensor, 'pin_memory')
