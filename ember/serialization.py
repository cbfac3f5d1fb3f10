"""``ember.save`` / ``ember.load``: PyTorch's checkpoint format, loaded safely by default.

A checkpoint is PyTorch's zip archive: ``<name>/data.pkl`` (a protocol-2 pickle in which every
tensor is ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
backward_hooks)`` and every storage a persistent id ``('storage', torch.FloatStorage, key,
location, numel)``), one raw little-endian record ``<name>/data/<key>`` per storage (aligned to 64
bytes), and the small records ``.format_version``, ``.storage_alignment``, ``byteorder``,
``version`` and ``.data/serialization_id``. The pickle names the same globals PyTorch writes, so
real ``torch.load(weights_only=True)`` reads ember's files; when ember unpickles, those torch
names resolve to ember's objects. Views of one storage save it once and load back sharing memory.

``load`` uses a restricted unpickler by default (``weights_only=True``, PyTorch 2.6+): only an
allowlist of globals (tensors, storages, dtypes, devices, ``torch.Size``, ``OrderedDict``,
builtin containers...) plus those given to :func:`add_safe_globals` may appear in the file.
"""
import collections
import io
import os
import pickle
import random
import struct
import sys
import zlib
from _codecs import encode as _codecs_encode
from pickle import UnpicklingError

import numpy as np

from . import _dtype
from . import _quantized as _Q   # quantized dtypes/tensors (registers quint8... on _dtype)
from ._tensor import Tensor, Size, _wrap
from .backend import device as _device

__all__ = ['save', 'load', 'add_safe_globals', 'get_safe_globals', 'clear_safe_globals',
           'safe_globals', 'DEFAULT_PROTOCOL']

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C     # legacy (non-zip) format
PROTOCOL_VERSION = 1001
_ALIGN = 64

_STORAGE_NAMES = {
    'bool': 'BoolStorage', 'uint8': 'ByteStorage', 'int8': 'CharStorage',
    'int16': 'ShortStorage', 'int32': 'IntStorage', 'int64': 'LongStorage',
    'float16': 'HalfStorage', 'bfloat16': 'BFloat16Storage', 'float32': 'FloatStorage',
    'float64': 'DoubleStorage', 'complex64': 'ComplexFloatStorage',
    'complex128': 'ComplexDoubleStorage', 'quint8': 'QUInt8Storage', 'qint8': 'QInt8Storage',
    'qint32': 'QInt32Storage'}


# ====================================================================== saving
class _Global:
    """Stands for a global ``module.name`` written verbatim into the pickle (``GLOBAL`` opcode)."""
    __slots__ = ('module', 'qualname')

    def __init__(self, module, qualname):
        self.module, self.qualname = module, qualname

    def __call__(self, *a):   # pickle wants reduce functions to be callable
        raise TypeError(f'{self.module}.{self.qualname} is a placeholder')

    def __repr__(self):
        return f'{self.module}.{self.qualname}'


_GLOBALS = {}


def _g(module, name):
    k = (module, name)
    g = _GLOBALS.get(k)
    if g is None:
        g = _GLOBALS[k] = _Global(module, name)
    return g


class _StorageRef:
    """One storage to write: the root array of some tensors, seen as ``dtype`` elements."""
    __slots__ = ('key', 'root', 'dtype', 'location', 'numel')

    def __init__(self, key, root, dtype, location, numel):
        self.key, self.root, self.dtype, self.location, self.numel = key, root, dtype, location, numel


def _ptr(a):
    return a.__array_interface__['data'][0] if isinstance(a, np.ndarray) else a.data.ptr


def _root(arr):
    """The array owning ``arr``'s memory (following ``.base`` through arrays of its kind)."""
    kind = np.ndarray if isinstance(arr, np.ndarray) else type(arr)
    r = arr
    while isinstance(r.base, kind):
        r = r.base
    return r


class _Storages:
    """Assigns storage keys to tensors while pickling; views of one root share a key."""

    def __init__(self):
        self.by_root = {}      # id(root) -> _StorageRef
        self.order = []        # _StorageRefs in key order
        self.keep = []         # keeps fallback copies alive (ids stay unique)

    def _new(self, root, dt, location, numel):
        ref = _StorageRef(str(len(self.order)), root, dt, location, numel)
        self.order.append(ref)
        self.by_root[id(root)] = ref
        return ref

    def tensor_args(self, t):
        """(storage ref, offset, size, stride) of tensor ``t`` in elements."""
        arr = t._data
        dt = t.dtype
        isz = arr.dtype.itemsize
        location = 'cpu' if isinstance(arr, np.ndarray) else f'cuda:{arr.device.id}'
        root = _root(arr)
        shape = tuple(arr.shape)
        if arr.size and (root.flags.c_contiguous or root.flags.f_contiguous) \
                and root.nbytes % isz == 0:
            off_b = _ptr(arr) - _ptr(root)
            st = arr.strides
            ok = off_b >= 0 and off_b % isz == 0 and all(s >= 0 and s % isz == 0 for s in st)
            if ok:
                numel = root.nbytes // isz
                off, stride = off_b // isz, tuple(s // isz for s in st)
                ok = off + sum((n - 1) * s for n, s in zip(shape, stride)) < numel
            if ok:
                ref = self.by_root.get(id(root))
                if ref is None:
                    ref = self._new(root, dt, location, numel)
                elif ref.dtype is not dt:
                    raise RuntimeError('Cannot save multiple tensors or storages that view the '
                                       'same data as different types')
                return ref, off, shape, stride
        # not expressible as a view of its root (negative strides, odd bases): a copy of its own
        xp = np if isinstance(arr, np.ndarray) else __import__('cupy')
        own = xp.ascontiguousarray(arr)
        if own is arr and id(_root(arr)) in self.by_root:
            own = arr.copy()
        self.keep.append(own)
        ref = self._new(own, dt, location, own.size)
        stride, acc = [], 1
        for n in reversed(shape):
            stride.append(acc)
            acc *= max(n, 1)
        return ref, 0, shape, tuple(reversed(stride))


class _Pickler(pickle._Pickler):
    """Pickles ember objects under PyTorch's global names (tensors, dtypes, devices, Size)."""
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol, storages):
        super().__init__(file, protocol)
        self._storages = storages

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ('storage', _g('torch', _STORAGE_NAMES[obj.dtype.name]), obj.key,
                    obj.location, obj.numel)
        return None

    def save(self, obj, save_persistent_id=True):
        if type(obj) is _dtype.dtype:
            obj = _g('torch', obj.name)
        super().save(obj, save_persistent_id)

    def _save_global_marker(self, obj):
        if self.proto >= 4:
            self.save(obj.module)
            self.save(obj.qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + obj.module.encode('utf-8') + b'\n'
                       + obj.qualname.encode('utf-8') + b'\n')
        self.memoize(obj)

    dispatch[_Global] = _save_global_marker

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter
            if isinstance(obj, Parameter):
                return (_g('torch._utils', '_rebuild_parameter'),
                        (obj.detach(), obj.requires_grad, collections.OrderedDict()))
            ref, off, shape, stride = self._storages.tensor_args(obj)
            if isinstance(obj, _Q.QTensor):   # torch._utils._rebuild_qtensor layout
                qs = obj.qscheme()
                if qs is _Q.per_tensor_affine:
                    qp = (_g('torch', qs.name), obj.q_scale(), obj.q_zero_point())
                else:
                    qp = (_g('torch', qs.name), obj.q_per_channel_scales(),
                          obj.q_per_channel_zero_points(), obj.q_per_channel_axis())
                return (_g('torch._utils', '_rebuild_qtensor'),
                        (ref, off, shape, stride, qp, False, collections.OrderedDict()))
            return (_g('torch._utils', '_rebuild_tensor_v2'),
                    (ref, off, shape, stride, obj.requires_grad, collections.OrderedDict()))
        t = type(obj)
        if t is Size:
            return (_g('torch', 'Size'), (tuple(int(s) for s in obj),))
        if t is _device:
            return (_g('torch', 'device'),
                    (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented


def _pickler_class(pickle_module):
    if pickle_module is pickle or pickle_module is None:
        return _Pickler
    base = getattr(pickle_module, '_Pickler', None) or pickle_module.Pickler
    if not hasattr(base, 'dispatch'):   # a C pickler: no hook for writing torch's names
        raise TypeError(f'ember.save needs a pure-Python Pickler; {pickle_module.__name__}.Pickler '
                        'has no dispatch table')
    return type('_EmberPickler', (_Pickler, base), {})


def _storage_bytes(ref):
    """The bytes of a storage as a little-endian uint8 view (copied to host for CUDA)."""
    root = ref.root
    if not isinstance(root, np.ndarray):   # CUDA: to host, keeping the memory order
        root = root.get(order='C' if root.flags.c_contiguous else 'F')
    flat = root.ravel(order='K')
    if sys.byteorder == 'big' and flat.dtype.itemsize > 1:
        flat = flat.byteswap()
    return flat.view(np.uint8)


class _ZipWriter:
    """PyTorch's archive layout: stored (uncompressed) records, data aligned to 64 bytes with
    an ``FB`` padding extra field, zip64 records where sizes need them."""

    def __init__(self, f, name):
        self.f, self.name, self.pos, self.entries = f, name, 0, []

    def _write(self, b):
        self.f.write(b)
        self.pos += len(b)

    def write_record(self, name, data):
        if isinstance(data, str):
            data = data.encode('utf-8')
        fname = f'{self.name}/{name}'.encode('utf-8')
        mv = memoryview(data).cast('B') if not isinstance(data, bytes) else data
        size = len(mv)
        crc = zlib.crc32(mv) & 0xFFFFFFFF
        big = size >= 0xFFFFFFFF
        z64 = struct.pack('<HHQQ', 1, 16, size, size) if big else b''
        start = self.pos + 30 + len(fname) + len(z64) + 4
        pad = (-start) % _ALIGN
        extra = z64 + b'FB' + struct.pack('<H', pad) + b'Z' * pad
        s32 = 0xFFFFFFFF if big else size
        offset = self.pos
        self._write(struct.pack('<4sHHHHHIIIHH', b'PK\x03\x04', 45 if big else 20, 0x0800, 0, 0,
                                33, crc, s32, s32, len(fname), len(extra)) + fname + extra)
        self._write(mv)
        self.entries.append((fname, crc, size, offset))

    def close(self):
        cd_start = self.pos
        for fname, crc, size, offset in self.entries:
            big_s, big_o = size >= 0xFFFFFFFF, offset >= 0xFFFFFFFF
            fields = (struct.pack('<QQ', size, size) if big_s else b'') + \
                (struct.pack('<Q', offset) if big_o else b'')
            extra = struct.pack('<HH', 1, len(fields)) + fields if fields else b''
            s32 = 0xFFFFFFFF if big_s else size
            v = 45 if fields else 20
            self._write(struct.pack('<4sHHHHHHIIIHHHHHII', b'PK\x01\x02', v, v, 0x0800, 0, 0, 33,
                                    crc, s32, s32, len(fname), len(extra), 0, 0, 0, 0,
                                    0xFFFFFFFF if big_o else offset) + fname + extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        if n >= 0xFFFF or cd_start >= 0xFFFFFFFF or cd_size >= 0xFFFFFFFF:
            z64_at = self.pos
            self._write(struct.pack('<4sQHHIIQQQQ', b'PK\x06\x06', 44, 45, 45, 0, 0, n, n,
                                    cd_size, cd_start))
            self._write(struct.pack('<4sIQI', b'PK\x06\x07', 0, z64_at, 1))
        self._write(struct.pack('<4sHHHHIIH', b'PK\x05\x06', 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0))


def _dump(obj, pickle_module, pickle_protocol):
    """(pickle bytes, storages) of ``obj``."""
    storages = _Storages()
    buf = io.BytesIO()
    _pickler_class(pickle_module)(buf, pickle_protocol, storages).dump(obj)
    return buf.getvalue(), storages


def _write_zip(f, name, data_pkl, storages):
    z = _ZipWriter(f, name)
    z.write_record('data.pkl', data_pkl)
    z.write_record('.format_version', '1')
    z.write_record('.storage_alignment', str(_ALIGN))
    z.write_record('byteorder', 'little')
    for ref in storages.order:
        z.write_record(f'data/{ref.key}', _storage_bytes(ref))
    z.write_record('version', '3\n')
    z.write_record('.data/serialization_id',
                   '%020d%020d' % (random.getrandbits(64), random.getrandbits(64)))
    z.close()


def _write_legacy(f, obj, pickle_module, pickle_protocol):
    pm = pickle_module or pickle
    for head in (MAGIC_NUMBER, PROTOCOL_VERSION,
                 {'protocol_version': PROTOCOL_VERSION, 'little_endian': True,
                  'type_sizes': {'short': 2, 'int': 4, 'long': 4}}):
        pm.dump(head, f, protocol=pickle_protocol)

    class _Legacy(_pickler_class(pickle_module)):
        def persistent_id(self, o):
            pid = super().persistent_id(o)
            return pid + (None,) if pid is not None else None

    storages = _Storages()
    _Legacy(f, pickle_protocol, storages).dump(obj)
    pm.dump([r.key for r in storages.order], f, protocol=pickle_protocol)
    for ref in storages.order:
        f.write(struct.pack('<q', ref.numel))
        f.write(memoryview(_storage_bytes(ref)))


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` in PyTorch's checkpoint format (``torch.save``).

    Args:
        obj: tensors, ``state_dict``s, optimizer states, containers, numbers, strings, or any
            picklable object (modules are pickled by class reference, as PyTorch does).
        f: a path (str or PathLike) or a writable binary file object.
        pickle_module: the module pickling metadata (default :mod:`pickle`).
        pickle_protocol: pickle protocol (default 2, like PyTorch).
        _use_new_zipfile_serialization: False writes PyTorch's legacy (pre-1.6) format.

    A path is written atomically: into a temporary file in the same directory, flushed and
    fsync'ed, then ``os.replace``d over the target, so an interrupted save never leaves a
    truncated checkpoint in place of the previous one.
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if os.path.islink(path):   # write through a symlink, as open() would
            path = os.path.realpath(path)
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise RuntimeError(f'Parent directory {parent} does not exist.')
        if os.path.isdir(path):
            raise IsADirectoryError(f'[Errno 21] Is a directory: {path!r}')
        name = os.path.splitext(os.path.basename(path))[0] or 'archive'
        if _use_new_zipfile_serialization:
            data_pkl, storages = _dump(obj, pickle_module, pickle_protocol)
        tmp = None
        for _ in range(100):
            cand = os.path.join(parent, f'.{os.path.basename(path)}.{random.getrandbits(48):012x}.tmp')
            try:
                fd = os.open(cand, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0),
                             0o666)
            except FileExistsError:
                continue
            tmp = cand
            break
        if tmp is None:
            raise FileExistsError(f'could not create a temporary file beside {path}')
        try:
            with os.fdopen(fd, 'wb') as fh:
                if _use_new_zipfile_serialization:
                    _write_zip(fh, name, data_pkl, storages)
                else:
                    _write_legacy(fh, obj, pickle_module, pickle_protocol)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:   # make the rename itself durable
            dfd = os.open(parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
        return
    if not hasattr(f, 'write'):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    if _use_new_zipfile_serialization:
        data_pkl, storages = _dump(obj, pickle_module, pickle_protocol)
        _write_zip(f, 'archive', data_pkl, storages)
    else:
        _write_legacy(f, obj, pickle_module, pickle_protocol)
    if hasattr(f, 'flush'):
        f.flush()


# ====================================================================== loading
class _StorageType:
    """What ``torch.FloatStorage`` (etc.) unpickles to: carries the storage's dtype."""
    __slots__ = ('name', 'dtype')

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f'torch.{self.name}'

    def __call__(self, *a, **k):
        raise TypeError(f'ember has no constructor for torch.{self.name}')


_STORAGE_TYPES = {n: _StorageType(n, getattr(_dtype, d)) for d, n in _STORAGE_NAMES.items()}
_STORAGE_TYPES['UntypedStorage'] = _StorageType('UntypedStorage', _dtype.uint8)


class _Storage:
    """A loaded storage: a 1-D uint8 array (numpy or cupy) of raw bytes, handed to a
    ``map_location`` callable as PyTorch hands it an ``UntypedStorage``."""
    __slots__ = ('raw', '__weakref__')

    def __init__(self, raw):
        self.raw = raw

    @property
    def device(self):
        if isinstance(self.raw, np.ndarray):
            return _device('cpu')
        return _device('cuda', self.raw.device.id)

    @property
    def is_cuda(self):
        return not isinstance(self.raw, np.ndarray)

    def nbytes(self):
        return self.raw.nbytes

    size = __len__ = nbytes

    def cpu(self):
        return self if isinstance(self.raw, np.ndarray) else _Storage(self.raw.get())

    def cuda(self, device=None, non_blocking=False):
        from .backend import cuda, canonical
        dev = canonical(_device('cuda') if device is None else
                        _device('cuda', device) if isinstance(device, int) else _device(device))
        return _Storage(cuda.to_device(self.raw, dev.index))

    def to(self, device=None, non_blocking=False):
        dev = _device(device) if not isinstance(device, _device) else device
        return self.cpu() if dev.type == 'cpu' else self.cuda(dev)

    def __repr__(self):
        return f'<ember storage of {self.raw.nbytes} bytes on {self.device}>'


_CUDA_MSG = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
             "False. If you are running on a CPU-only machine, please use torch.load with "
             "map_location=torch.device('cpu') to map your storages to the CPU.")


def _default_restore(storage, location):
    loc = str(location)
    if loc == 'cpu':
        return storage.cpu()
    if loc == 'cuda' or loc.startswith('cuda:'):
        from .backend import cuda
        if not cuda.is_available():
            raise RuntimeError(_CUDA_MSG)
        idx = int(loc[5:]) if loc.startswith('cuda:') else cuda.current_device()
        n = cuda.device_count()
        if idx >= n:
            raise RuntimeError(f'Attempting to deserialize object on CUDA device {idx} but '
                               f'torch.cuda.device_count() is {n}. Please use torch.load with '
                               'map_location to map your storages to an existing device.')
        return storage.cuda(idx)
    raise RuntimeError("don't know how to restore data location of torch.storage.UntypedStorage "
                       f'(tagged with {loc})')


def _restore_fn(map_location):
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        return lambda s, loc: _default_restore(s, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes)):
        ml = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda s, loc: _default_restore(s, ml)
    if isinstance(map_location, _device):
        return lambda s, loc: _default_restore(s, str(map_location))
    if callable(map_location):
        def restore(s, loc):
            r = map_location(s, loc)
            if r is None:
                return _default_restore(s, loc)
            if not isinstance(r, _Storage):
                raise TypeError(f'map_location must return a storage, got {type(r).__name__}')
            return r
        return restore
    raise TypeError(f'map_location should be a str, device, dict or callable, '
                    f'got {type(map_location).__name__}')


class _Typed:
    """A storage with the dtype its persistent id declared (what ``_rebuild_tensor_v2`` gets)."""
    __slots__ = ('storage', 'dtype')

    def __init__(self, storage, dtype):
        self.storage, self.dtype = storage, dtype


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """A tensor viewing ``storage`` (what ``torch._utils._rebuild_tensor_v2`` unpickles to)."""
    if not isinstance(storage, _Typed):
        raise UnpicklingError(f'_rebuild_tensor_v2 expects a storage, got {type(storage).__name__}')
    dt = storage.dtype
    npdt = _dtype.to_np(dt)
    raw = storage.storage.raw
    isz = npdt.itemsize
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) \
            or storage_offset < 0:
        raise RuntimeError(f'invalid tensor geometry: size {size}, stride {stride}, '
                           f'offset {storage_offset}')
    if 0 not in size:
        need = (storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))) * isz
        if need > raw.nbytes:
            raise RuntimeError(f'setStorage: sizes {list(size)}, strides {list(stride)}, storage '
                               f'offset {storage_offset}, and itemsize {isz} requiring a storage '
                               f'size of {need} are out of bounds for storage of size {raw.nbytes}')
        off = storage_offset * isz
    else:
        off = 0
    bstrides = tuple(s * isz for s in stride)
    if isinstance(raw, np.ndarray):
        if 0 in size:
            arr = np.empty(size, npdt)
        else:
            arr = np.ndarray(size, npdt, buffer=raw, offset=off, strides=bstrides)
    else:
        import cupy
        arr = cupy.ndarray(size, npdt, memptr=raw.data + off, strides=bstrides) if 0 not in size \
            else cupy.empty(size, npdt)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad,
                     backward_hooks=None):
    """A quantized tensor (what ``torch._utils._rebuild_qtensor`` unpickles to)."""
    t = _rebuild_tensor_v2(storage, storage_offset, size, stride)
    qs = quantizer_params[0]
    if qs is _Q.per_tensor_affine:
        return _Q._make_q(t._data, storage.dtype, qs, float(quantizer_params[1]),
                          int(quantizer_params[2]))
    if qs in (_Q.per_channel_affine, _Q.per_channel_affine_float_qparams):
        return _Q._make_q(t._data, storage.dtype, qs, quantizer_params[1],
                          quantizer_params[2], int(quantizer_params[3]))
    raise RuntimeError(f"Can't deserialize quantized tensor with qscheme {qs}")


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad)
    _set_obj_state(p, state)
    return p


def _set_obj_state(obj, state):
    if not state:
        return
    if isinstance(state, tuple) and len(state) == 2:
        d, slots = state
    else:
        d, slots = state, None
    for src in (d, slots):
        if src:
            for k, v in src.items():
                setattr(obj, k, v)


def _rebuild_from_type_v2(func, new_type, args, state):
    ret = func(*args)
    if type(ret) is not new_type and isinstance(ret, Tensor) and issubclass(new_type, Tensor):
        obj = object.__new__(new_type)
        for k in ('_data', '_rg', 'grad_fn', '_out_nr', '_vc', '_base', '_view_src', '_grad',
                  '_hooks', '_accum'):
            setattr(obj, k, getattr(ret, k))
        ret = obj
    if state:
        setstate = getattr(type(ret), '__setstate__', Tensor.__setstate__)
        if setstate is not Tensor.__setstate__:
            ret.__setstate__(state)
        else:
            _set_obj_state(ret, state)
    return ret


def _get_layout(name):
    return name


def _torch_names():
    """PyTorch global name -> ember object, for names a checkpoint may use."""
    from .nn.parameter import Parameter
    m = {'torch._utils._rebuild_tensor_v2': _rebuild_tensor_v2,
         'torch._utils._rebuild_tensor': _rebuild_tensor,
         'torch._utils._rebuild_qtensor': _rebuild_qtensor,
         'torch._utils._rebuild_parameter': _rebuild_parameter,
         'torch._utils._rebuild_parameter_with_state': _rebuild_parameter_with_state,
         'torch._tensor._rebuild_from_type_v2': _rebuild_from_type_v2,
         'torch.serialization._get_layout': _get_layout,
         'torch.Tensor': Tensor, 'torch._tensor.Tensor': Tensor,
         'torch.nn.parameter.Parameter': Parameter, 'torch.nn.Parameter': Parameter,
         'torch.Size': Size, 'torch.device': _device,
         'torch.storage.UntypedStorage': _STORAGE_TYPES['UntypedStorage'],
         'torch.UntypedStorage': _STORAGE_TYPES['UntypedStorage']}
    for d in _dtype.ALL + (_Q.quint8, _Q.qint8, _Q.qint32):
        m['torch.' + d.name] = d
    for qs in (_Q.per_tensor_affine, _Q.per_channel_affine, _Q.per_tensor_symmetric,
               _Q.per_channel_symmetric, _Q.per_channel_affine_float_qparams):
        m['torch.' + qs.name] = qs
    for n, st in _STORAGE_TYPES.items():
        m['torch.' + n] = st
        m['torch.cuda.' + n] = st
    return m


_SAFE_BUILTINS = {'collections.OrderedDict': collections.OrderedDict,
                  'collections.Counter': collections.Counter,
                  '_codecs.encode': _codecs_encode,
                  'builtins.bytearray': bytearray, 'builtins.set': set,
                  'builtins.frozenset': frozenset, 'builtins.complex': complex,
                  'builtins.slice': slice}
_TORCH = None


def _torch_map():
    global _TORCH
    if _TORCH is None:
        _TORCH = _torch_names()
    return _TORCH


# ---------------------------------------------------------------- safe globals
_BLOCKED_MODULES = ('sys', 'os', 'posix', 'nt')
_user_safe = set()


def add_safe_globals(safe_globals):
    """Mark globals (classes/functions, or ``(obj, "module.name")`` pairs) as safe for
    ``weights_only`` loading (``torch.serialization.add_safe_globals``)."""
    global _user_safe
    _user_safe = _user_safe | set(safe_globals)


def get_safe_globals():
    """The globals marked safe by :func:`add_safe_globals` (``torch.serialization.get_safe_globals``)."""
    return list(_user_safe)


def clear_safe_globals():
    """Forget every global added with :func:`add_safe_globals`."""
    global _user_safe
    _user_safe = set()


class safe_globals:
    """Context manager adding globals as safe for ``weights_only`` loads inside its block
    (``torch.serialization.safe_globals``)."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        global _user_safe
        self._prev = _user_safe
        _user_safe = _user_safe | set(self.safe_globals)
        return self

    def __exit__(self, *exc):
        global _user_safe
        _user_safe = self._prev
        return False


def _user_allowed():
    out = {}
    for g in _user_safe:
        if isinstance(g, tuple):
            out[g[1]] = g[0]
        else:
            out[f'{g.__module__}.{g.__qualname__}'] = g
    return out


# ---------------------------------------------------------------- unpicklers
def _map_py2(proto, module, name, fix_imports=True):
    if proto < 3 and fix_imports:
        import _compat_pickle as cp
        if (module, name) in cp.NAME_MAPPING:
            module, name = cp.NAME_MAPPING[(module, name)]
        elif module in cp.IMPORT_MAPPING:
            module = cp.IMPORT_MAPPING[module]
    return module, name


def _weights_msg(full):
    return (f'Unsupported global: GLOBAL {full} was not an allowed global by default. '
            f'Please use `ember.serialization.add_safe_globals([{full}])` or the '
            f'`ember.serialization.safe_globals([{full}])` context manager to allowlist this '
            'global if you trust this class/function.')


class _WeightsUnpickler(pickle._Unpickler):
    """A restricted unpickler: globals only from the allowlist, objects built only from
    allowlisted classes, state set only on allowlisted instances."""
    dispatch = pickle._Unpickler.dispatch.copy()

    def __init__(self, file, persistent_load, modules=False, **kw):
        super().__init__(file, **kw)
        self._modules_ok = modules
        if persistent_load is not None:
            self.persistent_load = persistent_load
        self._user = _user_allowed()
        self._ok = {id(v) for v in _torch_map().values()}
        self._ok.update(id(v) for v in _SAFE_BUILTINS.values())
        self._ok.update(id(v) for v in self._user.values())
        from .nn.parameter import Parameter
        self._types = (collections.OrderedDict, collections.Counter, Tensor, Parameter, Size) + \
            tuple(v for v in self._user.values() if isinstance(v, type))

    def find_class(self, module, name):
        module, name = _map_py2(self.proto, module, name, self.fix_imports)
        full = f'{module}.{name}'
        if full in _SAFE_BUILTINS:
            return _SAFE_BUILTINS[full]
        tm = _torch_map()
        if full in tm:
            return tm[full]
        if module.split('.')[0] in _BLOCKED_MODULES:
            raise UnpicklingError(f'Trying to load unsupported GLOBAL {full} whose module '
                                  f'{module} is blocked.' + '\n' + _weights_msg(full))
        if full in self._user:
            return self._user[full]
        cls = self._loaded_module_class(module, name) if self._modules_ok else None
        if cls is not None:
            return cls
        if full.startswith('torch.') and name[:1].isupper() and name.endswith('Storage'):
            raise UnpicklingError(f'ember has no counterpart of the storage type {full}')
        if full.startswith('torch.') and full[6:] not in ('',) and '.' not in full[6:]:
            raise UnpicklingError(f'ember cannot load {full} (no ember counterpart); '
                                  + _weights_msg(full))
        raise UnpicklingError(_weights_msg(full))

    def _loaded_module_class(self, module, name):
        """An ``nn.Module`` subclass of a module this program has already imported (no import
        happens, so no code from the file runs): lets the default load read back a whole model
        saved with ``torch.save(model, f)``, as the tutorial does. Explicit
        ``weights_only=True`` refuses it, as PyTorch does."""
        from .nn.module import Module
        obj = sys.modules.get(module)
        for part in name.split('.'):
            obj = getattr(obj, part, None) if obj is not None else None
        if not (isinstance(obj, type) and issubclass(obj, Module)):
            return None
        self._ok.add(id(obj))
        self._types = self._types + (obj,)
        return obj

    def _check_callable(self, f):
        if id(f) not in self._ok:
            raise UnpicklingError(f'Trying to call reduce for unrecognized function {f!r}')

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        self._check_callable(func)
        stack[-1] = func(*args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_callable(cls)
        from .nn.parameter import Parameter
        self.append(Parameter(*args) if cls is Parameter else cls.__new__(cls, *args))

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_callable(cls)
        self.append(cls.__new__(cls, *args, **kwargs))

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def _refuse(self):
        raise UnpicklingError('Unsupported operand for weights_only loading: INST/OBJ')

    dispatch[pickle.INST[0]] = _refuse
    dispatch[pickle.OBJ[0]] = _refuse

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if not isinstance(inst, self._types) or isinstance(inst, type):
            raise UnpicklingError(f'Can only build Tensor, Parameter, OrderedDict or types '
                                  f'allowlisted via `add_safe_globals`, but got {type(inst)}')
        if isinstance(inst, Tensor):   # only public attributes, never ember's internals
            d = state[0] if isinstance(state, tuple) and len(state) == 2 else state
            if isinstance(d, dict):
                _set_obj_state(inst, {k: v for k, v in d.items()
                                      if isinstance(k, str) and not k.startswith('_')})
            return
        setstate = getattr(inst, '__setstate__', None)
        from .nn.module import Module
        if isinstance(inst, Module) and isinstance(state, dict):
            Module.__setstate__(inst, state)
            return
        if setstate is not None and type(inst) in self._user.values():
            setstate(state)
            return
        _set_obj_state(inst, state)

    dispatch[pickle.BUILD[0]] = load_build


def _full_unpickler(pickle_module):
    base = getattr(pickle_module, 'Unpickler', pickle.Unpickler)

    class _Unpickler(base):
        def find_class(self, module, name):
            m, n = _map_py2(getattr(self, 'proto', 2), module, name)
            obj = _torch_map().get(f'{m}.{n}')
            if obj is not None:
                return obj
            return super().find_class(module, name)

    return _Unpickler


# ---------------------------------------------------------------- the archive
class _FileName:
    def __init__(self, f):
        self.name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else \
            getattr(f, 'name', None) if isinstance(getattr(f, 'name', None), str) else None

    def __str__(self):
        return f" (while loading '{self.name}')" if self.name else ''


def _zip_error(what, fname):
    return RuntimeError(
        f'PytorchStreamReader failed reading zip archive: {what}. If you are seeing this error, '
        'there is a high likelihood that your checkpoint file is corrupted. This can happen if '
        'the checkpoint was not saved properly, was transferred incorrectly, or the file was '
        f'modified after saving.{fname}')


class _ZipReader:
    def __init__(self, f, fname, mmap_path=None):
        import zipfile
        self.f, self.fname = f, fname
        try:
            self.z = zipfile.ZipFile(f)
        except zipfile.BadZipFile as e:
            if 'not a zip file' in str(e):
                raise _zip_error('failed finding central directory', fname) from None
            raise _zip_error(str(e), fname) from None
        names = self.z.namelist()
        if not names:
            raise _zip_error('archive has no records', fname)
        first = names[0]
        if '/' not in first:
            raise _zip_error('file in archive is not in a subdirectory', fname)
        self.prefix = first.split('/', 1)[0] + '/'
        self.info = {n[len(self.prefix):]: i for n, i in zip(names, self.z.infolist())
                     if n.startswith(self.prefix)}
        if 'data.pkl' not in self.info:
            if 'constants.pkl' in self.info:
                raise RuntimeError(f'{fname.name} is a TorchScript archive; ember cannot load '
                                   'TorchScript (torch.jit) files')
            raise _zip_error('file not found: data.pkl', fname)
        self.mm = None
        if mmap_path is not None:
            self.mm = np.memmap(mmap_path, dtype=np.uint8, mode='c')

    def has(self, name):
        return name in self.info

    def read_small(self, name):
        try:
            return self.z.read(self.info[name])
        except Exception as e:
            raise _zip_error(f'reading record {name} failed: {e}', self.fname) from None

    def _data_offset(self, info):
        self.f.seek(info.header_offset)
        h = self.f.read(30)
        if len(h) < 30 or h[:4] != b'PK\x03\x04':
            raise _zip_error(f'bad local header for {info.filename}', self.fname)
        nlen, elen = struct.unpack('<HH', h[26:30])
        return info.header_offset + 30 + nlen + elen

    def read_array(self, name):
        """Record ``name`` as a writable 1-D uint8 array (memory-mapped with ``mmap``)."""
        info = self.info.get(name)
        if info is None:
            raise _zip_error(f'file not found: {self.prefix}{name}', self.fname)
        if info.compress_type != 0:   # not PyTorch-written: let zipfile inflate it
            return np.frombuffer(bytearray(self.read_small(name)), np.uint8)
        off = self._data_offset(info)
        n = info.file_size
        if self.mm is not None:
            if off + n > self.mm.size:
                raise _zip_error(f'record {name} is truncated', self.fname)
            return self.mm[off:off + n]
        arr = np.empty(n, np.uint8)
        self.f.seek(off)
        got = self.f.readinto(memoryview(arr)) if hasattr(self.f, 'readinto') else None
        if got is None:
            b = self.f.read(n)
            got = len(b)
            arr[:got] = np.frombuffer(b, np.uint8)
        if got != n:
            raise _zip_error(f'record {name} is truncated ({got} of {n} bytes)', self.fname)
        if info.CRC and (zlib.crc32(memoryview(arr)) & 0xFFFFFFFF) != info.CRC:
            raise RuntimeError(f'PytorchStreamReader failed reading file {self.prefix}{name}: '
                               f'invalid CRC-32 (the checkpoint is corrupted){self.fname}')
        return arr


def _swap_if_big(raw, dt, byteorder):
    if byteorder == sys.byteorder or dt.itemsize == 1:
        return raw
    npdt = _dtype.to_np(dt)
    return raw.view(npdt).byteswap().view(np.uint8)


def _load_zip(zr, map_location, unpickler_cls, weights_only, pickle_load_args):
    restore = _restore_fn(map_location)
    byteorder = zr.read_small('byteorder').decode() if zr.has('byteorder') else 'little'
    loaded = {}

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or not saved_id or saved_id[0] != 'storage':
            raise UnpicklingError(f'Unknown saved id type: {saved_id!r}')
        _, stype, key, location, numel = saved_id[:5]
        if not isinstance(stype, _StorageType):
            raise UnpicklingError(f'unknown storage type {stype!r}')
        dt = stype.dtype
        st = loaded.get(key)
        if st is None:
            raw = zr.read_array(f'data/{key}')
            if raw.nbytes < numel * dt.itemsize:
                raise RuntimeError(f'storage data/{key} holds {raw.nbytes} bytes, fewer than the '
                                   f'{numel} elements of {dt} it declares{zr.fname}')
            raw = _swap_if_big(raw, dt, byteorder)
            st = loaded[key] = restore(_Storage(raw), location)
        return _Typed(st, dt)

    data = io.BytesIO(zr.read_small('data.pkl'))
    if weights_only:
        up = _WeightsUnpickler(data, persistent_load, modules=weights_only == _DEFAULT, **pickle_load_args)
    else:
        up = unpickler_cls(data, **pickle_load_args)
        up.persistent_load = persistent_load
    return up.load()


def _load_legacy(f, map_location, unpickler_cls, weights_only, pickle_load_args, fname):
    """PyTorch's pre-1.6 format: pickles (magic, version, sys info, the object, storage keys)
    followed by each storage as an int64 element count and its raw bytes. Storages are
    allocated while the object unpickles and filled afterwards, on the CPU."""
    restore = _restore_fn(map_location)

    def plain():
        return _WeightsUnpickler(f, None, modules=weights_only == _DEFAULT, **pickle_load_args).load()

    try:
        magic = plain()
    except Exception:
        raise RuntimeError(f'Invalid magic number; corrupt file?{fname} (neither a zip '
                           "checkpoint nor PyTorch's legacy format)") from None
    if magic != MAGIC_NUMBER:
        raise RuntimeError(f'Invalid magic number; corrupt file?{fname}')
    version = plain()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f'Invalid protocol version: {version}{fname}')
    plain()   # sys info
    loaded = {}

    def persistent_load(saved_id):
        if saved_id[0] == 'module':
            return saved_id[1]
        _, stype, key, location, numel, view = saved_id
        st = loaded.get(key)
        if st is None:
            loc = str(location)
            if loc != 'cpu':
                probe = restore(_Storage(np.empty(0, np.uint8)), loc)   # raises PyTorch's errors
                if not isinstance(probe.raw, np.ndarray):
                    raise RuntimeError('ember loads legacy-format checkpoints to the CPU only: '
                                       f"pass map_location='cpu'{fname}")
            st = loaded[key] = _Storage(np.empty(numel * stype.dtype.itemsize, np.uint8))
        if view is not None:
            _, off, vbytes = view
            st = _Storage(st.raw[off:off + vbytes])
        return _Typed(st, stype.dtype)

    if weights_only:
        up = _WeightsUnpickler(f, persistent_load, modules=weights_only == _DEFAULT, **pickle_load_args)
    else:
        up = unpickler_cls(f, **pickle_load_args)
        up.persistent_load = persistent_load
    out = up.load()
    keys = plain()
    for key in keys:
        hdr = f.read(8)
        st = loaded.get(key)
        if len(hdr) < 8 or st is None:
            raise RuntimeError(f'legacy checkpoint is truncated or corrupt{fname}')
        raw = st.raw
        if f.readinto(memoryview(raw)) != raw.nbytes:
            raise RuntimeError(f'legacy checkpoint is truncated{fname}')
    return out


_UNSAFE = ('Re-running `ember.load` with `weights_only` set to `False` will likely succeed, but it '
           'can result in arbitrary code execution. Do it only if you got the file from a trusted '
           'source.')


def _wo_error(e, fname):
    msg = str(e)
    if 'was not an allowed global by default' in msg:
        text = ('Weights only load failed. This file can still be loaded, to do so you have two '
                'options, do those steps only if you trust the source of the checkpoint. '
                f'\n\t(1) {_UNSAFE}\n\t(2) Alternatively, to load with `weights_only=True` please '
                'check the recommended steps in the following error message.\n\tWeightsUnpickler '
                'error: ' + msg)
    else:
        text = f'Weights only load failed. {_UNSAFE}\n\n{msg}'
    return UnpicklingError(text + str(fname))


_DEFAULT = 'default'   # weights_only not given: safe loading that also reads whole models


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``ember.save`` or ``torch.save`` (``torch.load``).

    Args:
        f: a path (str or PathLike) or a readable binary file object.
        map_location: where storages go: a str or ``ember.device`` for all of them, a dict
            mapping saved locations to new ones (``{'cuda:0': 'cpu'}``), or a callable
            ``(storage, location) -> storage`` (returning None keeps the default).
        pickle_module: module for unpickling (only with ``weights_only=False``).
        weights_only: True (the default, as in PyTorch 2.6+) restricts unpickling to tensors,
            containers, primitive types and globals allowed by :func:`add_safe_globals`; False
            unpickles arbitrary objects (whole modules) and may run code from the file.
        mmap: memory-map the file's storages (copy-on-write) instead of reading them.
        pickle_load_args: passed to the unpickler (``encoding`` defaults to ``'utf-8'``).

    With ``weights_only`` left at its default, the restricted unpickler also accepts
    ``nn.Module`` classes that the program has already imported, so ``torch.load('model.pth')``
    of a whole model saved by ``torch.save(model, ...)`` works as the tutorial shows (PyTorch
    2.6+ refuses it); nothing is imported and no other code runs. ``weights_only=True`` given
    explicitly refuses them as PyTorch does.

    A file that references a disallowed global raises ``pickle.UnpicklingError`` naming it;
    truncated or corrupted archives raise RuntimeError naming the file. PyTorch's legacy
    (pre-1.6, non-zip) format loads too.
    """
    if weights_only is None:
        weights_only = _DEFAULT if pickle_module is None and \
            os.getenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '0') not in ('1', 'y', 'yes', 'true') \
            else False
    if weights_only and pickle_module is not None:
        raise RuntimeError('Can not safely load weights when explicit pickle_module is specified')
    pickle_module = pickle_module or pickle
    pickle_load_args.setdefault('encoding', 'utf-8')
    fname = _FileName(f)
    opened = None
    if isinstance(f, (str, os.PathLike)):
        opened = fh = open(f, 'rb')
    else:
        fh = f
        if not hasattr(fh, 'read'):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
        if not (hasattr(fh, 'seekable') and fh.seekable()):
            fh = io.BytesIO(fh.read())
    try:
        start = fh.tell()
        head = fh.read(4)
        fh.seek(start)
        if not head:
            raise EOFError(f'Ran out of input: the checkpoint is empty{fname}')
        unpickler_cls = _full_unpickler(pickle_module)
        try:
            if head == b'PK\x03\x04':
                mpath = None
                if mmap:
                    if opened is None:
                        raise ValueError('f must be a file path in order to use the mmap argument')
                    mpath = os.fspath(f)
                zr = _ZipReader(fh, fname, mpath)
                return _load_zip(zr, map_location, unpickler_cls, weights_only, pickle_load_args)
            if mmap:
                raise RuntimeError('mmap can only be used with files saved with '
                                   '`torch.save(_use_new_zipfile_serialization=True), please '
                                   'torch.save your checkpoint with this option in order to use '
                                   f'mmap.{fname}')
            import tarfile
            if opened is not None and tarfile.is_tarfile(os.fspath(f)):
                raise RuntimeError(f'{fname.name} is in PyTorch\'s oldest (tar) checkpoint format, '
                                   'which ember cannot load; re-save it with a recent PyTorch')
            return _load_legacy(fh, map_location, unpickler_cls, weights_only, pickle_load_args,
                                fname)
        except UnpicklingError as e:
            if weights_only and not str(e).startswith('Weights only load failed'):
                raise _wo_error(e, fname) from None
            raise
    finally:
        if opened is not None:
            opened.close()
