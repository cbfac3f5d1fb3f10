"""ember vs PyTorch, side by side in one run.

    python bench/run.py [--chunks 5] [--steps 10] [--only NAME]

Each framework runs in its own worker process (two thread pools in one process steal each
other's cores); the runner alternates chunks of steps between them so both see the same
machine noise, then prints per workload the median and 10th-percentile step times and the
ratio ember/torch. PyTorch is skipped where it is not installed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def worker(lib_name, workload, steps_per_chunk):
    """Serve 'run' requests on stdin: time ``steps_per_chunk`` steps, reply with JSON times."""
    sys.path.insert(0, HERE)
    from workloads import WORKLOADS
    lib = __import__(lib_name)
    if lib_name == 'torch' and os.environ.get('OMP_NUM_THREADS'):
        lib.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    make = WORKLOADS[workload][0]
    if os.environ.get('BENCH_DEVICE', 'cpu') != 'cpu':
        inner = make(lib)

        def step():
            inner()
            lib.cuda.synchronize()     # time the work, not its queueing
    else:
        step = make(lib)
    step()  # warm-up
    print('ready', flush=True)
    for line in sys.stdin:
        if line.strip() != 'run':
            break
        step()              # untimed: the first step after the idle pause runs cold
        times = []
        for _ in range(steps_per_chunk):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        print(json.dumps(times), flush=True)


MEMORY_SCRIPT = r"""
import resource, sys, numpy as np
sys.path.insert(0, %(here)r)
lib = __import__(%(lib)r)
from workloads import _tutorial_cnn
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = _tutorial_cnn(lib)
opt = lib.optim.Adam(model.parameters(), lr=1e-3)
crit = lib.nn.CrossEntropyLoss()
rng = np.random.default_rng(0)
x = lib.tensor(rng.standard_normal((1500, 1, 28, 28), dtype=np.float32))
y = lib.tensor(rng.integers(0, 10, 1500))
loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True)
for xb, yb in loader:
    opt.zero_grad()
    crit(model(xb), yb).backward()
    opt.step()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, peak - base)
"""


def memory_report(have_torch):
    """Peak resident memory of one epoch of the tutorial CNN (1500 samples, batch 64, Adam),
    each framework in a fresh process; prints the growth over the framework's import."""
    out = {}
    for lib in ['ember'] + (['torch'] if have_torch else []):
        r = subprocess.run([sys.executable, '-c', MEMORY_SCRIPT % {'here': HERE, 'lib': lib}],
                           capture_output=True, text=True)
        if r.returncode == 0:
            out[lib] = [int(v) for v in r.stdout.split()]
    if 'ember' not in out:
        print('peak memory: ember run failed')
        return
    e = out['ember']
    row = f'{"cnn epoch peak RSS (MiB, total / growth)":40s} {e[0] / 1024:>9.0f}M {e[1] / 1024:>9.0f}M'
    if 'torch' in out:
        t = out['torch']
        row += f' {t[0] / 1024:>9.0f}M {t[1] / 1024:>9.0f}M {e[0] / t[0]:7.2f} {1.2:7.2f}'
    print(row, flush=True)


def _spawn(lib, workload, steps):
    env = dict(os.environ)
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--worker', lib, '--workload',
                          workload, '--steps', str(steps)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    if line.strip() != 'ready':
        p.kill()
        return None
    return p


def _pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--chunks', type=int, default=5)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--only', default=None, help='run only workloads whose name contains this')
    ap.add_argument('--memory', action='store_true',
                    help='also measure the peak memory of a CNN training epoch')
    ap.add_argument('--device', default=None, help="'cuda' runs the GPU workloads on the GPU")
    ap.add_argument('--threads', type=int, default=None,
                    help='CPU threads for both frameworks (default: all cores)')
    ap.add_argument('--settle', type=float, default=0.3,
                    help='seconds of idle between chunks, so neither framework is timed while '
                         "the other's idle threads still spin")
    ap.add_argument('--worker', help=argparse.SUPPRESS)
    ap.add_argument('--workload', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.device:
        os.environ['BENCH_DEVICE'] = args.device
    if args.threads:
        for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
            os.environ[v] = str(args.threads)
    if args.worker:
        return worker(args.worker, args.workload, args.steps)
    sys.path.insert(0, HERE)
    from workloads import WORKLOADS
    try:
        import importlib.util
        have_torch = importlib.util.find_spec('torch') is not None
    except Exception:
        have_torch = False
    print(f'{"workload":40s} {"ember med":>10s} {"ember p10":>10s} {"torch med":>10s} '
          f'{"torch p10":>10s} {"ratio":>7s} {"target":>7s}')
    results = {}
    for name, (_, target) in WORKLOADS.items():
        if args.only and args.only not in name:
            continue
        procs = {'ember': _spawn('ember', name, args.steps)}
        if have_torch:
            procs['torch'] = _spawn('torch', name, args.steps)
        times = {k: [] for k, p in procs.items() if p is not None}
        for _ in range(args.chunks):
            for k in times:
                # let the other framework's idle threads stop spinning (OpenBLAS workers poll
                # ~0.1 s after a call, OpenMP's too): they would be charged to this chunk
                time.sleep(args.settle)
                procs[k].stdin.write('run\n')
                procs[k].stdin.flush()
                times[k] += json.loads(procs[k].stdout.readline())
        for p in procs.values():
            if p is not None:
                p.stdin.close()
                p.wait()
        if 'ember' not in times:
            print(f'{name:40s} ember failed to start (see the error above)', flush=True)
            continue
        e = times['ember']
        row = f'{name:40s} {_ms(_pct(e, .5)):>10s} {_ms(_pct(e, .1)):>10s}'
        if 'torch' in times:
            t = times['torch']
            ratio = _pct(e, .5) / _pct(t, .5)
            row += f' {_ms(_pct(t, .5)):>10s} {_ms(_pct(t, .1)):>10s} {ratio:7.2f} {target:7.2f}'
            results[name] = ratio
        else:
            row += f' {"-":>10s} {"-":>10s} {"-":>7s} {target:7.2f}'
        print(row, flush=True)
    if args.memory or (not args.only and not args.device):
        memory_report(have_torch)
    return results


def _ms(s):
    return f'{s * 1e3:.3f}ms'


if __name__ == '__main__':
    main()
