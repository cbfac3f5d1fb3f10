"""Prints, as one JSON line per rank, the torchrun variables the launcher set and the args."""
import json
import os
import sys

import torch

keys = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK',
        'GROUP_WORLD_SIZE', 'ROLE_RANK', 'ROLE_WORLD_SIZE', 'ROLE_NAME', 'MASTER_ADDR',
        'MASTER_PORT', 'TORCHELASTIC_RUN_ID', 'TORCHELASTIC_RESTART_COUNT', 'OMP_NUM_THREADS',
        'TORCHELASTIC_MAX_RESTARTS', 'TORCHELASTIC_USE_AGENT_STORE']
info = {k: os.environ.get(k) for k in keys}
info['argv'] = sys.argv[1:]
info['torch'] = torch.__name__
info['main'] = __name__
print('ENV ' + json.dumps(info), flush=True)
if 'fail' in sys.argv and os.environ['RANK'] == '1':
    raise SystemExit(3)
if 'hang' in sys.argv and os.environ['RANK'] == '1':
    raise ValueError('rank 1 fails')
if 'kill' in sys.argv and os.environ['RANK'] == '1':
    import signal
    os.kill(os.getpid(), signal.SIGKILL)        # the rank dies without a word
if 'hang' in sys.argv or 'kill' in sys.argv:
    import torch.distributed as dist
    dist.init_process_group('gloo')
    dist.barrier()          # rank 1 never arrives: the launcher must end the job anyway
