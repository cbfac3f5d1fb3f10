"""``ember.nn.modules.module`` (``torch.nn.modules.module``): ``Module`` and the global module
hooks, defined in ``ember/nn/module.py``."""
from ..module import *  # noqa: F401,F403
from ..module import (Module, _IncompatibleKeys, RemovableHandle, _addindent,  # noqa: F401
                      register_module_forward_pre_hook, register_module_forward_hook,
                      register_module_full_backward_pre_hook, register_module_full_backward_hook)
