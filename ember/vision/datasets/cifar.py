"""CIFAR-10 and CIFAR-100 from the real ``cifar-*-python`` pickles.

The batches are Python pickles of dicts holding a uint8 array ``data`` (N, 3072) and label
lists. They are read with a restricted unpickler that only rebuilds NumPy arrays and plain
containers, so a tampered file cannot run code.
"""
import importlib
import os
import pickle

import numpy as np

from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset
from .._pil import pil_image

_SAFE = {
    ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode'),
    ('copyreg', '_reconstructor'), ('builtins', 'object'),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _SAFE:
            return getattr(importlib.import_module(module), name)
        raise pickle.UnpicklingError(f'refusing to load {module}.{name} from a dataset file')


def _load_pickle(path):
    with open(path, 'rb') as f:
        return _SafeUnpickler(f, encoding='latin1').load()


class CIFAR10(VisionDataset):
    """CIFAR-10 (``torchvision.datasets.CIFAR10``).

    Args:
        root: directory holding ``cifar-10-batches-py/`` (or where to download it).
        train: the 50k training batches if True, else ``test_batch``.
        transform: applied to the PIL image (mode 'RGB').
        target_transform: applied to the int target.
        download: fetch and extract the archive (MD5-verified) unless the batches are present.

    ``data`` is a NumPy uint8 array (N, 32, 32, 3) (HWC), ``targets`` a list of ints; the batch
    files are checked against their MD5s as in torchvision.
    """
    base_folder = 'cifar-10-batches-py'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
    filename = 'cifar-10-python.tar.gz'
    tgz_md5 = 'c58f30108f718f92721af3b95e74349a'
    train_list = [
        ['data_batch_1', 'c99cafc152244af753f735de768cd75f'],
        ['data_batch_2', 'd4bba439e000b95fd0a9bffe97cbabec'],
        ['data_batch_3', '54ebc095f3ab1f0389bbae665268c751'],
        ['data_batch_4', '634d18415352ddfa80567beed471001a'],
        ['data_batch_5', '482c414d41f54cd18b22e5b47cb7c3cb'],
    ]
    test_list = [
        ['test_batch', '40351d587109b95175f43aff81a1287e'],
    ]
    meta = {'filename': 'batches.meta', 'key': 'label_names',
            'md5': '5ff9c542aee3614f3951f8cda6e48888'}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError('Dataset not found or corrupted. You can use download=True to download it')
        downloaded_list = self.train_list if self.train else self.test_list
        data, self.targets = [], []
        for file_name, _ in downloaded_list:
            entry = _load_pickle(os.path.join(self.root, self.base_folder, file_name))
            data.append(np.asarray(entry['data'], dtype=np.uint8))
            self.targets.extend(int(v) for v in (entry['labels'] if 'labels' in entry
                                                 else entry['fine_labels']))
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # to HWC
        self._load_meta()

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta['filename'])
        if not check_integrity(path, self.meta['md5']):
            raise RuntimeError('Dataset metadata file not found or corrupted. You can use '
                               'download=True to download it')
        self.classes = _load_pickle(path)[self.meta['key']]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}

    def __getitem__(self, index):
        """``(image, target)``: a PIL image in mode 'RGB' and the int class index."""
        img, target = self.data[index], self.targets[index]
        img = pil_image().fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        for filename, md5 in self.train_list + self.test_list:
            if not check_integrity(os.path.join(self.root, self.base_folder, filename), md5):
                return False
        return True

    def download(self):
        """Download and extract the archive (MD5-checked), unless the batches are present."""
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def extra_repr(self):
        split = 'Train' if self.train is True else 'Test'
        return f'Split: {split}'


class CIFAR100(CIFAR10):
    """CIFAR-100 (``torchvision.datasets.CIFAR100``): fine labels, same arguments as CIFAR10."""
    base_folder = 'cifar-100-python'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
    filename = 'cifar-100-python.tar.gz'
    tgz_md5 = 'eb9058c3a382ffc7106e4002c42a8d85'
    train_list = [
        ['train', '16019d7e3df5f24257cddd939b257f8d'],
    ]
    test_list = [
        ['test', 'f0ef6b0ae62326f3e7ffdfab6717acfc'],
    ]
    meta = {'filename': 'meta', 'key': 'fine_label_names',
            'md5': '7973b15100ade9c7d40fb424638fde48'}
