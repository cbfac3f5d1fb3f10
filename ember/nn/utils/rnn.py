"""Variable-length sequences for RNNs (``torch.nn.utils.rnn``): ``PackedSequence``,
``pack_padded_sequence``, ``pad_packed_sequence``, ``pad_sequence``, ``unpad_sequence``,
``pack_sequence``, ``unpack_sequence``, ``invert_permutation``.

Packing and padding are single gathers (``index_select``/advanced indexing) with index arrays
built once in NumPy from the lengths, so they are differentiable and loop-free.
"""
from collections.abc import Iterable
from typing import NamedTuple, Optional

import numpy as np

from ..._tensor import Tensor

__all__ = ['PackedSequence', 'invert_permutation', 'pack_padded_sequence', 'pad_packed_sequence',
           'pad_sequence', 'unpad_sequence', 'pack_sequence', 'unpack_sequence']


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """The data of a batch of variable-length sequences, time step by time step.

    Attributes:
        data: (sum of lengths, *) the packed rows; rows of step t follow those of step t-1.
        batch_sizes: int64 CPU tensor, number of sequences still running at each step.
        sorted_indices, unsorted_indices: int64 permutations (or None) between the caller's
            batch order and the length-sorted order used inside.

    Built by ``pack_padded_sequence``/``pack_sequence``, as in PyTorch.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != 'cpu':
                raise ValueError(
                    'batch_sizes should always be on CPU. Instances of PackedSequence should '
                    'never be created manually. They should be instantiated by functions like '
                    'pack_sequence and pack_padded_sequences in nn.utils.rnn. '
                    'https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence')
        else:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError('Expected data to be a list or tuple of length 2')
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          _bind(self.sorted_indices, lambda t: t.pin_memory()),
                          _bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args, **kwargs):
        """``data.to(...)``; the index tensors follow ``data``'s device. Returns ``self``
        when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        return type(self)(data, self.batch_sizes,
                          _bind(self.sorted_indices, lambda t: t.to(dev)),
                          _bind(self.unsorted_indices, lambda t: t.to(dev)))

    def cuda(self, device=None, non_blocking=False):
        return self.to('cuda' if device is None else device)

    def cpu(self):
        return self.to('cpu')

    def double(self):
        from ... import float64
        return self.to(dtype=float64)

    def float(self):
        from ... import float32
        return self.to(dtype=float32)

    def half(self):
        from ... import float16
        return self.to(dtype=float16)

    def long(self):
        from ... import int64
        return self.to(dtype=int64)

    def int(self):
        from ... import int32
        return self.to(dtype=int32)

    def short(self):
        from ... import int16
        return self.to(dtype=int16)

    def char(self):
        from ... import int8
        return self.to(dtype=int8)

    def byte(self):
        from ... import uint8
        return self.to(dtype=uint8)

    @property
    def is_cuda(self):
        """True if ``data`` is on a GPU."""
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _tensor(arr, device=None):
    from ...ops.creation import as_tensor
    return as_tensor(arr, device=device)


def invert_permutation(permutation):
    """The inverse of a 1-D index permutation (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    xp = np if isinstance(p, np.ndarray) else __import__('cupy')
    out = xp.empty_like(p)
    out[p] = xp.arange(p.size, dtype=p.dtype)
    return _tensor(out)


def _lengths_np(lengths):
    if isinstance(lengths, Tensor):
        return np.asarray(lengths.cpu().numpy(), dtype=np.int64).reshape(-1)
    return np.asarray([int(x) for x in lengths], dtype=np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with batch_first) of sequences of
    the given ``lengths`` into a ``PackedSequence``.

    Args:
        input: padded sequences.
        lengths: list or CPU tensor of lengths, one per batch element.
        batch_first: input layout.
        enforce_sorted: if True, lengths must be non-increasing (else RuntimeError, as
            PyTorch); if False the batch is sorted (stably) and the permutation recorded.
    """
    lengths = _lengths_np(lengths)
    batch_dim = 0 if batch_first else 1
    if enforce_sorted:
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind='stable')
        lengths = lengths[order]
        sorted_indices = _tensor(order, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if enforce_sorted and (np.diff(lengths) > 0).any():
        raise RuntimeError('`lengths` array must be sorted in decreasing order when '
                           '`enforce_sorted` is True. You can pass `enforce_sorted=False` to '
                           'pack_padded_sequence and/or pack_sequence to sidestep this '
                           'requirement if you do not need ONNX exportability.')
    B = input.shape[batch_dim]
    if lengths.size != B:
        raise RuntimeError(f'Expected `len(lengths)` to be equal to batch_size, but got '
                           f'{lengths.size} (batch_size={B})')
    if (lengths <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    T = int(lengths[0])
    mask = np.arange(T)[:, None] < lengths[None, :]          # (T, B), rows are prefixes
    batch_sizes = mask.sum(1).astype(np.int64)
    ti, bi = np.nonzero(mask)                                 # time-major order
    ti = _tensor(ti, device=input.device)
    bi = _tensor(bi, device=input.device)
    data = input[bi, ti] if batch_first else input[ti, bi]
    return PackedSequence(data, _tensor(batch_sizes), sorted_indices, None)


def _packed_positions(bs, T):
    """For a (T, B) padded grid: the row of packed data at each position, or -1."""
    B = int(bs[0])
    offs = np.concatenate([[0], np.cumsum(bs)[:-1]])
    pos = np.full((T, B), -1, np.int64)
    n = len(bs)
    b = np.arange(B)
    valid = b[None, :] < bs[:, None]
    pos[:n][valid] = (offs[:, None] + b[None, :])[valid]
    return pos


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of ``pack_padded_sequence``: ``(padded, lengths)`` with padded ``(T, B, *)``
    (``(B, T, *)`` with batch_first), batch in the original order; ``total_length`` pads
    further (ValueError if shorter than the longest sequence, as in PyTorch)."""
    bs = _lengths_np(sequence.batch_sizes)
    max_seq_length = len(bs)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError('Expected total_length to be at least the length of the longest '
                             'sequence in input, but got '
                             f'total_length={total_length} and max sequence length being '
                             f'{max_seq_length}')
        max_seq_length = total_length
    data = sequence.data
    N = data.shape[0]
    pos = _packed_positions(bs, max_seq_length)
    B = pos.shape[1]
    lengths = (pos >= 0).sum(0).astype(np.int64)
    if batch_first:
        pos = pos.T
    gidx = np.where(pos < 0, N, pos).reshape(-1)
    from ...ops.creation import full
    from ...ops.shape import cat
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    ext = cat([data, pad])
    out = ext.index_select(0, _tensor(gidx, device=data.device))
    out = out.reshape(pos.shape + tuple(data.shape[1:]))
    lengths = _tensor(lengths)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return (out.index_select(batch_dim, unsorted_indices),
                lengths[unsorted_indices.cpu()])
    return out, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    """Stack a list of ``(L_i, *)`` tensors into ``(T, B, *)`` (``(B, T, *)`` with
    batch_first), padding with ``padding_value`` on the ``padding_side`` ('right' or 'left')."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError('pad_sequence: Expected iterable for input sequences, but got arg of '
                           f'type: {type(sequences)}')
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError('received an empty list of sequences')
    if padding_side not in ('left', 'right'):
        raise RuntimeError(f'Expected padding_side to be one of left or right, but got '
                           f'{padding_side}.')
    lens = np.array([s.shape[0] for s in sequences], np.int64)
    T = int(lens.max())
    B = len(sequences)
    rest = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != rest:
            for d, (a, b) in enumerate(zip(rest, s.shape[1:])):
                if a != b:
                    raise RuntimeError(f'The size of tensor a ({a}) must match the size of '
                                       f'tensor b ({b}) at non-singleton dimension {d + 1}')
            raise RuntimeError('The expanded size of the tensor must match the existing size')
    N = int(lens.sum())
    offs = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(T)[:, None]
    start = (T - lens)[None, :] if padding_side == 'left' else np.zeros((1, B), np.int64)
    k = t - start                                            # index within each sequence
    valid = (k >= 0) & (k < lens[None, :])
    pos = np.where(valid, offs[None, :] + k, N)               # (T, B)
    if batch_first:
        pos = pos.T
    s0 = sequences[0]
    from ...ops.creation import full
    from ...ops.shape import cat
    pad = full((1,) + rest, padding_value, dtype=s0.dtype, device=s0.device)
    ext = cat(list(sequences) + [pad])
    out = ext.index_select(0, _tensor(pos.reshape(-1), device=s0.device))
    return out.reshape(pos.shape + rest)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of ``(L_i, *)`` tensors. As in PyTorch, a
    time-major input is transposed in place (``padded_sequences.transpose_(0, 1)``)."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    lens = _lengths_np(lengths)
    n = padded_sequences.shape[0]
    if lens.size != n:
        which = 'shorter' if lens.size < n else 'longer'
        raise ValueError(f'zip() argument 2 is {which} than argument 1')
    return [padded_sequences[i][:int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences held by a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
