"""MNIST and its relatives (FashionMNIST, KMNIST, EMNIST) from the IDX files of the real sources.

The IDX ("SN3 PascalVincent") format is parsed with NumPy in one ``frombuffer``: a big-endian
magic number ``0x0000TTNN`` (type code TT, NN dimensions), NN big-endian int32 sizes, then the
data. Files may be plain or gzip'd (``name`` or ``name.gz``).
"""
import gzip
import os
import shutil
import string

import numpy as np

from .utils import check_integrity, download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset
from .._pil import pil_image

# IDX type code -> big-endian NumPy dtype (torchvision's SN3_PASCALVINCENT_TYPEMAP)
_IDX_TYPES = {8: np.dtype('>u1'), 9: np.dtype('>i1'), 11: np.dtype('>i2'), 12: np.dtype('>i4'),
              13: np.dtype('>f4'), 14: np.dtype('>f8')}


def _read_bytes(path):
    path = os.fspath(path)
    if not os.path.isfile(path) and os.path.isfile(path + '.gz'):
        path = path + '.gz'
    if path.endswith('.gz'):
        with gzip.open(path, 'rb') as f:
            return f.read()
    if path.endswith('.xz'):
        import lzma
        with lzma.open(path, 'rb') as f:
            return f.read()
    with open(path, 'rb') as f:
        return f.read()


def read_sn3_pascalvincent_ndarray(path, strict=True):
    """The array stored in an IDX file (plain, or gzip'd as ``path`` or ``path + '.gz'``)."""
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f'{path}: not an IDX file (too short)')
    magic = int.from_bytes(data[0:4], 'big')
    nd, ty = magic % 256, magic // 256
    if not (1 <= nd <= 3 and ty in _IDX_TYPES):
        raise ValueError(f'{path}: not an IDX file (magic number {magic:#010x})')
    shape = tuple(int(v) for v in np.frombuffer(data, '>i4', nd, 4))
    dt = _IDX_TYPES[ty]
    n = int(np.prod(shape))
    avail = (len(data) - 4 * (nd + 1)) // dt.itemsize
    if avail < n or (strict and avail != n):
        raise ValueError(f'{path}: IDX header says {shape} ({n} values) but the file holds {avail}')
    arr = np.frombuffer(data, dt, n, 4 * (nd + 1)).reshape(shape)
    return arr.astype(dt.newbyteorder('='), copy=dt.itemsize > 1 or not arr.flags.writeable)


def read_sn3_pascalvincent_tensor(path, strict=True):
    """The IDX file at ``path`` as an ember Tensor (torchvision's reader of the same name)."""
    from ... import from_numpy
    return from_numpy(read_sn3_pascalvincent_ndarray(path, strict))


def read_label_file(path):
    """An IDX label file as an int64 Tensor of shape (N,)."""
    from ... import from_numpy
    x = read_sn3_pascalvincent_ndarray(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f'x should be of dtype torch.uint8 instead of {_tname(x.dtype)}')
    if x.ndim != 1:
        raise ValueError(f'x should have 1 dimension instead of {x.ndim}')
    return from_numpy(x.astype(np.int64))


def read_image_file(path):
    """An IDX image file as a uint8 Tensor of shape (N, H, W)."""
    from ... import from_numpy
    x = read_sn3_pascalvincent_ndarray(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f'x should be of dtype torch.uint8 instead of {_tname(x.dtype)}')
    if x.ndim != 3:
        raise ValueError(f'x should have 3 dimension instead of {x.ndim}')
    return from_numpy(x)


def _tname(npdt):
    from ... import _dtype
    try:
        return str(_dtype.from_np(np.dtype(npdt)))
    except Exception:
        return f'torch.{npdt}'


class MNIST(VisionDataset):
    """The MNIST dataset (``torchvision.datasets.MNIST``).

    Args:
        root: directory holding ``MNIST/raw/train-images-idx3-ubyte`` and the other IDX files
            (plain or ``.gz``).
        train: the 60k training split if True, else the 10k test split.
        transform: applied to the PIL image (mode 'L').
        target_transform: applied to the int target.
        download: fetch the files from torchvision's mirrors (MD5-verified) into ``root`` unless
            they are already there.

    ``data`` is a uint8 Tensor (N, 28, 28), ``targets`` an int64 Tensor (N,); an item is
    ``(PIL.Image, int)``.
    """
    mirrors = [
        'https://ossci-datasets.s3.amazonaws.com/mnist/',
        'http://yann.lecun.com/exdb/mnist/',
    ]
    resources = [
        ('train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
        ('train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'),
        ('t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'),
        ('t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'),
    ]
    training_file = 'training.pt'
    test_file = 'test.pt'
    classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four',
               '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine']

    @property
    def train_labels(self):
        import warnings
        warnings.warn('train_labels has been renamed targets')
        return self.targets

    @property
    def test_labels(self):
        import warnings
        warnings.warn('test_labels has been renamed targets')
        return self.targets

    @property
    def train_data(self):
        import warnings
        warnings.warn('train_data has been renamed data')
        return self.data

    @property
    def test_data(self):
        import warnings
        warnings.warn('test_data has been renamed data')
        return self.data

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError('Dataset not found. You can use download=True to download it')
        self.data, self.targets = self._load_data()

    def _load_data(self):
        split = 'train' if self.train else 't10k'
        data = read_image_file(os.path.join(self.raw_folder, f'{split}-images-idx3-ubyte'))
        targets = read_label_file(os.path.join(self.raw_folder, f'{split}-labels-idx1-ubyte'))
        return data, targets

    def __getitem__(self, index):
        """``(image, target)``: a PIL image in mode 'L' and the int class index."""
        img, target = self.data[index], int(self.targets[index])
        img = pil_image().fromarray(img.numpy())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, 'raw')

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, 'processed')

    @property
    def class_to_idx(self):
        return {_class: i for i, _class in enumerate(self.classes)}

    def _check_exists(self):
        # torchvision looks for the extracted files; ember also reads the .gz ones directly
        def ok(name):
            p = os.path.join(self.raw_folder, name)
            return check_integrity(p) or check_integrity(p + '.gz')
        return all(ok(os.path.splitext(os.path.basename(url))[0]) for url, _ in self.resources)

    def download(self):
        """Download the files from the mirrors (MD5-checked) and extract them, unless present."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f'{mirror}{filename}'
                try:
                    print(f'Downloading {url}')
                    download_and_extract_archive(url, download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except OSError as error:   # URLError: try the next mirror
                    print(f'Failed to download (trying next):\n{error}')
                    errors.append(f'{url} ({getattr(error, "reason", error)})')
                    continue
                finally:
                    print()
                break
            else:
                raise RuntimeError(f'Error downloading {filename}: could not reach '
                                   + '; '.join(errors))

    def extra_repr(self):
        split = 'Train' if self.train is True else 'Test'
        return f'Split: {split}'


class FashionMNIST(MNIST):
    """Fashion-MNIST (``torchvision.datasets.FashionMNIST``): same arguments and layout as MNIST."""
    mirrors = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']
    resources = [
        ('train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'),
        ('train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'),
        ('t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'),
        ('t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'),
    ]
    classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
               'Bag', 'Ankle boot']


class KMNIST(MNIST):
    """Kuzushiji-MNIST (``torchvision.datasets.KMNIST``): same arguments and layout as MNIST."""
    mirrors = ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/']
    resources = [
        ('train-images-idx3-ubyte.gz', 'bdb82020997e1d708af4cf47b453dcf7'),
        ('train-labels-idx1-ubyte.gz', 'e144d726b3acfaa3e44228e80efcd344'),
        ('t10k-images-idx3-ubyte.gz', '5c965bf0a639b31b8f53240b1b52f4d7'),
        ('t10k-labels-idx1-ubyte.gz', '7320c461ea6c1c855c0b718fb2a4b134'),
    ]
    classes = ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo']


class EMNIST(MNIST):
    """EMNIST (``torchvision.datasets.EMNIST``).

    Args:
        root: directory holding ``EMNIST/raw/emnist-<split>-<train|test>-*-idx?-ubyte``.
        split: one of ``byclass``, ``bymerge``, ``balanced``, ``letters``, ``digits``, ``mnist``.
        **kwargs: ``train``, ``transform``, ``target_transform``, ``download`` as for MNIST.
    """
    url = 'https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip'
    md5 = '58c8d27c78d21e728a6bc7b3cc06412e'
    splits = ('byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist')
    _merged_classes = {'c', 'i', 'j', 'k', 'l', 'm', 'o', 'p', 's', 'u', 'v', 'w', 'x', 'y', 'z'}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        'byclass': sorted(list(_all_classes)),
        'bymerge': sorted(list(_all_classes - _merged_classes)),
        'balanced': sorted(list(_all_classes - _merged_classes)),
        'letters': ['N/A'] + list(string.ascii_lowercase),
        'digits': list(string.digits),
        'mnist': list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, 'split', self.splits)
        self.training_file = f'training_{split}.pt'
        self.test_file = f'test_{split}.pt'
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self):
        return os.path.join(self.raw_folder, f'{self._file_prefix}-images-idx3-ubyte')

    @property
    def labels_file(self):
        return os.path.join(self.raw_folder, f'{self._file_prefix}-labels-idx1-ubyte')

    def _load_data(self):
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def _check_exists(self):
        return all(check_integrity(f) or check_integrity(f + '.gz')
                   for f in (self.images_file, self.labels_file))

    def download(self):
        """Download NIST's zip (MD5-checked) and extract the IDX files, unless present."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, 'gzip')
        for gzip_file in os.listdir(gzip_folder):
            if gzip_file.endswith('.gz'):
                extract_archive(os.path.join(gzip_folder, gzip_file), self.raw_folder)
        shutil.rmtree(gzip_folder)
