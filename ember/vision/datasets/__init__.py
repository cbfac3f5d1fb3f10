"""Vision datasets (``torchvision.datasets``): MNIST family, CIFAR, SVHN, folders, fake data."""
from .vision import VisionDataset, StandardTransform
from .mnist import MNIST, FashionMNIST, KMNIST, EMNIST
from .cifar import CIFAR10, CIFAR100
from .svhn import SVHN
from .folder import DatasetFolder, ImageFolder
from .fakedata import FakeData
from ._bundled import bundled_digits_root
from . import utils

__all__ = ('VisionDataset', 'MNIST', 'FashionMNIST', 'KMNIST', 'EMNIST', 'CIFAR10', 'CIFAR100', 'SVHN',
           'DatasetFolder', 'ImageFolder', 'FakeData', 'bundled_digits_root')
