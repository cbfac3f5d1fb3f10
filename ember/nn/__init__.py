"""``ember.nn``: modules, parameters, functional ops, init and utilities (``torch.nn``)."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer
from .module import Module
from .modules import *  # noqa: F401,F403
from . import functional, init, utils
from . import parallel
from .parallel import DataParallel
