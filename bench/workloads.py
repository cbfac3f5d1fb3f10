"""Benchmark workloads, written once against the PyTorch API and run on both libraries.

Each workload is ``make(lib) -> step``: ``lib`` is ``ember`` or ``torch``; ``step()`` runs one
timed unit of work. Inputs are built from NumPy with fixed seeds so both see the same data.
"""
import os

import numpy as np

# the device every workload runs on: BENCH_DEVICE=cuda (set by ``run.py --device cuda``)
DEVICE = os.environ.get('BENCH_DEVICE', 'cpu')


def _t(lib, a, requires_grad=False):
    return lib.tensor(a, requires_grad=requires_grad, device=DEVICE)


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
                          nn.Linear(1024, 10)).to(DEVICE)
    rng = np.random.default_rng(0)
    x = _t(lib, rng.standard_normal((256, 784), dtype=np.float32))
    y = _t(lib, rng.integers(0, 10, 256))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        model.zero_grad()
        loss_fn(model(x), y).backward()
    return step


def _tutorial_cnn(lib):
    nn = lib.nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
            self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
            self.conv2 = nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.fc2 = nn.Linear(128, 10)
            self.relu = nn.ReLU()

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            x = x.view(-1, 64 * 7 * 7)
            x = self.relu(self.fc1(x))
            return self.fc2(x)
    lib.manual_seed(0)
    return CNN().to(DEVICE)


def mnist_cnn_train(lib):
    """The tutorial's MNIST CNN (section 6): one Adam training step at batch 64."""
    model = _tutorial_cnn(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    crit = lib.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = _t(lib, rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = _t(lib, rng.integers(0, 10, 64))

    def step():
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()
    return step


def mnist_cnn_eval(lib):
    """The tutorial's MNIST CNN: eval forward at batch 1000 under no_grad."""
    model = _tutorial_cnn(lib).eval()
    x = _t(lib, np.random.default_rng(0).standard_normal((1000, 1, 28, 28), dtype=np.float32))

    def step():
        with lib.no_grad():
            model(x).max(1)
    return step


def simplenet_sgd(lib):
    """The tutorial's SimpleNet 10-50-2: one SGD (momentum) step at batch 32."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 50), nn.ReLU(), nn.Linear(50, 2))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    crit = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = _t(lib, rng.standard_normal((32, 10), dtype=np.float32))
    y = _t(lib, rng.integers(0, 2, 32))

    def step():
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()
    return step


def cifar_bn_sgd(lib):
    """A CIFAR-style conv net with BatchNorm: one SGD step at batch 128 on 3x32x32."""
    nn = lib.nn
    lib.manual_seed(0)

    def block(i, o):
        return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
    model = nn.Sequential(*block(3, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2),
                          *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(128, 10)).to(DEVICE)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    crit = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = _t(lib, rng.standard_normal((128, 3, 32, 32), dtype=np.float32))
    y = _t(lib, rng.integers(0, 10, 128))

    def step():
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()
    return step


def lstm_lm(lib):
    """2-layer LSTM language model: embedding 10k x 200, LSTM 200 x2, seq 35, batch 20."""
    nn = lib.nn
    lib.manual_seed(0)

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10000, 200)
            self.rnn = nn.LSTM(200, 200, num_layers=2)
            self.out = nn.Linear(200, 10000)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.out(h)
    model = LM()
    opt = lib.optim.SGD(model.parameters(), lr=1.0)
    crit = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = _t(lib, rng.integers(0, 10000, (35, 20)))
    y = _t(lib, rng.integers(0, 10000, (35 * 20,)))

    def step():
        opt.zero_grad()
        crit(model(x).reshape(-1, 10000), y).backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
    return step


def transformer_layer(lib):
    """A Transformer encoder layer (d_model 256, 8 heads, ff 1024): forward + backward,
    seq 64, batch 32, batch_first."""
    nn = lib.nn
    lib.manual_seed(0)
    layer = nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.1, batch_first=True)
    x = _t(lib, np.random.default_rng(0).standard_normal((32, 64, 256), dtype=np.float32))

    def step():
        layer.zero_grad()
        layer(x).sum().backward()
    return step


def adam_step(lib):
    """One Adam update over the tutorial CNN's parameters (gradients already present)."""
    model = _tutorial_cnn(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    for p in model.parameters():
        p.grad = _t(lib, rng.standard_normal(tuple(p.shape), dtype=np.float32))

    def step():
        opt.step()
    return step


def dataloader_throughput(lib):
    """DataLoader: one epoch over 2048 (3x32x32 float32, label) pairs, batch 64, shuffled,
    two worker processes."""
    data = lib.utils.data
    rng = np.random.default_rng(0)
    ds = data.TensorDataset(_t(lib, rng.standard_normal((2048, 3, 32, 32), dtype=np.float32)),
                            _t(lib, rng.integers(0, 10, 2048)))
    loader = data.DataLoader(ds, batch_size=64, shuffle=True, num_workers=2,
                             persistent_workers=True)

    def step():
        for _ in loader:
            pass
    return step



class _MnistLike:
    """A map-style dataset of uint8 28x28 images read as torchvision's MNIST reads them:
    ``Image.fromarray(img, mode='L')`` then the transform; the label as an int."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i], mode='L')), int(self.labels[i])


def mnist_loader_throughput(lib, num_workers=(0, 2), n=2048):
    """DataLoader over MNIST-shaped data: one epoch of ``n`` uint8 28x28 images through
    ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``, batch 64, shuffled, once with
    each ``num_workers`` (0 and 2). The torch side uses torchvision's transforms, or where
    torchvision is missing (it cannot be installed beside torch 2.13 here) the same two steps
    written with torch ops, as torchvision computes them for a uint8 PIL image."""
    if lib.__name__ == 'torch':
        try:
            import torchvision
            transforms = torchvision.transforms
        except ImportError:
            transforms = _TorchTransforms(lib)
    else:
        transforms = lib.vision.transforms
    rng = np.random.default_rng(0)
    ds = _MnistLike(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n),
                    transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    loaders = [lib.utils.data.DataLoader(ds, batch_size=64, shuffle=True, num_workers=w,
                                         persistent_workers=w > 0) for w in num_workers]

    def step():
        for loader in loaders:
            for _ in loader:
                pass
    return step

class _TorchTransforms:
    """ToTensor + Normalize with plain torch ops (torchvision's arithmetic for uint8 HxW)."""

    def __init__(self, torch):
        self.torch = torch

    def Compose(self, fs):
        def run(x):
            for f in fs:
                x = f(x)
            return x
        return run

    def ToTensor(self):
        torch = self.torch
        return lambda img: torch.from_numpy(np.asarray(img)).unsqueeze(0).float().div(255)

    def Normalize(self, mean, std):
        m, s = self.torch.tensor(mean).view(-1, 1, 1), self.torch.tensor(std).view(-1, 1, 1)
        return lambda t: t.sub(m).div(s)


def _cnn_train(batch, amp):
    def make(lib):
        """The tutorial's MNIST CNN: one Adam step (GPU benchmark; AMP: autocast + GradScaler)."""
        model = _tutorial_cnn(lib)
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        crit = lib.nn.CrossEntropyLoss()
        scaler = lib.amp.GradScaler(DEVICE, enabled=amp)
        rng = np.random.default_rng(0)
        x = _t(lib, rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
        y = _t(lib, rng.integers(0, 10, batch))

        def step():
            opt.zero_grad()
            with lib.autocast(DEVICE, enabled=amp):
                loss = crit(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        return step
    return make


WORKLOADS_GPU = {
    'mnist_cnn train step b64 fp32': (_cnn_train(64, False), 1.5),
    'mnist_cnn train step b512 fp32': (_cnn_train(512, False), 1.5),
    'mnist_cnn train step b64 AMP': (_cnn_train(64, True), 1.5),
    'mnist_cnn train step b512 AMP': (_cnn_train(512, True), 1.5),
    'cifar BN net step (b128, SGD)': (None, 1.5),   # filled below
}


WORKLOADS_EXTRA = {
    'mnist_cnn train step (b64, Adam)': (mnist_cnn_train, 1.0),
    'mnist_cnn eval forward (b1000)': (mnist_cnn_eval, 0.8),
    'simplenet 10-50-2 step (b32, SGD)': (simplenet_sgd, 1.0),
    'cifar BN net step (b128, SGD)': (cifar_bn_sgd, 1.0),
    'lstm LM step (2x200, seq35, b20)': (lstm_lm, 1.2),
    'transformer enc layer fwd+bwd': (transformer_layer, 1.2),
    'adam step over CNN params': (adam_step, 1.0),
    'dataloader epoch (2 workers)': (dataloader_throughput, 1.0),
    'mnist loader epoch x2 (0 and 2 workers)': (mnist_loader_throughput, 1.0),
}


WORKLOADS = {
    'dispatch_add (x100)': (dispatch_add, 1.5),
    'dispatch_add_grad (x100)': (dispatch_add_grad, 1.5),
    'mlp_784_1024_1024_10_b256 fwd+bwd': (mlp_fwd_bwd, 1.0),
}
WORKLOADS.update(WORKLOADS_EXTRA)
WORKLOADS_GPU['cifar BN net step (b128, SGD)'] = (cifar_bn_sgd, 1.5)
if DEVICE != 'cpu':
    WORKLOADS = WORKLOADS_GPU
