"""ember.distributed: collectives, DDP and the launcher on 2 ranks started with mpiexec
(through ``python -m ember.distributed.run``), plus single-process API checks.

The multi-rank programs are the ``_worker_*.py`` files beside this one: each checks its
results against values computed with NumPy from every rank's known input and prints an OK
line per rank. Everything skips where mpi4py or mpiexec is missing (install with
``pip install 'mpi4py>=4' mpich``).
"""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.distributed as dist
import ember.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _mpi_ok():
    try:
        from ember.distributed.run import find_mpiexec
        find_mpiexec()
        import mpi4py  # noqa: F401
        return None
    except Exception as e:     # mpi4py, the MPI library or mpiexec missing
        return str(e)


_WHY = _mpi_ok()
needs_mpi = pytest.mark.skipif(_WHY is not None,
                               reason=f'mpi4py/MPI not installed ({_WHY}); '
                                      "pip install 'mpi4py>=4' mpich")
multi = [pytest.mark.distributed, needs_mpi]


def launch(script, *args, nproc=2, flags=(), timeout=120, env=None):
    """Run a worker with ``python -m ember.distributed.run``; returns the CompletedProcess."""
    e = dict(os.environ, OPENBLAS_NUM_THREADS='1', PYTHONPATH=ROOT + os.pathsep +
             os.environ.get('PYTHONPATH', ''))
    for k in ('PMI_RANK', 'PMI_SIZE', 'PMIX_RANK', 'OMPI_COMM_WORLD_RANK', 'MPI_LOCALRANKID',
              'RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        e.pop(k, None)
    e.update(env or {})
    cmd = [sys.executable, '-m', 'ember.distributed.run', '--nproc_per_node', str(nproc),
           *flags, os.path.join(HERE, script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=e)


def ok_ranks(proc, tag):
    return sorted(int(m) for m in re.findall(rf'RANK(\d+) {tag} OK', proc.stdout))


# ---------------------------------------------------------------------------------------------
# multi-rank runs

@pytest.mark.parametrize('nproc', [2])
@pytest.mark.distributed
@needs_mpi
def test_collectives_two_ranks(nproc):
    p = launch('_worker_collectives.py', nproc=nproc)
    assert p.returncode == 0, p.stdout + p.stderr
    assert ok_ranks(p, 'COLLECTIVES') == list(range(nproc)), p.stdout + p.stderr


@pytest.mark.distributed
@needs_mpi
def test_ddp_matches_full_batch_training():
    p = launch('_worker_ddp.py')
    assert p.returncode == 0, p.stdout + p.stderr
    assert ok_ranks(p, 'DDP') == [0, 1], p.stdout + p.stderr


@pytest.mark.distributed
@needs_mpi
def test_tutorial_section_7_1_with_gloo(tmp_path):
    ckpt = str(tmp_path / 'ddp.pt')
    p = launch('_worker_tutorial.py', env={'CKPT': ckpt})
    assert p.returncode == 0, p.stdout + p.stderr
    assert ok_ranks(p, 'TUTORIAL') == [0, 1], p.stdout + p.stderr
    sd = ember.load(ckpt)
    assert sorted(sd) == ['conv1.bias', 'conv1.weight', 'fc.bias', 'fc.weight']


def _envs(p):
    return sorted((json.loads(m) for m in re.findall(r'ENV (\{.*?\})', p.stdout)),
                  key=lambda d: int(d['RANK']))


@pytest.mark.distributed
@needs_mpi
def test_launcher_sets_torchrun_environment():
    p = launch('_worker_env.py', 'a', '--lr', '0.1', flags=['--master_port', '29611',
                                                             '--master-addr', 'localhost'])
    assert p.returncode == 0, p.stdout + p.stderr
    envs = _envs(p)
    assert [e['RANK'] for e in envs] == ['0', '1']
    for i, e in enumerate(envs):
        assert e['LOCAL_RANK'] == str(i) and e['ROLE_RANK'] == str(i)
        assert e['WORLD_SIZE'] == '2' and e['LOCAL_WORLD_SIZE'] == '2'
        assert e['GROUP_RANK'] == '0' and e['GROUP_WORLD_SIZE'] == '1'
        assert e['ROLE_NAME'] == 'default' and e['TORCHELASTIC_RESTART_COUNT'] == '0'
        assert e['MASTER_ADDR'] == 'localhost' and e['MASTER_PORT'] == '29611'
        assert e['TORCHELASTIC_RUN_ID'] == envs[0]['TORCHELASTIC_RUN_ID']
        assert e['argv'] == ['a', '--lr', '0.1']          # the script's own args pass through
        assert e['torch'] == 'ember' and e['main'] == '__main__'


@pytest.mark.distributed
@needs_mpi
def test_launcher_environment_matches_torchrun():
    """The oracle: real torchrun (PyTorch installed) and ember's launcher give each rank the
    same torchrun variables."""
    pytest.importorskip('torch')
    flags = ['--master_port', '29613', '--master_addr', 'localhost', '--max-restarts', '0']
    e = dict(os.environ, OPENBLAS_NUM_THREADS='1')
    theirs = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
                             '2', *flags, os.path.join(HERE, '_worker_env.py'), 'x', '-y'],
                            capture_output=True, text=True, timeout=120, cwd=HERE, env=e)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    ours = launch('_worker_env.py', 'x', '-y', flags=flags)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    t, o = _envs(theirs), _envs(ours)
    assert len(t) == len(o) == 2
    for a, b in zip(t, o):
        assert a.pop('torch') == 'torch' and b.pop('torch') == 'ember'
        assert a == b


@pytest.mark.distributed
@needs_mpi
def test_launcher_standalone_dash_flags_and_defaults():
    p = launch('_worker_env.py', nproc=2, flags=['--standalone', '--nnodes', '1',
                                                 '--rdzv-backend', 'c10d', '--max-restarts', '0'])
    assert p.returncode == 0, p.stdout + p.stderr
    envs = _envs(p)
    assert len(envs) == 2
    assert envs[0]['MASTER_ADDR'] == 'localhost' and int(envs[0]['MASTER_PORT']) > 0
    assert envs[0]['OMP_NUM_THREADS'] is not None


@pytest.mark.distributed
@needs_mpi
def test_launcher_failing_rank_ends_the_job():
    p = launch('_worker_env.py', 'fail', timeout=60)
    assert p.returncode != 0
    # a rank raising while the other waits in a collective must not hang the job
    p = launch('_worker_env.py', 'hang', timeout=60)
    assert p.returncode != 0
    assert 'rank 1 fails' in p.stderr


@pytest.mark.distributed
@needs_mpi
def test_launcher_killed_rank_ends_the_job():
    """A rank SIGKILLed while the other waits in a barrier: the job ends, non-zero, well
    within the timeout."""
    import time
    t0 = time.perf_counter()
    p = launch('_worker_env.py', 'kill', timeout=90)
    assert p.returncode != 0
    assert time.perf_counter() - t0 < 60


@needs_mpi
def test_launcher_parses_torchrun_flags():
    from ember.distributed.run import parse_args, mpiexec_command, find_mpiexec
    a = parse_args(['--nproc-per-node', '4', '--nnodes', '1:2', '--node_rank', '0',
                    '--rdzv_endpoint', 'host:1234', '--rdzv-id', 'x', '-m', 'pkg.mod', '--x',
                    '1'])
    assert a.nproc_per_node == '4' and a.nnodes == '1:2' and a.module
    assert a.training_script == 'pkg.mod' and a.training_script_args == ['--x', '1']
    a.hostfile = 'hosts'
    cmd = mpiexec_command(a, 4, 2, find_mpiexec())
    assert cmd[-2:] == ['-n', '8'] and 'hosts' in cmd


def test_launcher_multinode_needs_hostfile():
    from ember.distributed import run
    with pytest.raises(ValueError, match='hostfile'):
        run.main(['--nnodes', '2', '--nproc_per_node', '1', 'x.py'])


# ---------------------------------------------------------------------------------------------
# single process

def test_not_initialized_errors():
    assert not dist.is_initialized()
    msg = 'Default process group has not been initialized, please make sure to call ' \
          'init_process_group.'
    for fn in (dist.get_rank, dist.get_world_size, dist.get_backend, dist.barrier):
        with pytest.raises(ValueError, match=re.escape(msg)):
            fn()
    with pytest.raises(ValueError, match=re.escape(msg)):
        dist.all_reduce(ember.ones(2))
    with pytest.raises(ValueError, match=re.escape(msg)):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_reduce_op_and_backend_names():
    assert dist.ReduceOp.SUM != dist.ReduceOp.MAX
    assert {'SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX', 'BAND', 'BOR', 'BXOR'} <= \
        set(dist.ReduceOp.__members__)
    assert dist.Backend('GLOO') == 'gloo' == dist.Backend.GLOO
    assert dist.is_available() == (_WHY is None or dist.is_mpi_available())


def test_nccl_without_cuda_raises():
    """The tutorial's backend='nccl' needs CUDA: without it a clear RuntimeError, as
    PyTorch's."""
    from ember.backend import cuda
    if cuda.is_available() and dist.is_nccl_available():
        pytest.skip('CUDA and NCCL are available here')
    with pytest.raises(RuntimeError, match='NCCL|GPU'):
        dist.init_process_group(backend='nccl')
    assert not dist.is_initialized()


@pytest.fixture
def world():
    dist.init_process_group('gloo')
    yield
    dist.destroy_process_group()


@needs_mpi
def test_single_process_world(world):
    assert dist.get_rank() == 0 and dist.get_world_size() == 1 and dist.get_backend() == 'gloo'
    t = ember.tensor([1.0, 2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    assert t.tolist() == [1.0, 2.0]
    out = [ember.zeros(2)]
    dist.all_gather(out, ember.tensor([3.0, 4.0]))
    assert out[0].tolist() == [3.0, 4.0]
    objs = [None]
    dist.all_gather_object(objs, {'a': 1})
    assert objs == [{'a': 1}]
    with pytest.raises(ValueError, match='twice'):
        dist.init_process_group('gloo')
    with pytest.raises(ValueError, match='invalid|Invalid|rank'):
        dist.broadcast(ember.zeros(1), src=3)


@needs_mpi
def test_init_checks_rank_and_world_size():
    with pytest.raises(RuntimeError, match='ember.distributed.run'):
        dist.init_process_group('gloo', world_size=2, rank=0)
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match='rank'):
        dist.init_process_group('gloo', world_size=1, rank=1)
    assert not dist.is_initialized()


@needs_mpi
def test_ddp_single_process(world):
    torch_like = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    ddp = nn.parallel.DistributedDataParallel(torch_like)
    assert ddp.module is torch_like
    assert list(ddp.state_dict()) == ['module.0.weight', 'module.0.bias', 'module.2.weight',
                                      'module.2.bias']
    x = ember.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    ddp(x).sum().backward()
    g = [p.grad.numpy().copy() for p in torch_like.parameters()]
    for p in torch_like.parameters():
        p.grad = None
    torch_like(x).sum().backward()
    for a, p in zip(g, torch_like.parameters()):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match='device_ids'):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2), device_ids=[0])
    frozen = nn.Linear(2, 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires"):
        nn.parallel.DistributedDataParallel(frozen)


def test_data_parallel_pass_through():
    m = nn.Linear(3, 2)
    dp = nn.DataParallel(m)
    assert dp.module is m and nn.parallel.DataParallel is nn.DataParallel
    assert list(dp.state_dict()) == ['module.weight', 'module.bias']
    x = ember.ones(4, 3)
    np.testing.assert_array_equal(dp(x).detach().numpy(), m(x).detach().numpy())
    sd = dp.state_dict()
    dp2 = nn.DataParallel(nn.Linear(3, 2))
    dp2.load_state_dict(sd)
    np.testing.assert_array_equal(dp2.module.weight.detach().numpy(), m.weight.detach().numpy())


@pytest.mark.distributed
@needs_mpi
def test_ddp_tutorial_cnn_20_steps_matches_combined_batch():
    p = launch('_worker_ddp_cnn.py', timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert ok_ranks(p, 'DDPCNN') == [0, 1], p.stdout + p.stderr


@needs_mpi
def test_nccl_world_size_one_cuda():
    """On a GPU machine (tools/gpu_check.sh runs the tests matching 'cuda'): a world of one
    rank on NCCL still builds a real communicator; collectives and a DDP step run on it."""
    from ember.backend import cuda
    if not (cuda.is_available() and dist.is_nccl_available()):
        pytest.skip('needs CUDA and NCCL (CuPy with a GPU)')
    import ember
    dist.init_process_group('nccl')
    try:
        t = ember.arange(6, dtype=ember.float32, device='cuda')
        dist.all_reduce(t)
        np.testing.assert_array_equal(t.cpu().numpy(), np.arange(6, dtype=np.float32))
        out = [ember.zeros(6, device='cuda')]
        dist.all_gather(out, t)
        np.testing.assert_array_equal(out[0].cpu().numpy(), np.arange(6, dtype=np.float32))
        from ember.nn.parallel import DistributedDataParallel as DDP
        m = DDP(ember.nn.Linear(4, 2).cuda())
        m(ember.randn(3, 4, device='cuda')).sum().backward()
        assert m.module.weight.grad is not None and m.module.weight.grad.is_cuda
    finally:
        dist.destroy_process_group()
