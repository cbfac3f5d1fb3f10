"""Benchmark workloads, written once against the PyTorch API and run on both libraries.

Each workload is ``make(lib) -> step``: ``lib`` is ``ember`` or ``torch``; ``step()`` runs one
timed unit of work. Inputs are built from NumPy with fixed seeds so both see the same data.
"""
import numpy as np


def _t(lib, a, requires_grad=False):
    return lib.tensor(a, requires_grad=requires_grad)


def dispatch_add(lib):
    """Per-op dispatch: ``a + b`` on 2x3 float32 tensors, no grad."""
    rng = np.random.default_rng(0)
    a = _t(lib, rng.standard_normal((2, 3), dtype=np.float32))
    b = _t(lib, rng.standard_normal((2, 3), dtype=np.float32))

    def step():
        for _ in range(100):
            a + b
    return step


def dispatch_add_grad(lib):
    """Per-op dispatch: ``a + b`` on 2x3 float32 tensors that require grad (graph recorded)."""
    rng = np.random.default_rng(0)
    a = _t(lib, rng.standard_normal((2, 3), dtype=np.float32), True)
    b = _t(lib, rng.standard_normal((2, 3), dtype=np.float32), True)

    def step():
        for _ in range(100):
            a + b
    return step


def mlp_fwd_bwd(lib):
    """Forward + backward of a 784-1024-1024-10 MLP (nn.Linear, ReLU, cross-entropy) at
    batch 256, float32."""
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 10))
    rng = np.random.default_rng(0)
    x = _t(lib, rng.standard_normal((256, 784), dtype=np.float32))
    y = _t(lib, rng.integers(0, 10, 256))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        model.zero_grad()
        loss_fn(model(x), y).backward()
    return step


WORKLOADS = {
    'dispatch_add (x100)': (dispatch_add, 2.0),
    'dispatch_add_grad (x100)': (dispatch_add_grad, 2.0),
    'mlp_784_1024_1024_10_b256 fwd+bwd': (mlp_fwd_bwd, 1.0),
}
