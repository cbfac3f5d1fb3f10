"""Process groups and collectives (``torch.distributed``'s ``distributed_c10d``) on MPI and NCCL.

Ranks are processes started by ``mpiexec`` (``python -m ember.distributed.run`` does that the
way ``torchrun`` starts its workers): MPI tells each its rank and the world size.
Host (NumPy) tensors travel through MPI (``mpi4py``); CUDA (CuPy) tensors through NCCL
(``cupy.cuda.nccl``) on an ``'nccl'`` group, or staged through host memory on a ``'gloo'``/
``'mpi'`` group. The ``'gloo'`` backend runs on the MPI engine, so scripts written for gloo run
unchanged.
"""
import os
import warnings
from datetime import timedelta

import numpy as np

from . import _engines
from ._engines import ReduceOp, op_code, _check_op

__all__ = [
    'Backend', 'GroupMember', 'P2POp', 'ProcessGroup', 'ReduceOp', 'Work', 'all_gather',
    'all_gather_into_tensor', 'all_gather_object', 'all_reduce', 'all_to_all',
    'all_to_all_single', 'barrier', 'batch_isend_irecv', 'broadcast', 'broadcast_object_list',
    'destroy_process_group', 'gather', 'gather_object', 'get_backend', 'get_global_rank',
    'get_group_rank', 'get_node_local_rank', 'get_process_group_ranks', 'get_rank',
    'get_world_size', 'group', 'init_process_group', 'irecv', 'is_backend_available',
    'is_gloo_available', 'is_initialized', 'is_mpi_available', 'is_nccl_available',
    'is_torchelastic_launched', 'isend', 'monitored_barrier', 'new_group', 'recv',
    'recv_object_list', 'reduce', 'reduce_scatter', 'reduce_scatter_tensor', 'scatter',
    'scatter_object_list', 'send', 'send_object_list', 'default_pg_timeout',
    'all_reduce_coalesced', 'reduce_op',
]

default_pg_timeout = timedelta(minutes=30)
reduce_op = ReduceOp

_NOT_INIT = ('Default process group has not been initialized, please make sure to call '
             'init_process_group.')


class Backend(str):
    """A backend name (``torch.distributed.Backend``): ``'gloo'``, ``'nccl'``, ``'mpi'``."""
    UNDEFINED = 'undefined'
    GLOO = 'gloo'
    NCCL = 'nccl'
    MPI = 'mpi'
    backend_list = ['undefined', 'gloo', 'nccl', 'mpi']

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f'Backend constructor parameter must be string-ish, but got: '
                             f'{type(name)}')
        value = name if ':' in name else name.lower()
        return str.__new__(cls, value)


def _parse_backend(backend):
    """{'cpu': name, 'cuda': name} for a backend string ('gloo', 'nccl', 'cpu:gloo,cuda:nccl')."""
    if backend is None:
        from ..backend import cuda as _cuda
        if _cuda.is_available() and is_nccl_available():
            return 'cpu:gloo,cuda:nccl', {'cpu': 'gloo', 'cuda': 'nccl'}
        return 'gloo', {'cpu': 'gloo', 'cuda': 'gloo'}
    b = str(backend).lower()
    if ':' in b:
        table = {}
        for item in b.split(','):
            dev, _, name = item.partition(':')
            table[dev.strip()] = name.strip()
        for name in table.values():
            if name not in ('gloo', 'nccl', 'mpi'):
                raise ValueError(f'Invalid backend: {name!r}')
        return b, table
    if b == 'nccl':
        return b, {'cuda': 'nccl'}
    if b in ('gloo', 'mpi'):
        return b, {'cpu': b, 'cuda': b}
    raise ValueError(f"Invalid backend: '{backend}'")


class ProcessGroup:
    """A set of ranks with its own communicator (``torch.distributed.ProcessGroup``)."""

    def __init__(self, comm, backend, table, ranks, name=''):
        self._comm = comm
        self._backend = Backend(backend)
        self._table = table
        self._ranks = list(ranks)          # global ranks, in group-rank order
        self._mpi = _engines.MPIEngine(comm)
        self._nccl = None
        self.group_name = name

    def rank(self):
        return self._comm.Get_rank()

    def size(self):
        return self._comm.Get_size()

    def name(self):
        return self._backend

    def _engine(self, arr):
        """The engine for ``arr``'s device under this group's backend."""
        cuda = not isinstance(arr, np.ndarray)
        dev = 'cuda' if cuda else 'cpu'
        name = self._table.get(dev)
        if name is None:
            raise RuntimeError(f'No backend type associated with device type {dev}')
        if name == 'nccl':
            if self._nccl is None:
                self._nccl = _engines.NCCLEngine(self._comm)
            return self._nccl, False
        return self._mpi, cuda              # MPI: CUDA arrays are staged through host memory

    def __repr__(self):
        return f'<ProcessGroup {self._backend} ranks={self._ranks}>'


class _NonGroupMember:
    def __repr__(self):
        return 'GroupMember.NON_GROUP_MEMBER'


class _GroupMeta(type):
    @property
    def WORLD(cls):
        return _state.world


class GroupMember(metaclass=_GroupMeta):
    """``GroupMember.WORLD`` (the default group) and ``GroupMember.NON_GROUP_MEMBER``."""
    NON_GROUP_MEMBER = _NonGroupMember()


class group(metaclass=_GroupMeta):
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""


class _State:
    world = None
    backend = None
    groups = {}          # ProcessGroup -> global ranks
    counter = 0


_state = _State()


# ---------------------------------------------------------------------------------------------
# availability

def is_mpi_available():
    """True when ``mpi4py`` is installed (the MPI engine behind 'mpi' and 'gloo')."""
    import importlib.util
    return importlib.util.find_spec('mpi4py') is not None


def is_gloo_available():
    """True when the engine behind ember's 'gloo' backend (MPI) is installed."""
    return is_mpi_available()


def is_nccl_available():
    """True when ``cupy.cuda.nccl`` imports."""
    import importlib.util
    if importlib.util.find_spec('cupy') is None:
        return False
    try:
        from cupy.cuda import nccl  # noqa: F401
        return True
    except Exception:
        return False


def is_backend_available(backend):
    b = str(backend).lower()
    if b in ('gloo', 'mpi'):
        return is_mpi_available()
    if b == 'nccl':
        return is_nccl_available()
    return False


def is_torchelastic_launched():
    """True when started by a torchrun-like launcher (``TORCHELASTIC_RUN_ID`` is set)."""
    return os.getenv('TORCHELASTIC_RUN_ID') is not None


def get_node_local_rank(fallback_rank=None):
    """``LOCAL_RANK`` from the environment (or ``fallback_rank``)."""
    if 'LOCAL_RANK' in os.environ:
        return int(os.environ['LOCAL_RANK'])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError('LOCAL_RANK is not in the environment. Consider passing fallback_rank '
                       'to allow `get_node_local_rank` to work, assuming you are not running '
                       'in a multi-device context and want the code to run locally instead.')


def is_initialized():
    """Whether the default process group has been initialised."""
    return _state.world is not None


# ---------------------------------------------------------------------------------------------
# init / destroy

def _env_int(name):
    v = os.environ.get(name)
    return None if v in (None, '') else int(v)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name='', pg_options=None, device_id=None, _ranks=None):
    """Initialise the default process group (``torch.distributed.init_process_group``).

    The ranks are the processes of the MPI job this process belongs to (started by
    ``python -m ember.distributed.run`` or ``mpiexec``); MPI gives the rank and world size.
    ``rank``/``world_size`` and the ``RANK``/``WORLD_SIZE`` environment variables, when set,
    must agree with MPI's. A lone process (not under mpiexec) is a world of size 1.

    Args:
        backend: ``'gloo'`` or ``'mpi'`` (MPI for host tensors; CUDA tensors staged), ``'nccl'``
            (CUDA tensors through NCCL), ``'cpu:gloo,cuda:nccl'``, or None (NCCL for CUDA
            when available, else gloo).
        init_method: accepted for compatibility (``'env://'``, ``'tcp://...'``, ``'file://...'``):
            MPI does the rendezvous.
        timeout, store, group_name, pg_options, device_id: accepted for compatibility.
        world_size, rank: checked against MPI's.
    """
    if _state.world is not None:
        raise ValueError('trying to initialize the default process group twice!')
    if store is not None and (rank == -1 or world_size == -1):
        raise ValueError('world_size and rank must be specified when using a store')
    name, table = _parse_backend(backend)
    if name == 'nccl' or table.get('cuda') == 'nccl' and backend is not None:
        if not is_nccl_available():
            raise RuntimeError("Distributed package doesn't have NCCL built in")
        from ..backend import cuda as _cuda
        if not _cuda.is_available():
            raise RuntimeError('ProcessGroupNCCL is only supported with GPUs, no GPUs found!')
    MPI = _engines.mpi()
    comm = MPI.COMM_WORLD
    mrank, msize = comm.Get_rank(), comm.Get_size()
    for label, given, env, actual in (('rank', rank, 'RANK', mrank),
                                      ('world_size', world_size, 'WORLD_SIZE', msize)):
        want = given if given is not None and given != -1 else _env_int(env)
        if want is not None and want != actual:
            if msize == 1 and label == 'world_size':
                raise RuntimeError(
                    f'init_process_group: world_size={want} but this process is not part of an '
                    'MPI job of that size. Start the ranks with `python -m '
                    f'ember.distributed.run --nproc_per_node {want} script.py` (or mpiexec -n '
                    f'{want} ...): ember.distributed uses MPI to connect the ranks.')
            raise RuntimeError(f'init_process_group: {label}={want} does not match the MPI '
                               f'job\'s {label} {actual}')
    wcomm = comm.Dup()
    world = ProcessGroup(wcomm, name, table, range(msize), name=group_name or '0')
    _state.world = world
    _state.backend = name
    _state.groups = {world: list(range(msize))}
    _state.counter = 1
    if device_id is not None and table.get('cuda') == 'nccl':
        world._engine(_cuda_probe())


def _cuda_probe():
    import cupy
    return cupy.zeros(1, dtype=cupy.float32)


def destroy_process_group(group=None):
    """Destroy ``group`` (default: every group, ending the default group)."""
    if _state.world is None:
        raise ValueError(_NOT_INIT)
    if group is None or group is _state.world:
        for pg in list(_state.groups):
            _free(pg)
        _state.world = None
        _state.backend = None
        _state.groups = {}
        return
    if group in _state.groups:
        _free(group)
        del _state.groups[group]


def _free(pg):
    MPI = _engines._MPI
    try:
        if pg._comm is not None and pg._comm != MPI.COMM_NULL:
            pg._comm.Free()
    except Exception:
        pass
    pg._comm = None


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None, sort_ranks=True):
    """A group of a subset of the ranks (``torch.distributed.new_group``).

    Every rank of the default group must call it (with ``use_local_synchronization=True``
    only the members). A non-member gets ``GroupMember.NON_GROUP_MEMBER``.
    """
    world = _default()
    size = world.size()
    if ranks is None or len(ranks) == 0:
        ranks = list(range(size))
    ranks = [int(r) for r in ranks]
    if sort_ranks:
        ranks = sorted(ranks)
    for r in ranks:
        if r < 0 or r >= size:
            raise ValueError("The new group's rank should be within the world_size set by "
                             'init_process_group')
    if len(set(ranks)) != len(ranks):
        raise ValueError('ranks of a new group must be unique')
    if backend is None:
        name, table = world._backend, world._table
    else:
        name, table = _parse_backend(backend)
    me = world.rank()
    mpi_group = world._comm.Get_group()
    sub = mpi_group.Incl(ranks)
    if use_local_synchronization:
        comm = world._comm.Create_group(sub) if me in ranks else None
    else:
        comm = world._comm.Create(sub)
    sub.Free()
    mpi_group.Free()
    _state.counter += 1
    if me not in ranks:
        if comm is not None and comm != _engines._MPI.COMM_NULL:
            comm.Free()
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, name, table, ranks, name=str(_state.counter - 1))
    _state.groups[pg] = ranks
    return pg


# ---------------------------------------------------------------------------------------------
# groups and ranks

def _default():
    if _state.world is None:
        raise ValueError(_NOT_INIT)
    return _state.world


def _group(group):
    if group is None or group is GroupMember.WORLD:
        return _default()
    if group is GroupMember.NON_GROUP_MEMBER:
        return group
    _default()
    if not isinstance(group, ProcessGroup):
        raise TypeError(f'group must be a ProcessGroup, got {type(group).__name__}')
    if group._comm is None:
        raise ValueError('The given group has been destroyed')
    return group


def _not_in(pg, opname):
    if pg is GroupMember.NON_GROUP_MEMBER:
        warnings.warn(f'Running {opname} on global rank {get_rank()} which does not belong to '
                      'the given group.')
        return True
    return False


def get_rank(group=None):
    """This process's rank in ``group`` (the default group when None); -1 for a non-member."""
    pg = _group(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        return -1
    if pg is _state.world:
        return pg.rank()
    return pg._ranks.index(_state.world.rank())


def get_world_size(group=None):
    """The number of ranks in ``group`` (the default group when None); -1 for a non-member."""
    pg = _group(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        return -1
    return pg.size()


def get_backend(group=None):
    """The backend of ``group`` (the default group when None)."""
    pg = _group(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        raise ValueError('Invalid process group specified')
    return pg._backend


def get_process_group_ranks(group):
    """The global ranks of ``group``'s members, in group-rank order."""
    pg = _group(group)
    return list(pg._ranks)


def get_global_rank(group, group_rank):
    """The global rank of ``group_rank`` in ``group``."""
    pg = _group(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        raise ValueError('Group GroupMember.NON_GROUP_MEMBER is not registered, please create '
                         'group with torch.distributed.new_group API')
    if not 0 <= group_rank < len(pg._ranks):
        raise ValueError(f'Group rank {group_rank} is not part of group {pg}')
    return pg._ranks[group_rank]


def get_group_rank(group, global_rank):
    """The rank in ``group`` of global rank ``global_rank``."""
    pg = _group(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        raise ValueError('Group GroupMember.NON_GROUP_MEMBER is not registered, please create '
                         'group with torch.distributed.new_group API')
    if global_rank not in pg._ranks:
        raise ValueError(f'Global rank {global_rank} is not part of group {pg}')
    return pg._ranks.index(global_rank)


def _peer(pg, global_rank, group_rank, what, default_none=False):
    """The group rank of a peer given as a global rank or a group rank."""
    if global_rank is not None and group_rank is not None:
        raise ValueError(f"Can only specify one of {what} or group_{what}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f'Group rank {group_rank} is not part of group {pg}')
        return group_rank
    if global_rank is None:
        if default_none:
            return None
        return 0
    if pg is _state.world:
        if not 0 <= global_rank < pg.size():
            raise ValueError(f'Invalid {what} rank {global_rank}: world size is {pg.size()}')
        return global_rank
    return get_group_rank(pg, global_rank)


# ---------------------------------------------------------------------------------------------
# work handles

class Work:
    """The handle of an asynchronous operation (``torch.distributed.Work``)."""

    def __init__(self, parts, finishers=(), result=None):
        self._parts = parts
        self._fins = [f for f in finishers if f is not None]
        self._done = False
        self._result = result

    def _finish(self):
        if not self._done:
            self._done = True
            fins, self._fins = self._fins, []
            for f in fins:
                f()
            self._parts = []

    def is_completed(self):
        """True when the operation has completed (then its results are in place)."""
        if not self._done and all(p.test() for p in self._parts):
            self._finish()
        return self._done

    def wait(self, timeout=None):
        """Block until the operation has completed; returns True."""
        if not self._done:
            for p in self._parts:
                p.wait()
            self._finish()
        return True

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def synchronize(self):
        self.wait()

    def result(self):
        self.wait()
        return self._result if self._result is not None else []

    def source_rank(self):
        """The rank a receive got its message from."""
        self.wait()
        for p in getattr(self, '_status_parts', ()):
            return p.status.Get_source()
        raise RuntimeError('source_rank() is only available on a receive')

    def get_future(self):
        return _Future(self)


class _Future:
    """A minimal ``torch.futures.Future`` over a Work."""

    def __init__(self, work):
        self._work = work

    def wait(self):
        self._work.wait()
        return self._work.result()

    def value(self):
        return self.wait()

    def done(self):
        return self._work.is_completed()

    def then(self, callback):
        fut = _Future(self._work)
        res = callback(self)
        fut.wait = lambda: res
        fut.value = lambda: res
        return fut


class _DoneWork(Work):
    def __init__(self, result=None):
        super().__init__([], (), result)
        self._done = True


def _launch(parts_fins, async_op, result=None):
    parts, fins = parts_fins
    w = Work(parts, fins, result)
    if async_op:
        return w
    w.wait()
    return None


# ---------------------------------------------------------------------------------------------
# tensor helpers

def _arr(t, name='tensor'):
    from .._tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f'Invalid function argument. Expected parameter `{name}` of type '
                        f'torch.Tensor\n             but got {type(t)} instead.')
    return t._data


def _bump(*ts):
    for t in ts:
        t._vc[0] += 1


def _staged(pg, arrs):
    """(engine, host arrays, writeback) for ``arrs``: CUDA arrays on an MPI engine are copied
    to the host and back."""
    eng, stage = pg._engine(arrs[0])
    for a in arrs[1:]:
        if (type(a) is np.ndarray) != (type(arrs[0]) is np.ndarray):
            raise RuntimeError('Tensors must be on the same device type for a collective')
    if not stage:
        return eng, arrs, None
    hosts = [a.get() for a in arrs]

    def back(idx):
        def f():
            for i in idx:
                _put(arrs[i], hosts[i])
        return f
    return eng, hosts, back


def _put(dst, src):
    """``dst[...] = src`` across devices (a host result into a CUDA tensor)."""
    if type(dst) is not type(src):
        src = _cupy().asarray(src)
    dst[...] = src.reshape(dst.shape)


def _with_back(pf, back):
    parts, fins = pf
    return parts, list(fins) + [back]


# ---------------------------------------------------------------------------------------------
# collectives

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across all ranks of ``group``, in place on every rank.

    Args:
        tensor: input and output.
        op: a ``ReduceOp`` (SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR).
        group: the process group (default group when None).
        async_op: return a ``Work`` handle instead of waiting.
    """
    pg = _group(group)
    if _not_in(pg, 'all_reduce'):
        return None
    a = _arr(tensor)
    code = op_code(op)
    _check_op(code, a.dtype, 'all_reduce')
    eng, (h,), back = _staged(pg, [a])
    pf = eng.all_reduce(h, code)
    if back:
        pf = _with_back(pf, back([0]))
    _bump(tensor)
    return _launch(pf, async_op, [tensor])


def all_reduce_coalesced(tensors, op=ReduceOp.SUM, group=None, async_op=False):
    """All-reduce each tensor of ``tensors`` (deprecated in PyTorch)."""
    works = [all_reduce(t, op, group, async_op=True) for t in tensors]
    w = _Multi(works)
    if async_op:
        return w
    w.wait()


class _Multi(Work):
    def __init__(self, works):
        super().__init__([], ())
        self._works = [w for w in works if w is not None]

    def is_completed(self):
        return all(w.is_completed() for w in self._works)

    def wait(self, timeout=None):
        for w in self._works:
            w.wait()
        return True


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` across ranks; only rank ``dst`` (a global rank) gets the result."""
    pg = _group(group)
    if _not_in(pg, 'reduce'):
        return None
    a = _arr(tensor)
    code = op_code(op)
    _check_op(code, a.dtype, 'reduce')
    root = _peer(pg, dst, group_dst, 'dst')
    eng, (h,), back = _staged(pg, [a])
    pf = eng.reduce(h, code, root)
    if back and pg.rank() == root:
        pf = _with_back(pf, back([0]))
    _bump(tensor)
    return _launch(pf, async_op, [tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``tensor`` from rank ``src`` (a global rank) to every rank of ``group``, in place."""
    pg = _group(group)
    if _not_in(pg, 'broadcast'):
        return None
    a = _arr(tensor)
    root = _peer(pg, src, group_src, 'src')
    eng, (h,), back = _staged(pg, [a])
    pf = eng.broadcast(h, root)
    if back and pg.rank() != root:
        pf = _with_back(pf, back([0]))
    _bump(tensor)
    return _launch(pf, async_op, [tensor])


def _check_same_dtype(ts, ref, what):
    for t in ts:
        if t.dtype != ref.dtype:
            raise TypeError(f'{what}: tensors must all have the same dtype, got {t.dtype} and '
                            f'{ref.dtype}')


def _new_like(a, n):
    xp = np if isinstance(a, np.ndarray) else _cupy()
    return xp.empty(n, dtype=a.dtype)


def _cupy():
    import cupy
    return cupy


def _to_host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather ``tensor`` from every rank into ``tensor_list`` (one tensor per rank)."""
    pg = _group(group)
    if _not_in(pg, 'all_gather'):
        return None
    a = _arr(tensor)
    n = pg.size()
    if len(tensor_list) != n:
        raise ValueError(f'all_gather: tensor_list must have {n} tensors (one per rank), '
                         f'got {len(tensor_list)}')
    _check_same_dtype(tensor_list, tensor, 'all_gather')
    outs = [_arr(t, 'tensor_list') for t in tensor_list]
    counts = [o.size for o in outs]
    if counts[pg.rank()] != a.size:
        raise RuntimeError(f'all_gather: output tensor {pg.rank()} has {counts[pg.rank()]} '
                           f'elements but the input has {a.size}')
    eng, stage = pg._engine(a)
    src = _to_host(a) if stage else a
    flat = _new_like(src, sum(counts))
    parts, fins = eng.allgatherv(src, flat, counts)
    displs = _engines._displs(counts)

    def scatter_back():
        for o, d, c in zip(outs, displs, counts):
            _put(o, flat[d:d + c])
    _bump(*tensor_list)
    return _launch((parts, list(fins) + [scatter_back]), async_op, list(tensor_list))


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather ``input_tensor`` from every rank into ``output_tensor``: its first dimension is
    ``world_size`` times the input's (concatenation) or ``world_size`` (stacking)."""
    pg = _group(group)
    if _not_in(pg, 'all_gather_into_tensor'):
        return None
    a, o = _arr(input_tensor), _arr(output_tensor, 'output_tensor')
    n = pg.size()
    if o.dtype != a.dtype:
        raise TypeError('all_gather_into_tensor: output and input tensors must have the same '
                        'dtype')
    if o.size != n * a.size:
        raise ValueError(f'output tensor size must be equal to world_size times input tensor '
                         f'size ({o.size} vs {n} * {a.size})')
    eng, stage = pg._engine(a)
    src = _to_host(a) if stage else a
    if not stage and o.flags.c_contiguous and o.flags.writeable:
        flat, fin = o.reshape(-1), None
    else:
        flat = _new_like(src, o.size)

        def fin():
            _put(o, flat)
    parts, fins = eng.allgatherv(src, flat, [a.size] * n)
    _bump(output_tensor)
    return _launch((parts, list(fins) + [fin]), async_op, [output_tensor])


def _all_gather_base(output_tensor, input_tensor, group=None, async_op=False):
    return all_gather_into_tensor(output_tensor, input_tensor, group, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (``world_size`` blocks the size of ``output``) across ranks and leave
    block ``rank`` in ``output``."""
    pg = _group(group)
    if _not_in(pg, 'reduce_scatter_tensor'):
        return None
    o, a = _arr(output, 'output'), _arr(input, 'input')
    n = pg.size()
    code = op_code(op)
    _check_op(code, a.dtype, 'reduce_scatter_tensor')
    if o.dtype != a.dtype:
        raise TypeError('reduce_scatter_tensor: input and output must have the same dtype')
    if a.size != n * o.size:
        raise ValueError(f'input tensor must be the same size as output size times world size '
                         f'({a.size} vs {n} * {o.size})')
    eng, (ho, ha), back = _staged(pg, [o, a])
    pf = eng.reduce_scatter(ho, ha.reshape(-1), code)
    if back:
        pf = _with_back(pf, back([0]))
    _bump(output)
    return _launch(pf, async_op, [output])


def _reduce_scatter_base(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    return reduce_scatter_tensor(output, input, op, group, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[i]`` across ranks into ``output`` of rank ``i``."""
    pg = _group(group)
    if _not_in(pg, 'reduce_scatter'):
        return None
    n = pg.size()
    if len(input_list) != n:
        raise ValueError(f'reduce_scatter: input_list must have {n} tensors, got '
                         f'{len(input_list)}')
    o = _arr(output, 'output')
    ins = [_arr(t, 'input_list') for t in input_list]
    code = op_code(op)
    _check_op(code, o.dtype, 'reduce_scatter')
    xp = np if isinstance(o, np.ndarray) else _cupy()
    flat = xp.concatenate([x.reshape(-1) for x in ins]) if ins else xp.empty(0, o.dtype)
    counts = [x.size for x in ins]
    eng, (ho, hf), back = _staged(pg, [o, flat])
    pf = eng.reduce_scatter(ho, hf, code, counts)
    if back:
        pf = _with_back(pf, back([0]))
    _bump(output)
    return _launch(pf, async_op, [output])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Gather ``tensor`` from every rank into ``gather_list`` on rank ``dst``."""
    pg = _group(group)
    if _not_in(pg, 'gather'):
        return None
    a = _arr(tensor)
    root = _peer(pg, dst, group_dst, 'dst')
    n = pg.size()
    me = pg.rank()
    if me == root:
        if gather_list is None or len(gather_list) != n:
            raise ValueError('Argument ``gather_list`` must be specified on destination rank.'
                             if not gather_list else
                             f'gather: gather_list must have {n} tensors')
    elif gather_list:
        raise ValueError('Argument ``gather_list`` must NOT be specified on non-destination '
                         'ranks.')
    eng, stage = pg._engine(a)
    src = _to_host(a) if stage else a
    if me != root:
        return _launch(eng.gatherv(src, None, None, root), async_op, [])
    outs = [_arr(t, 'gather_list') for t in gather_list]
    counts = [x.size for x in outs]
    flat = _new_like(src, sum(counts))
    parts, fins = eng.gatherv(src, flat, counts, root)
    displs = _engines._displs(counts)

    def back():
        for x, d, c in zip(outs, displs, counts):
            _put(x, flat[d:d + c])
    _bump(*gather_list)
    return _launch((parts, list(fins) + [back]), async_op, list(gather_list))


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Scatter ``scatter_list`` (on rank ``src``) so rank ``i`` gets ``scatter_list[i]`` in
    ``tensor``."""
    pg = _group(group)
    if _not_in(pg, 'scatter'):
        return None
    a = _arr(tensor)
    root = _peer(pg, src, group_src, 'src')
    n = pg.size()
    me = pg.rank()
    if me == root:
        if not scatter_list or len(scatter_list) != n:
            raise ValueError('Argument ``scatter_list`` must be specified on source rank.'
                             if not scatter_list else f'scatter: scatter_list must have {n} '
                             'tensors')
    elif scatter_list:
        raise ValueError('Argument ``scatter_list`` must NOT be specified on non-source ranks.')
    eng, (h,), back = _staged(pg, [a])
    flat, counts = None, None
    if me == root:
        ins = [_arr(t, 'scatter_list') for t in scatter_list]
        ins = [_to_host(x) for x in ins] if back else ins
        xp = np if isinstance(h, np.ndarray) else _cupy()
        flat = xp.concatenate([xp.ascontiguousarray(x).reshape(-1) for x in ins])
        counts = [x.size for x in ins]
    pf = eng.scatterv(flat, counts, h, root)
    if back:
        pf = _with_back(pf, back([0]))
    _bump(tensor)
    return _launch(pf, async_op, [tensor])


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """Split ``input`` along dim 0 and send piece ``i`` to rank ``i``; ``output`` receives the
    pieces from every rank in rank order."""
    pg = _group(group)
    if _not_in(pg, 'all_to_all_single'):
        return None
    o, a = _arr(output, 'output'), _arr(input, 'input')
    n = pg.size()
    row_in = int(np.prod(a.shape[1:])) if a.ndim else 1
    row_out = int(np.prod(o.shape[1:])) if o.ndim else 1
    if input_split_sizes is None or len(input_split_sizes) == 0:
        if a.shape[0] % n:
            raise ValueError("Split sizes doesn't match total dim 0 size")
        input_split_sizes = [a.shape[0] // n] * n
    if output_split_sizes is None or len(output_split_sizes) == 0:
        if o.shape[0] % n:
            raise ValueError("Split sizes doesn't match total dim 0 size")
        output_split_sizes = [o.shape[0] // n] * n
    if sum(input_split_sizes) != a.shape[0] or sum(output_split_sizes) != o.shape[0]:
        raise ValueError("Split sizes doesn't match total dim 0 size")
    eng, stage = pg._engine(a)
    src = _to_host(a) if stage else a
    xp = np if isinstance(src, np.ndarray) else _cupy()
    flat = xp.empty(o.size, dtype=o.dtype)
    parts, fins = eng.alltoallv(xp.ascontiguousarray(src).reshape(-1),
                                [s * row_in for s in input_split_sizes], flat,
                                [s * row_out for s in output_split_sizes])

    def back():
        _put(o, flat)
    _bump(output)
    return _launch((parts, list(fins) + [back]), async_op, [output])


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send ``input_tensor_list[i]`` to rank ``i``; receive rank ``i``'s piece into
    ``output_tensor_list[i]``."""
    pg = _group(group)
    if _not_in(pg, 'all_to_all'):
        return None
    n = pg.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise ValueError(f'all_to_all: the tensor lists must have {n} tensors each')
    outs = [_arr(t, 'output_tensor_list') for t in output_tensor_list]
    ins = [_arr(t, 'input_tensor_list') for t in input_tensor_list]
    eng, stage = pg._engine(ins[0])
    if stage:
        ins = [x.get() for x in ins]
    xp = np if isinstance(ins[0], np.ndarray) else _cupy()
    sflat = xp.concatenate([xp.ascontiguousarray(x).reshape(-1) for x in ins])
    rcounts = [x.size for x in outs]
    rflat = xp.empty(sum(rcounts), dtype=outs[0].dtype)
    parts, fins = eng.alltoallv(sflat, [x.size for x in ins], rflat, rcounts)
    displs = _engines._displs(rcounts)

    def back():
        for x, d, c in zip(outs, displs, rcounts):
            _put(x, rflat[d:d + c])
    _bump(*output_tensor_list)
    return _launch((parts, list(fins) + [back]), async_op, list(output_tensor_list))


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Block until every rank of ``group`` reached the barrier."""
    pg = _group(group)
    if _not_in(pg, 'barrier'):
        return None
    eng = pg._mpi
    if pg._table.get('cpu') is None and pg._table.get('cuda') == 'nccl':
        eng = pg._engine(_cuda_probe())[0]
    return _launch(eng.barrier(), async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier (MPI detects failed ranks itself)."""
    return barrier(group)


# point to point --------------------------------------------------------------------------------

def _p2p_check(pg, peer, what):
    if peer == pg.rank():
        raise ValueError(f'Invalid {what} rank: {what} rank should not be the same as the rank '
                         'of the current process.')


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` asynchronously; returns a ``Work``."""
    pg = _group(group)
    if _not_in(pg, 'isend'):
        return None
    a = _arr(tensor)
    peer = _peer(pg, dst, group_dst, 'dst')
    _p2p_check(pg, peer, 'dst')
    eng, (h,), _ = _staged(pg, [a])
    parts, fins = eng.send(h, peer, tag)
    return Work(parts, fins, [tensor])


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from rank ``src`` (any rank when None) asynchronously."""
    pg = _group(group)
    if _not_in(pg, 'irecv'):
        return None
    a = _arr(tensor)
    peer = _peer(pg, src, group_src, 'src', default_none=True)
    if peer is not None:
        _p2p_check(pg, peer, 'src')
    eng, (h,), back = _staged(pg, [a])
    parts, fins = eng.recv(h, peer, tag)
    if back:
        fins = list(fins) + [back([0])]
    w = Work(parts, fins, [tensor])
    w._status_parts = [p for p in parts if getattr(p, 'status', None) is not None]
    w._group = pg
    w._peer = peer
    _bump(tensor)
    return w


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` (blocking)."""
    w = isend(tensor, dst, group, tag, group_dst)
    if w is not None:
        w.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's
    rank (global, or the group rank when ``group_src`` was given)."""
    pg = _group(group)
    w = irecv(tensor, src, group, tag, group_src)
    if w is None:
        return -1
    w.wait()
    if w._status_parts:
        grank = w._status_parts[0].status.Get_source()
    else:
        grank = w._peer
    if group_src is not None:
        return grank
    return pg._ranks[grank]


class P2POp:
    """A point-to-point operation for ``batch_isend_irecv``: ``P2POp(dist.isend, tensor, peer)``."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError('Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.'
                             'isend`` or ``torch.distributed.irecv``.')
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list):
    """Start every ``P2POp`` of the list; returns their ``Work`` handles."""
    if not p2p_op_list:
        raise ValueError('p2p_op_list cannot be empty')
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works


# object collectives ---------------------------------------------------------------------------

def _objcomm(group, opname):
    pg = _group(group)
    if _not_in(pg, opname):
        return None
    return pg


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Broadcast the picklable objects of ``object_list`` from rank ``src``, in place."""
    pg = _objcomm(group, 'broadcast_object_list')
    if pg is None:
        return
    root = _peer(pg, src, group_src, 'src')
    got = pg._comm.bcast(list(object_list) if pg.rank() == root else None, root=root)
    if pg.rank() != root:
        object_list[:len(got)] = got


def all_gather_object(object_list, obj, group=None):
    """Gather the picklable ``obj`` of every rank into ``object_list``."""
    pg = _objcomm(group, 'all_gather_object')
    if pg is None:
        return
    got = pg._comm.allgather(obj)
    object_list[:len(got)] = got


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Gather the picklable ``obj`` of every rank into ``object_gather_list`` on ``dst``."""
    pg = _objcomm(group, 'gather_object')
    if pg is None:
        return
    root = _peer(pg, dst, group_dst, 'dst')
    if pg.rank() == root:
        if object_gather_list is None:
            raise ValueError('Argument ``object_gather_list`` must be specified on destination '
                             'rank.')
    elif object_gather_list:
        raise ValueError('Argument ``object_gather_list`` must NOT be specified on '
                         'non-destination ranks.')
    got = pg._comm.gather(obj, root=root)
    if pg.rank() == root:
        object_gather_list[:len(got)] = got


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None,
                        group=None, group_src=None):
    """Rank ``i`` gets ``scatter_object_input_list[i]`` (from rank ``src``) in
    ``scatter_object_output_list[0]``."""
    pg = _objcomm(group, 'scatter_object_list')
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError('Expected argument scatter_object_output_list to be a list of size at '
                         'least 1.')
    root = _peer(pg, src, group_src, 'src')
    data = list(scatter_object_input_list) if pg.rank() == root else None
    scatter_object_output_list[0] = pg._comm.scatter(data, root=root)


def send_object_list(object_list, dst=None, group=None, device=None, group_dst=None,
                     use_batch=False):
    """Send the picklable objects of ``object_list`` to rank ``dst``."""
    pg = _objcomm(group, 'send_object_list')
    if pg is None:
        return
    peer = _peer(pg, dst, group_dst, 'dst')
    _p2p_check(pg, peer, 'dst')
    pg._comm.send(list(object_list), dest=peer, tag=0x7E3B)


def recv_object_list(object_list, src=None, group=None, device=None, group_src=None,
                     use_batch=False):
    """Receive objects sent by ``send_object_list`` into ``object_list``; returns the sender."""
    pg = _objcomm(group, 'recv_object_list')
    if pg is None:
        return -1
    MPI = _engines.mpi()
    peer = _peer(pg, src, group_src, 'src', default_none=True)
    status = MPI.Status()
    got = pg._comm.recv(source=MPI.ANY_SOURCE if peer is None else peer, tag=0x7E3B,
                        status=status)
    object_list[:len(got)] = got
    return pg._ranks[status.Get_source()]
