"""Write ember's bundled digits dataset (ember/vision/_data/digits/MNIST/raw/*.gz).

Source: scikit-learn's ``load_digits`` (the UCI ML "Optical Recognition of Handwritten Digits"
test set: 1797 real 8x8 digits, 16 grey levels). Each digit is scaled to 0-255, upsampled to
20x20 with Pillow's bilinear filter and centred by its centre of mass in a 28x28 black frame,
as MNIST's digits are. A fixed permutation (seed 0) splits it 1500 train / 297 test. The
training split then grows with N_VARIANTS randomly affine-jittered copies of each real training
digit (rotation +-10 degrees, shift +-2 px, scale 0.9-1.1, bilinear, seed 1; requantised to the
source's 17 grey levels so the file stays small): 1500 + 1500 * 5 = 9000 training images. The
test split is untouched, and no variant is made from a test digit, so the two stay disjoint.
The files are MNIST's real IDX format, gzip'd deterministically (mtime 0).

Needs scikit-learn and Pillow only to run (``pip install scikit-learn pillow``); neither is an
ember runtime dependency. Run from the repository root: ``python tools/make_bundled_digits.py``.
"""
import gzip
import hashlib
import os
import struct

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'ember', 'vision', '_data',
                   'digits', 'MNIST', 'raw')
N_TRAIN = 1500
N_VARIANTS = 5           # jittered copies per real training digit
MAX_DEGREES = 10.0       # rotation in [-10, 10] degrees
MAX_SHIFT = 2.0          # translation in [-2, 2] px on each axis
SCALE = (0.9, 1.1)
LEVELS = 17              # the source's grey levels (0-16)


def to_mnist_frame(img8):
    """An 8x8 image with values 0-16 -> a 28x28 uint8 MNIST-style frame."""
    a = np.clip(img8 * (255.0 / 16.0), 0, 255).astype(np.uint8)
    big = np.asarray(Image.fromarray(a, 'L').resize((20, 20), Image.BILINEAR), dtype=np.float64)
    ys, xs = np.indices(big.shape)
    m = big.sum()
    cy, cx = (ys * big).sum() / m, (xs * big).sum() / m
    # shift so the centre of mass lands at the frame's centre (13.5, 13.5), within bounds
    oy = int(np.clip(round(13.5 - cy), 0, 8))
    ox = int(np.clip(round(13.5 - cx), 0, 8))
    frame = np.zeros((28, 28), np.uint8)
    frame[oy:oy + 20, ox:ox + 20] = np.round(big).astype(np.uint8)
    return frame


def jitter(frame, rng):
    """A random affine copy of a 28x28 uint8 frame about its centre (bilinear, black outside),
    requantised to LEVELS grey levels."""
    angle = np.deg2rad(rng.uniform(-MAX_DEGREES, MAX_DEGREES))
    scale = rng.uniform(*SCALE)
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2)
    # forward map p' = scale * R(angle) (p - c) + c + shift; PIL wants the inverse, output->input
    ca, sa = np.cos(angle), np.sin(angle)
    inv = np.array([[ca, sa], [-sa, ca]]) / scale
    c = np.array([14.0, 14.0])                   # the frame's centre in PIL's pixel-edge coordinates
    off = c - inv @ (c + shift)
    coeffs = (inv[0, 0], inv[0, 1], off[0], inv[1, 0], inv[1, 1], off[1])
    out = np.asarray(Image.fromarray(frame, 'L').transform((28, 28), Image.AFFINE, coeffs,
                                                           resample=Image.BILINEAR), np.float64)
    step = 255.0 / (LEVELS - 1)
    return np.round(np.round(out / step) * step).astype(np.uint8)


def idx_bytes(arr):
    """``arr`` (uint8, 1-3 dims) in IDX format: magic 0x0000 08 NN, big-endian sizes, data."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    head = struct.pack('>I', 0x0800 | arr.ndim) + struct.pack('>' + 'I' * arr.ndim, *arr.shape)
    return head + arr.tobytes()


def write_gz(path, data):
    with open(path, 'wb') as raw:
        with gzip.GzipFile(filename='', mode='wb', fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(data)


def main():
    digits = load_digits()
    images = np.stack([to_mnist_frame(im) for im in digits.images])
    labels = digits.target.astype(np.uint8)
    perm = np.random.default_rng(0).permutation(len(images))
    images, labels = images[perm], labels[perm]
    train_x, train_y = images[:N_TRAIN], labels[:N_TRAIN]
    test_x, test_y = images[N_TRAIN:], labels[N_TRAIN:]
    # the real training digits first (indices 0-1499), then variant k of real digit i at
    # N_TRAIN + N_VARIANTS * i + k; only training digits are jittered
    rng = np.random.default_rng(1)
    variants = np.stack([jitter(f, rng) for f in train_x for _ in range(N_VARIANTS)])
    train_x = np.concatenate([train_x, variants])
    train_y = np.concatenate([train_y, np.repeat(train_y, N_VARIANTS)])
    os.makedirs(OUT, exist_ok=True)
    parts = {'train': (train_x, train_y), 't10k': (test_x, test_y)}
    for split, (x, y) in parts.items():
        write_gz(os.path.join(OUT, f'{split}-images-idx3-ubyte.gz'), idx_bytes(x))
        write_gz(os.path.join(OUT, f'{split}-labels-idx1-ubyte.gz'), idx_bytes(y))
    for name in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, name)
        print(name, os.path.getsize(p), hashlib.md5(open(p, 'rb').read()).hexdigest())


if __name__ == '__main__':
    main()
