"""Quantized versus float inference of the tutorial's MNIST CNN at batch 1000.

    python bench/quant.py

Times the float model, its dynamically quantized form (Linear layers int8) and its static
(eager PTQ, x86 qconfig, all layers) form (PyTorch's static model cannot run the tutorial's
``x.view(-1, 3136)`` on its channels-last quantized activations: shown as nan), under no_grad, median of several runs; for ember and,
where installed, PyTorch, each in its own process.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

WORKER = r'''
import copy, sys, time
import numpy as np
sys.path.insert(0, %(here)r)
lib = __import__(%(lib)r)
from workloads import _tutorial_cnn
nn, Q = lib.nn, lib.quantization
model = _tutorial_cnn(lib).eval()
x = lib.tensor(np.random.default_rng(0).standard_normal((1000, 1, 28, 28), dtype=np.float32))
dyn = Q.quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=lib.qint8)
st = Q.QuantWrapper(copy.deepcopy(model)).eval()
st.qconfig = Q.get_default_qconfig('x86')
Q.prepare(st, inplace=True)
with lib.no_grad():
    st(x[:200])
Q.convert(st, inplace=True)
def med(m):
    ts = []
    with lib.no_grad():
        m(x)
        for _ in range(5):
            t0 = time.perf_counter(); m(x); ts.append(time.perf_counter() - t0)
    return sorted(ts)[2]
try:
    s = med(st)
except RuntimeError:          # torch: quantized convs give channels-last outputs, and the
    s = float('nan')          # tutorial's x.view(-1, 3136) refuses them
print(med(model), med(dyn), s)
'''


def main():
    rows = {}
    for lib in ('ember', 'torch'):
        r = subprocess.run([sys.executable, '-W', 'ignore', '-c',
                            WORKER % {'here': HERE, 'lib': lib}], capture_output=True, text=True)
        if r.returncode == 0:
            rows[lib] = [float(v) for v in r.stdout.split()]
        elif lib == 'ember':
            raise SystemExit(r.stderr)
    print(f'{"MNIST CNN eval, batch 1000":28s} {"float":>9s} {"dynamic":>9s} {"static":>9s}')
    for lib, (f, d, s) in rows.items():
        print(f'{lib:28s} {f * 1e3:8.1f}ms {d * 1e3:8.1f}ms {s * 1e3:8.1f}ms   '
              f'(dynamic/float {d / f:.2f}, static/float {s / f:.2f})')


if __name__ == '__main__':
    main()
