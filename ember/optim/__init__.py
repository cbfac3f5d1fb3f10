"""``ember.optim``: optimizers, learning-rate schedulers and weight averaging (``torch.optim``)."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSprop
from .lbfgs import LBFGS
from .rprop import Rprop
from .asgd import ASGD
from . import lr_scheduler
from . import swa_utils

__all__ = ['Adadelta', 'Adagrad', 'Adam', 'Adamax', 'AdamW', 'ASGD', 'LBFGS', 'lr_scheduler',
           'NAdam', 'Optimizer', 'RAdam', 'RMSprop', 'Rprop', 'SGD', 'swa_utils']
