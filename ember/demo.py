"""The demo: train the tutorial's MNIST CNN (section 6) on ember and report.

    ember-demo                         # bundled offline digits (default)
    python -m ember.demo --dataset mnist --epochs 5
    python -m ember.demo --device cuda --batch-size 128 --lr 1e-3

Per epoch it shows a progress bar with the running loss, then evaluates on the test split.
At the end it saves the checkpoint (``mnist_cnn.pth``, PyTorch's format), a PNG plot of loss
and accuracy per epoch, and prints a one-screen summary.
"""
import argparse
import math
import os
import sys
import time

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset

__all__ = ['CNN', 'main']


class CNN(nn.Module):
    """The tutorial's CNN: conv3x3(32)-ReLU-pool, conv3x3(64)-ReLU-pool, fc 3136-128-10."""

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


def _datasets(name, data_dir):
    """(train, test) TensorDatasets of normalised (N, 1, 28, 28) float32 images and labels."""
    from ember.vision import datasets
    if name == 'bundled':
        root = datasets.bundled_digits_root()
        download = False
    else:
        root = data_dir
        download = True
    out = []
    for train in (True, False):
        ds = datasets.MNIST(root=root, train=train, download=download)
        x = (ds.data.float() / 255.0 - 0.1307) / 0.3081       # transforms.Normalize's numbers
        out.append(TensorDataset(x.unsqueeze(1), ds.targets))
    return out


def _bar(done, total, loss, t0, width=30):
    frac = done / total
    fill = int(width * frac)
    rate = done / max(time.perf_counter() - t0, 1e-9)
    sys.stderr.write(f'\r  [{"#" * fill}{"." * (width - fill)}] {done}/{total} '
                     f'loss {loss:.4f}  {rate:.0f} it/s ')
    sys.stderr.flush()


def plot_png(path, losses, accs, size=(640, 320)):
    """Write a PNG with training loss and test accuracy per epoch (needs Pillow)."""
    from PIL import Image, ImageDraw
    w, h = size
    img = Image.new('RGB', size, 'white')
    d = ImageDraw.Draw(img)
    panels = [('train loss', losses, (200, 60, 40)), ('test accuracy %', accs, (40, 90, 200))]
    pw = w // 2
    for k, (title, ys, color) in enumerate(panels):
        x0, y0, x1, y1 = k * pw + 45, 30, (k + 1) * pw - 15, h - 35
        d.rectangle([x0, y0, x1, y1], outline='black')
        d.text((x0, 10), title, fill='black')
        if not ys:
            continue
        lo, hi = min(ys), max(ys)
        if hi - lo < 1e-12:
            lo, hi = lo - 1, hi + 1
        pts = []
        for i, v in enumerate(ys):
            px = x0 + (x1 - x0) * (i / max(len(ys) - 1, 1))
            py = y1 - (y1 - y0) * (v - lo) / (hi - lo)
            pts.append((px, py))
        if len(pts) > 1:
            d.line(pts, fill=color, width=2)
        for px, py in pts:
            d.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
        d.text((x0 - 40, y0), f'{hi:.3g}', fill='black')
        d.text((x0 - 40, y1 - 10), f'{lo:.3g}', fill='black')
        d.text((x0, y1 + 8), 'epoch 1', fill='black')
        d.text((x1 - 45, y1 + 8), f'epoch {len(ys)}', fill='black')
    img.save(path, format='PNG')


def main(argv=None):
    ap = argparse.ArgumentParser(prog='ember-demo', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--dataset', choices=['bundled', 'mnist'], default='bundled',
                    help='bundled offline digits (default) or the real MNIST (downloaded)')
    ap.add_argument('--data-dir', default='./data', help='where --dataset mnist downloads to')
    ap.add_argument('--out-dir', default='.', help='where the checkpoint and plot go')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    train_ds, test_ds = _datasets(args.dataset, args.data_dir)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=1000, shuffle=False)
    model = CNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(f'ember {torch.__version__} | {args.dataset}: {len(train_ds)} train / {len(test_ds)} '
          f'test images | device {device} | {args.epochs} epochs, batch {args.batch_size}, '
          f'Adam lr {args.lr}')

    losses, accs, times = [], [], []
    for epoch in range(args.epochs):
        model.train()
        t0 = time.perf_counter()
        total, n = 0.0, 0
        print(f'epoch {epoch + 1}/{args.epochs}', file=sys.stderr)
        for i, (images, labels) in enumerate(train_loader):
            images, labels = images.to(device), labels.to(device)
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            n += 1
            if (i + 1) % 5 == 0 or i + 1 == len(train_loader):
                _bar(i + 1, len(train_loader), total / n, t0)
        sys.stderr.write('\n')
        model.eval()
        correct = count = 0
        with torch.no_grad():
            for images, labels in test_loader:
                images, labels = images.to(device), labels.to(device)
                _, predicted = torch.max(model(images).data, 1)
                count += labels.size(0)
                correct += (predicted == labels).sum().item()
        times.append(time.perf_counter() - t0)
        losses.append(total / max(n, 1))
        accs.append(100.0 * correct / count)
        print(f'Epoch [{epoch + 1}/{args.epochs}] loss {losses[-1]:.4f}  test accuracy '
              f'{accs[-1]:.2f}%  ({times[-1]:.1f}s)')

    os.makedirs(args.out_dir, exist_ok=True)
    ckpt = os.path.abspath(os.path.join(args.out_dir, 'mnist_cnn.pth'))
    torch.save(model.state_dict(), ckpt)
    plot = os.path.abspath(os.path.join(args.out_dir, 'mnist_cnn.png'))
    try:
        plot_png(plot, losses, accs)
    except ImportError:
        plot = None
    line = '-' * 60
    print(line)
    print(f'test accuracy   {accs[-1]:.2f}% (best {max(accs):.2f}%)' if accs else 'no epochs run')
    if times:
        print(f'time per epoch  {sum(times) / len(times):.1f}s ({sum(times):.1f}s in all)')
    print(f'checkpoint      {ckpt}')
    print(f'plot            {plot or "(needs Pillow: pip install pillow)"}')
    print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
