"""ember.vision: torchvision's counterpart (datasets, transforms, models).

``import torchvision`` resolves to this package under ember. Pillow is an optional extra
(``pip install 'ember[vision]'``) imported only when PIL images are used.
"""
from . import datasets
from . import transforms
from . import models
from . import utils

__version__ = '0.1.0'
