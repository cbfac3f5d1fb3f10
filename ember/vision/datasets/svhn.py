"""SVHN (Street View House Numbers), cropped digits, from the real ``*_32x32.mat`` files."""
import os

import numpy as np

from .utils import check_integrity, download_url, verify_str_arg
from .vision import VisionDataset
from .._pil import pil_image


def _loadmat(path):
    try:
        import scipy.io as sio
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("SVHN reads MATLAB .mat files with SciPy, an optional extra; install it "
                          "with `pip install 'ember[special]'` (or `pip install scipy`)") from e
    return sio.loadmat(path)


class SVHN(VisionDataset):
    """SVHN (``torchvision.datasets.SVHN``): 32x32 RGB house-number digits.

    Args:
        root: directory holding ``{split}_32x32.mat`` (or where to download it).
        split: ``'train'``, ``'test'`` or ``'extra'``.
        transform: applied to the PIL image (mode 'RGB').
        target_transform: applied to the int target.
        download: fetch the ``.mat`` file (MD5-verified) unless it is already there.

    The files are MATLAB v5 ``.mat`` files read with ``scipy.io.loadmat`` (SciPy is an optional
    extra). ``data`` is a uint8 array (N, 3, 32, 32); ``labels`` an int64 array (N,) where the
    original label 10 (digit zero) becomes 0, as in torchvision.
    """
    split_list = {
        'train': ['http://ufldl.stanford.edu/housenumbers/train_32x32.mat', 'train_32x32.mat',
                  'e26dedcc434d2e4c54c9b2d4a06d8373'],
        'test': ['http://ufldl.stanford.edu/housenumbers/test_32x32.mat', 'test_32x32.mat',
                 'eb5a983be6a315427106f1b69d6d8b8e'],
        'extra': ['http://ufldl.stanford.edu/housenumbers/extra_32x32.mat', 'extra_32x32.mat',
                  'a93ce644f1a588dc4d68dda5feec44a7'],
    }

    def __init__(self, root, split='train', transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, 'split', tuple(self.split_list.keys()))
        self.url = self.split_list[split][0]
        self.filename = self.split_list[split][1]
        self.file_md5 = self.split_list[split][2]
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError('Dataset not found or corrupted. You can use download=True to download it')
        loaded_mat = _loadmat(os.path.join(self.root, self.filename))
        self.data = loaded_mat['X']                          # (32, 32, 3, N)
        self.labels = loaded_mat['y'].astype(np.int64).squeeze()
        np.place(self.labels, self.labels == 10, 0)          # digit zero is stored as 10
        self.data = np.transpose(self.data, (3, 2, 0, 1))    # -> (N, 3, 32, 32)

    def __getitem__(self, index):
        """``(image, target)``: a PIL image in mode 'RGB' and the int digit."""
        img, target = self.data[index], int(self.labels[index])
        img = pil_image().fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        md5 = self.split_list[self.split][2]
        return check_integrity(os.path.join(self.root, self.filename), md5)

    def download(self):
        """Download the split's ``.mat`` file (MD5-checked) into ``root``."""
        md5 = self.split_list[self.split][2]
        download_url(self.url, self.root, self.filename, md5)

    def extra_repr(self):
        return 'Split: {split}'.format(**self.__dict__)
