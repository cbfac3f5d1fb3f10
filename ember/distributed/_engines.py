"""The transports behind ``ember.distributed``: MPI (``mpi4py``) for host arrays and NCCL
(``cupy.cuda.nccl``) for CUDA arrays.

Each engine method enqueues one collective on raw arrays and returns a list of *parts*
(objects with ``test()`` and ``wait()``) plus finishers to run once they completed; the
Tensor-level API in ``distributed_c10d`` wraps them in a ``Work``.
"""
import numpy as np

_MPI = None
_MPI_ERROR = None


def mpi():
    """``mpi4py.MPI``, imported (and MPI initialised) on first use."""
    global _MPI, _MPI_ERROR
    if _MPI is None:
        try:
            from mpi4py import MPI
        except Exception as e:      # ImportError, or mpi4py present but no MPI library
            _MPI_ERROR = e
            raise RuntimeError(
                "ember.distributed needs mpi4py and an MPI library (the 'distributed' extra): "
                "pip install 'mpi4py>=4' mpich   (or: pip install 'ember[distributed]'). "
                f'Import failed with: {e!r}') from e
        _MPI = MPI
    return _MPI


# ---------------------------------------------------------------------------------------------
# reduction ops

class _RedOpType(int):
    __slots__ = ()
    _names = ('SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX', 'BAND', 'BOR', 'BXOR', 'PREMUL_SUM',
              'UNUSED')

    @property
    def name(self):
        return self._names[int(self)]

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        return f'<RedOpType.{self.name}: {int(self)}>'

    __str__ = __repr__


class _RedOpMeta(type):
    @property
    def __members__(cls):
        return {n: _RedOpType(i) for i, n in enumerate(_RedOpType._names)}


class ReduceOp(metaclass=_RedOpMeta):
    """The reduction of ``all_reduce``/``reduce``/``reduce_scatter`` (``torch.distributed.ReduceOp``):
    ``SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``."""
    RedOpType = _RedOpType
    SUM = _RedOpType(0)
    AVG = _RedOpType(1)
    PRODUCT = _RedOpType(2)
    MIN = _RedOpType(3)
    MAX = _RedOpType(4)
    BAND = _RedOpType(5)
    BOR = _RedOpType(6)
    BXOR = _RedOpType(7)
    PREMUL_SUM = _RedOpType(8)
    UNUSED = _RedOpType(9)

    def __init__(self, op=0):
        self.op = _RedOpType(int(op))

    def __eq__(self, other):
        return int(self.op) == int(getattr(other, 'op', other))

    def __hash__(self):
        return hash(int(self.op))

    def __int__(self):
        return int(self.op)

    def __repr__(self):
        return repr(self.op)


def op_code(op):
    """The integer code of a ReduceOp (member, instance or int)."""
    code = int(op.op) if isinstance(op, ReduceOp) else op
    if not isinstance(code, int) or not 0 <= code <= 7:
        raise ValueError(f'Invalid reduce op: {op!r}')
    return int(code)


_SUM, _AVG, _PROD, _MIN, _MAX, _BAND, _BOR, _BXOR = range(8)


def _check_op(code, dtype, opname):
    name = _RedOpType._names[code]
    if dtype.kind == 'c' and code in (_MIN, _MAX, _PROD, _BAND, _BOR, _BXOR):
        raise ValueError(f'{opname} does not support {name} on complex tensors')
    if dtype.kind == 'f' or dtype.kind == 'c' or dtype.kind == 'V' or str(dtype) == 'bfloat16':
        if code in (_BAND, _BOR, _BXOR):
            raise RuntimeError(f'Cannot use ReduceOp.{name} with non-integral dtype')
    if dtype.kind == 'b' and code == _AVG:
        raise RuntimeError('Cannot use ReduceOp.AVG with boolean inputs')


def _is_low(dtype):
    """float16 / bfloat16: MPI has no reduction for them; reduce in float32."""
    return dtype == np.float16 or str(dtype) == 'bfloat16'


# ---------------------------------------------------------------------------------------------
# completion parts

class _MPIPart:
    """One or more MPI requests."""
    __slots__ = ('reqs', 'status')

    def __init__(self, reqs, status=None):
        self.reqs = reqs if isinstance(reqs, list) else [reqs]
        self.status = status

    def test(self):
        MPI = _MPI
        if self.status is not None and len(self.reqs) == 1:
            return self.reqs[0].Test(self.status)
        return MPI.Request.Testall(self.reqs)

    def wait(self):
        MPI = _MPI
        if self.status is not None and len(self.reqs) == 1:
            self.reqs[0].Wait(self.status)
        else:
            MPI.Request.Waitall(self.reqs)


def _flat(arr):
    """A 1-d contiguous view of a contiguous array (0-d -> 1 element)."""
    return arr.reshape(-1)


def _mpi_type(arr):
    from mpi4py.util.dtlib import from_numpy_dtype
    return from_numpy_dtype(arr.dtype)


def _bytes(arr):
    """A contiguous array as a flat uint8 view (for dtypes MPI has no name for)."""
    return _flat(arr).view(np.uint8)


def _transportable(arr):
    """``arr`` itself when MPI can send it as it is, else its byte view."""
    if _is_low(arr.dtype) or arr.dtype.kind == 'V':
        return _bytes(arr)
    return _flat(arr)


class MPIEngine:
    """Collectives on NumPy arrays through an ``mpi4py`` intracommunicator."""

    def __init__(self, comm):
        self.comm = comm

    # ops: reduction arrays -------------------------------------------------------------------
    def _mpi_op(self, code, dtype):
        MPI = _MPI
        if dtype.kind == 'b':
            return {_SUM: MPI.LOR, _MAX: MPI.LOR, _BOR: MPI.LOR, _PROD: MPI.LAND,
                    _MIN: MPI.LAND, _BAND: MPI.LAND, _BXOR: MPI.LXOR}[code]
        return {_SUM: MPI.SUM, _AVG: MPI.SUM, _PROD: MPI.PROD, _MIN: MPI.MIN, _MAX: MPI.MAX,
                _BAND: MPI.BAND, _BOR: MPI.BOR, _BXOR: MPI.BXOR}[code]

    def _red_buf(self, arr):
        """(buffer to reduce in, finisher copying it back) for an in-place reduction."""
        if _is_low(arr.dtype):
            buf = np.ascontiguousarray(arr, dtype=np.float32)
            return buf, lambda: _copy_into(arr, buf)
        if arr.flags.c_contiguous and arr.flags.writeable:
            return arr, None
        buf = np.ascontiguousarray(arr)
        return buf, lambda: _copy_into(arr, buf)

    def _avg(self, buf, code, n):
        if code != _AVG:
            return None

        def fin():
            if buf.dtype.kind in 'fc':
                buf[...] /= n
            else:
                buf[...] = np.trunc(buf / n).astype(buf.dtype)
        return fin

    def all_reduce(self, arr, code):
        MPI = _MPI
        buf, back = self._red_buf(arr)
        req = self.comm.Iallreduce(MPI.IN_PLACE, _flat(buf), op=self._mpi_op(code, buf.dtype))
        return [_MPIPart(req)], [self._avg(buf, code, self.comm.Get_size()), back]

    def reduce(self, arr, code, root):
        MPI = _MPI
        buf, back = self._red_buf(arr)
        op = self._mpi_op(code, buf.dtype)
        if self.comm.Get_rank() == root:
            req = self.comm.Ireduce(MPI.IN_PLACE, _flat(buf), op=op, root=root)
            return [_MPIPart(req)], [self._avg(buf, code, self.comm.Get_size()), back]
        req = self.comm.Ireduce(_flat(buf), None, op=op, root=root)
        return [_MPIPart(req)], [lambda: buf]     # keep the buffer alive until completion

    def reduce_scatter(self, out, inp, code, counts=None):
        """Reduce ``inp`` (flat, ``size * out.size`` elements or ``sum(counts)``) and keep
        this rank's block in ``out``."""
        obuf, back = self._red_buf(out)
        ibuf = np.ascontiguousarray(inp, dtype=obuf.dtype)
        op = self._mpi_op(code, obuf.dtype)
        if counts is None:
            req = self.comm.Ireduce_scatter_block(_flat(ibuf), _flat(obuf), op=op)
        else:
            req = self.comm.Ireduce_scatter(_flat(ibuf), _flat(obuf), list(counts), op=op)
        return [_MPIPart(req)], [lambda: ibuf, self._avg(obuf, code, self.comm.Get_size()),
                                 back]

    # data movement ---------------------------------------------------------------------------
    def _in(self, arr):
        return np.ascontiguousarray(arr)

    def _out(self, arr):
        """(contiguous writable array to receive into, finisher copying it into ``arr``)."""
        if arr.flags.c_contiguous and arr.flags.writeable:
            return arr, None
        buf = np.empty(arr.shape, arr.dtype)
        return buf, lambda: _copy_into(arr, buf)

    def broadcast(self, arr, root):
        buf, back = self._out(arr)
        if back is not None and self.comm.Get_rank() == root:
            buf[...] = arr
        req = self.comm.Ibcast(_transportable(buf), root=root)
        return [_MPIPart(req)], [back]

    def allgatherv(self, arr, out_flat, counts):
        """Gather every rank's ``arr`` into the flat ``out_flat`` (``counts`` elements each)."""
        sbuf = self._in(arr)
        s, r, counts = self._typed(sbuf, out_flat, counts)
        displs = _displs(counts)
        req = self.comm.Iallgatherv(s, [r, counts, displs, _mpi_type(r)])
        return [_MPIPart(req)], [lambda: sbuf]

    def gatherv(self, arr, out_flat, counts, root):
        sbuf = self._in(arr)
        if self.comm.Get_rank() != root:
            req = self.comm.Igatherv(_transportable(sbuf), None, root=root)
            return [_MPIPart(req)], [lambda: sbuf]
        s, r, counts = self._typed(sbuf, out_flat, counts)
        req = self.comm.Igatherv(s, [r, counts, _displs(counts), _mpi_type(r)], root=root)
        return [_MPIPart(req)], [lambda: sbuf]

    def scatterv(self, in_flat, counts, arr, root):
        obuf, back = self._out(arr)
        if self.comm.Get_rank() != root:
            req = self.comm.Iscatterv(None, _transportable(obuf), root=root)
            return [_MPIPart(req)], [back]
        ibuf = np.ascontiguousarray(in_flat)
        r, s, counts = self._typed(obuf, ibuf, counts)
        req = self.comm.Iscatterv([s, counts, _displs(counts), _mpi_type(s)], r, root=root)
        return [_MPIPart(req)], [lambda: ibuf, back]

    def alltoallv(self, in_flat, scounts, out_flat, rcounts):
        ibuf = np.ascontiguousarray(in_flat)
        k = 1
        if _is_low(ibuf.dtype) or ibuf.dtype.kind == 'V':
            k = ibuf.dtype.itemsize
        s, r = _transportable(ibuf), _transportable(out_flat)
        scounts = [c * k for c in scounts]
        rcounts = [c * k for c in rcounts]
        req = self.comm.Ialltoallv([s, scounts, _displs(scounts), _mpi_type(s)],
                                   [r, rcounts, _displs(rcounts), _mpi_type(r)])
        return [_MPIPart(req)], [lambda: ibuf]

    def _typed(self, small, big_flat, counts):
        """Byte views and byte counts for dtypes MPI can't name."""
        if _is_low(small.dtype) or small.dtype.kind == 'V':
            k = small.dtype.itemsize
            return _bytes(small), big_flat.view(np.uint8), [c * k for c in counts]
        return _flat(small), big_flat, list(counts)

    def send(self, arr, dst, tag):
        sbuf = self._in(arr)
        req = self.comm.Isend(_transportable(sbuf), dest=dst, tag=tag)
        return [_MPIPart(req)], [lambda: sbuf]

    def recv(self, arr, src, tag):
        MPI = _MPI
        buf, back = self._out(arr)
        status = MPI.Status()
        req = self.comm.Irecv(_transportable(buf), source=MPI.ANY_SOURCE if src is None else src,
                              tag=tag)
        return [_MPIPart(req, status)], [back]

    def barrier(self):
        return [_MPIPart(self.comm.Ibarrier())], []


def _displs(counts):
    out, acc = [], 0
    for c in counts:
        out.append(acc)
        acc += c
    return out


def _copy_into(dst, src):
    if src.dtype != dst.dtype:
        src = src.astype(dst.dtype)
    dst[...] = src.reshape(dst.shape)


# ---------------------------------------------------------------------------------------------
# NCCL (CUDA arrays).  NOTE: written against cupy.cuda.nccl's documented API but NOT exercised
# by the test suite (no GPU in CI); see the README's "NCCL" section.

class _EventPart:
    __slots__ = ('event',)

    def __init__(self, event):
        self.event = event

    def test(self):
        return self.event.done

    def wait(self):
        self.event.synchronize()


def _nccl():
    try:
        from cupy.cuda import nccl
    except Exception as e:
        raise RuntimeError("Distributed package doesn't have NCCL built in "
                           f'(cupy.cuda.nccl could not be imported: {e!r})') from e
    return nccl


class NCCLEngine:
    """Collectives on CuPy arrays through ``cupy.cuda.nccl`` (UNTESTED without a GPU).

    The communicator is created over the group's MPI communicator (rank 0's unique id is
    broadcast through MPI) on the current CUDA device; ops are enqueued on the current stream.
    """

    def __init__(self, mpi_comm):
        import cupy
        nccl = _nccl()
        self.cupy = cupy
        self.nccl = nccl
        self.mpi_comm = mpi_comm
        self.size = mpi_comm.Get_size()
        self.rank = mpi_comm.Get_rank()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = mpi_comm.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)

    def _dtype(self, dtype):
        n = self.nccl
        table = {np.dtype(np.float16): n.NCCL_FLOAT16, np.dtype(np.float32): n.NCCL_FLOAT32,
                 np.dtype(np.float64): n.NCCL_FLOAT64, np.dtype(np.int8): n.NCCL_INT8,
                 np.dtype(np.uint8): n.NCCL_UINT8, np.dtype(np.int32): n.NCCL_INT32,
                 np.dtype(np.uint32): n.NCCL_UINT32, np.dtype(np.int64): n.NCCL_INT64,
                 np.dtype(np.uint64): n.NCCL_UINT64, np.dtype(np.bool_): n.NCCL_UINT8}
        if str(dtype) == 'bfloat16' and hasattr(n, 'NCCL_BFLOAT16'):
            return n.NCCL_BFLOAT16
        return table.get(np.dtype(dtype))

    def _view(self, arr, reducing):
        """(flat array, nccl dtype) for ``arr`` (complex as float pairs, others as bytes)."""
        flat = arr.reshape(-1)
        if arr.dtype.kind == 'c':
            flat = flat.view(np.float32 if arr.dtype == np.complex64 else np.float64)
        t = self._dtype(flat.dtype)
        if t is None:
            if reducing:
                raise RuntimeError(f'NCCL has no reduction for dtype {arr.dtype}')
            flat, t = flat.view(np.uint8), self.nccl.NCCL_UINT8
        return flat, t

    def _op(self, code, dtype):
        n = self.nccl
        if code in (_BAND, _BOR, _BXOR):
            raise RuntimeError(f'Cannot use ReduceOp.{_RedOpType._names[code]} with NCCL')
        if dtype.kind == 'b':
            return {_SUM: n.NCCL_MAX, _MAX: n.NCCL_MAX, _PROD: n.NCCL_MIN, _MIN: n.NCCL_MIN}[code]
        if code == _AVG:
            return getattr(n, 'NCCL_AVG', None) or n.NCCL_SUM
        return {_SUM: n.NCCL_SUM, _PROD: n.NCCL_PROD, _MIN: n.NCCL_MIN, _MAX: n.NCCL_MAX}[code]

    def _stream(self):
        return self.cupy.cuda.get_current_stream()

    def _done(self, stream):
        ev = self.cupy.cuda.Event(disable_timing=True)
        ev.record(stream)
        return [_EventPart(ev)]

    def _buf(self, arr):
        if arr.flags.c_contiguous:
            return arr, None
        buf = self.cupy.ascontiguousarray(arr)
        return buf, lambda: _copy_into(arr, buf)

    def _avg_fix(self, buf, code):
        if code == _AVG and not hasattr(self.nccl, 'NCCL_AVG'):
            if buf.dtype.kind in 'fc':
                buf /= self.size
            else:
                buf[...] = self.cupy.trunc(buf / self.size).astype(buf.dtype)

    def all_reduce(self, arr, code):
        s = self._stream()
        buf, back = self._buf(arr)
        flat, t = self._view(buf, True)
        op = self._op(code, buf.dtype)
        self.comm.allReduce(flat.data.ptr, flat.data.ptr, flat.size, t, op, s.ptr)
        self._avg_fix(buf, code)
        if back:
            back()
        return self._done(s), []

    def reduce(self, arr, code, root):
        s = self._stream()
        buf, back = self._buf(arr)
        flat, t = self._view(buf, True)
        self.comm.reduce(flat.data.ptr, flat.data.ptr, flat.size, t, self._op(code, buf.dtype),
                         root, s.ptr)
        if self.rank == root:
            self._avg_fix(buf, code)
            if back:
                back()
        return self._done(s), []

    def reduce_scatter(self, out, inp, code, counts=None):
        s = self._stream()
        if counts is not None and len(set(counts)) != 1:
            raise RuntimeError('NCCL reduce_scatter needs equal sizes per rank')
        obuf, back = self._buf(out)
        ibuf = self.cupy.ascontiguousarray(inp, dtype=obuf.dtype)
        of, t = self._view(obuf, True)
        inf, _ = self._view(ibuf, True)
        self.comm.reduceScatter(inf.data.ptr, of.data.ptr, of.size, t,
                                self._op(code, obuf.dtype), s.ptr)
        self._avg_fix(obuf, code)
        if back:
            back()
        return self._done(s), [lambda: ibuf]

    def broadcast(self, arr, root):
        s = self._stream()
        buf, back = self._buf(arr)
        flat, t = self._view(buf, False)
        self.comm.broadcast(flat.data.ptr, flat.data.ptr, flat.size, t, root, s.ptr)
        if back:
            back()
        return self._done(s), []

    def _p2p_group(self, sends, recvs):
        """Grouped sends [(arr, peer)] and receives [(arr, peer)] of flat arrays."""
        s = self._stream()
        self.nccl.groupStart()
        try:
            for a, peer in sends:
                f, t = self._view(a, False)
                self.comm.send(f.data.ptr, f.size, t, peer, s.ptr)
            for a, peer in recvs:
                f, t = self._view(a, False)
                self.comm.recv(f.data.ptr, f.size, t, peer, s.ptr)
        finally:
            self.nccl.groupEnd()
        return s

    def allgatherv(self, arr, out_flat, counts):
        sbuf = self.cupy.ascontiguousarray(arr).reshape(-1)
        if len(set(counts)) == 1:
            s = self._stream()
            f, t = self._view(sbuf, False)
            o, _ = self._view(out_flat, False)
            self.comm.allGather(f.data.ptr, o.data.ptr, f.size, t, s.ptr)
            return self._done(s), [lambda: sbuf]
        d = _displs(counts)
        sends = [(sbuf, p) for p in range(self.size) if p != self.rank]
        recvs = [(out_flat[d[p]:d[p] + counts[p]], p) for p in range(self.size) if p != self.rank]
        s = self._p2p_group(sends, recvs)
        out_flat[d[self.rank]:d[self.rank] + counts[self.rank]] = sbuf
        return self._done(s), [lambda: sbuf]

    def gatherv(self, arr, out_flat, counts, root):
        sbuf = self.cupy.ascontiguousarray(arr).reshape(-1)
        if self.rank != root:
            s = self._p2p_group([(sbuf, root)], [])
            return self._done(s), [lambda: sbuf]
        d = _displs(counts)
        recvs = [(out_flat[d[p]:d[p] + counts[p]], p) for p in range(self.size) if p != root]
        s = self._p2p_group([], recvs)
        out_flat[d[root]:d[root] + counts[root]] = sbuf
        return self._done(s), [lambda: sbuf]

    def scatterv(self, in_flat, counts, arr, root):
        obuf, back = self._buf(arr)
        of = obuf.reshape(-1)
        if self.rank != root:
            s = self._p2p_group([], [(of, root)])
        else:
            ibuf = self.cupy.ascontiguousarray(in_flat)
            d = _displs(counts)
            sends = [(ibuf[d[p]:d[p] + counts[p]], p) for p in range(self.size) if p != root]
            s = self._p2p_group(sends, [])
            of[...] = ibuf[d[root]:d[root] + counts[root]]
        if back:
            back()
        return self._done(s), []

    def alltoallv(self, in_flat, scounts, out_flat, rcounts):
        ibuf = self.cupy.ascontiguousarray(in_flat)
        sd, rd = _displs(scounts), _displs(rcounts)
        sends = [(ibuf[sd[p]:sd[p] + scounts[p]], p) for p in range(self.size) if p != self.rank]
        recvs = [(out_flat[rd[p]:rd[p] + rcounts[p]], p) for p in range(self.size)
                 if p != self.rank]
        s = self._p2p_group(sends, recvs)
        r = self.rank
        out_flat[rd[r]:rd[r] + rcounts[r]] = ibuf[sd[r]:sd[r] + scounts[r]]
        return self._done(s), [lambda: ibuf]

    def send(self, arr, dst, tag):
        sbuf = self.cupy.ascontiguousarray(arr).reshape(-1)
        s = self._p2p_group([(sbuf, dst)], [])
        return self._done(s), [lambda: sbuf]

    def recv(self, arr, src, tag):
        if src is None:
            raise RuntimeError('NCCL recv needs an explicit src (no receive from any source)')
        buf, back = self._buf(arr)
        s = self._p2p_group([], [(buf.reshape(-1), src)])
        if back:
            back()
        return self._done(s), []

    def barrier(self):
        # an all-reduce of one element on the current device, then a host wait (as PyTorch)
        x = self.cupy.zeros(1, dtype=self.cupy.float32)
        parts, _ = self.all_reduce(x, _SUM)
        for p in parts:
            p.wait()
        return parts, [lambda: x]
