"""The per-rank shim of ``ember.distributed.run``: sets torchrun's environment variables from
MPI's rank, then runs the program (through ember's torch launcher for Python programs)."""
import argparse
import os
import sys


def rank_env(comm, master_addr, master_port, run_id, max_restarts=0, role='default',
             agent_store='False'):
    """torchrun's per-rank environment, computed from the MPI communicator ``comm``."""
    from mpi4py import MPI
    rank, size = comm.Get_rank(), comm.Get_size()
    node = comm.Split_type(MPI.COMM_TYPE_SHARED, key=rank)
    local_rank, local_size = node.Get_rank(), node.Get_size()
    leader = node.bcast(rank, root=0)
    node.Free()
    leaders = sorted(set(comm.allgather(leader)))
    return {
        'RANK': str(rank), 'WORLD_SIZE': str(size),
        'LOCAL_RANK': str(local_rank), 'LOCAL_WORLD_SIZE': str(local_size),
        'GROUP_RANK': str(leaders.index(leader)), 'GROUP_WORLD_SIZE': str(len(leaders)),
        'ROLE_RANK': str(rank), 'ROLE_WORLD_SIZE': str(size), 'ROLE_NAME': role,
        'MASTER_ADDR': master_addr, 'MASTER_PORT': str(master_port),
        'TORCHELASTIC_RUN_ID': run_id, 'TORCHELASTIC_RESTART_COUNT': '0',
        'TORCHELASTIC_MAX_RESTARTS': str(max_restarts),
        'TORCHELASTIC_USE_AGENT_STORE': agent_store,
        'TORCH_NCCL_ASYNC_ERROR_HANDLING': os.environ.get('TORCH_NCCL_ASYNC_ERROR_HANDLING', '1'),
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog='ember.distributed._shim')
    p.add_argument('--master_addr', default='127.0.0.1')
    p.add_argument('--master_port', default='29500')
    p.add_argument('--run_id', default='none')
    p.add_argument('--max_restarts', type=int, default=0)
    p.add_argument('--role', default='default')
    p.add_argument('--agent_store', default='False')
    p.add_argument('--module', action='store_true')
    p.add_argument('--no_python', action='store_true')
    p.add_argument('rest', nargs=argparse.REMAINDER)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    rest = args.rest[1:] if args.rest[:1] == ['--'] else args.rest
    from . import _engines
    MPI = _engines.mpi()
    os.environ.update(rank_env(MPI.COMM_WORLD, args.master_addr, args.master_port, args.run_id,
                               args.max_restarts, args.role, args.agent_store))
    if args.no_python:
        sys.stdout.flush()
        sys.stderr.flush()
        # the program runs in a child process (MPI is already initialised in this one)
        import subprocess
        return subprocess.call(rest)
    from .. import run as torch_launcher
    code = torch_launcher.main((['-m'] if args.module else []) + rest)
    return code


def _record_error(text):
    """Leave the traceback for the launcher's summary (``EMBER_ERROR_DIR``, one file per
    rank), as torchrun's error files do."""
    d = os.environ.get('EMBER_ERROR_DIR')
    if d and os.path.isdir(d):
        try:
            with open(os.path.join(d, f"{os.environ.get('RANK', '0')}.txt"), 'w') as f:
                f.write(text)
        except OSError:
            pass


if __name__ == '__main__':
    try:
        rc = main()
    except SystemExit as e:
        rc = e.code
    except BaseException:
        import traceback
        text = traceback.format_exc()
        sys.stderr.write(text)            # one write: not interleaved line by line
        _record_error(text)
        rc = 1
    if isinstance(rc, str):
        print(rc, file=sys.stderr)
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    rc = rc or 0
    if rc:
        # one rank failing ends the job (as torchrun does), without hanging the others
        try:
            from mpi4py import MPI
            MPI.COMM_WORLD.Abort(rc)
        except Exception:
            pass
    sys.exit(rc)
