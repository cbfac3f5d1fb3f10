"""DDP scaling: the tutorial CNN's training step at one global batch on 1 rank and on 2 ranks.

    python bench/ddp.py [--global-batch 64] [--steps 20]

Each run goes through ``python -m ember.distributed.run`` (MPI); with R ranks on C cores each
rank gets C/R BLAS threads. Prints the median step time of each and the ratio 2 ranks / 1 rank.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(nproc, batch, steps):
    threads = max(1, (os.cpu_count() or 1) // nproc)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    p = subprocess.run([sys.executable, '-m', 'ember.distributed.run', '--nproc_per_node',
                        str(nproc), os.path.join(HERE, '_ddp_worker.py'), str(batch), str(steps)],
                       capture_output=True, text=True, env=env, timeout=600)
    m = re.search(r'STEP ([0-9.e-]+)', p.stdout)
    if p.returncode != 0 or not m:
        raise SystemExit(f'{nproc} rank(s) failed:\n{p.stdout}\n{p.stderr}')
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--global-batch', type=int, default=64)
    ap.add_argument('--steps', type=int, default=20)
    a = ap.parse_args()
    one = run(1, a.global_batch, a.steps)
    two = run(2, a.global_batch, a.steps)
    print(f'tutorial CNN step, global batch {a.global_batch}: 1 rank {one * 1e3:.1f} ms, '
          f'2 ranks {two * 1e3:.1f} ms, ratio 2/1 = {two / one:.2f}')


if __name__ == '__main__':
    main()
