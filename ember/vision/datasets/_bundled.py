"""A small real digits dataset shipped with ember, in MNIST's folder layout and IDX format.

See ``ember/vision/_data/README`` for its provenance: scikit-learn's copy of the UCI optdigits
test set (1797 real handwritten 8x8 digits), upsampled to 28x28 and framed like MNIST; the
training split adds 5 affine-jittered variants of each real training digit.
"""
import os
import shutil

from .utils import check_integrity, extract_archive

_HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), '_data', 'digits')

# name -> MD5 of the committed gzip file (regenerate with tools/make_bundled_digits.py)
BUNDLED_DIGITS_MD5 = {
    'train-images-idx3-ubyte.gz': 'a8f7bd7cafecd9fa80bb98efa7ae7203',
    'train-labels-idx1-ubyte.gz': 'a2101aa4faa2d9220072b3d6e6b29d2c',
    't10k-images-idx3-ubyte.gz': 'c59945cfc53bf29348d5187080515e48',
    't10k-labels-idx1-ubyte.gz': 'a48b4f80d36c7757125c9c2283c80726',
}

BUNDLED_DIGITS_FILES = ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
                        't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')


def bundled_digits_root(root=None):
    """A folder laid out as torchvision's MNIST root, holding ember's bundled digits.

    Args:
        root: where to materialise it. None (default) returns the copy inside the ember package
            (``<root>/MNIST/raw/*-ubyte.gz``, which ``ember.vision.datasets.MNIST`` reads directly).
            A path copies the gzip'd files to ``root/MNIST/raw/`` and extracts them next to the
            ``.gz`` files, exactly as a finished ``download=True`` leaves them, so real torchvision
            loads that folder too.

    Returns:
        The root to pass as ``MNIST(root=..., download=False)``: 9000 training images (1500 real
        digits and 5 jittered variants of each) and 297 held-out real test images,
        28x28 uint8, labels 0-9.

    Raises:
        RuntimeError: a bundled file is missing or fails its MD5 check.
    """
    src = os.path.join(_HERE, 'MNIST', 'raw')
    for name in BUNDLED_DIGITS_FILES:
        path = os.path.join(src, name)
        if not check_integrity(path, BUNDLED_DIGITS_MD5.get(name)):
            raise RuntimeError(f'ember bundled digits: {path} is missing or corrupted')
    if root is None:
        return _HERE
    root = os.path.expanduser(os.fspath(root))
    raw = os.path.join(root, 'MNIST', 'raw')
    os.makedirs(raw, exist_ok=True)
    for name in BUNDLED_DIGITS_FILES:
        dst = os.path.join(raw, name)
        if not check_integrity(dst, BUNDLED_DIGITS_MD5.get(name)):
            shutil.copyfile(os.path.join(src, name), dst)
        if not os.path.isfile(dst[:-3]):
            extract_archive(dst, raw)
    return root
