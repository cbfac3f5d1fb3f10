"""The torch launcher: run a PyTorch program unmodified on ember.

    python -m ember.run script.py [args...]      (or: ember-run script.py [args...])
    python -m ember.run -m package.module [args...]

``import torch`` / ``import torchvision`` and their submodules resolve to ember's
(``torch.nn`` -> ``ember.nn``, ``torchvision.datasets`` -> ``ember.vision.datasets``...).
``sys.argv``, ``__name__ == "__main__"``, the script's own imports and exit codes behave as
with plain ``python``. A PyTorch module or attribute that ember lacks raises
``NotImplementedError`` naming it.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import types

__all__ = ['install', 'main', 'EmberMissing']

# torch-side prefix -> ember module, for names that differ
ALIASES = {
    'torch': 'ember',
    'torchvision': 'ember.vision',
    'torch.ao.quantization': 'ember.quantization',
    'torch.ao': 'ember.ao',
    'torch.nn.utils.prune': 'ember.nn.utils.prune',
}


class EmberMissing(NotImplementedError, AttributeError):
    """A PyTorch API that ember does not implement (also an AttributeError, so ``hasattr``
    and ``getattr(..., default)`` keep working)."""


def _missing_module(name):
    """A placeholder for a PyTorch module ember lacks: any use names what is missing."""
    mod = types.ModuleType(name)
    mod.__path__ = []

    def __getattr__(attr):
        if attr.startswith('__') and attr.endswith('__'):
            raise AttributeError(attr)
        raise EmberMissing(f'ember does not implement {name}.{attr} yet')
    mod.__getattr__ = __getattr__
    mod.__ember_missing__ = True
    return mod


def _target(fullname):
    """The ember module name for a torch/torchvision module name, or None."""
    best = None
    for prefix in ALIASES:
        if fullname == prefix or fullname.startswith(prefix + '.'):
            if best is None or len(prefix) > len(best):
                best = prefix
    if best is None:
        return None
    return ALIASES[best] + fullname[len(best):]


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as e:
            if e.name and (e.name == self.target or self.target.startswith(e.name + '.')):
                return _missing_module(spec.name)
            raise

    def exec_module(self, module):
        pass


class TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch*`` and ``torchvision*`` imports to ember's modules."""

    def find_spec(self, fullname, path=None, target=None):
        t = _target(fullname)
        if t is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(t), is_package=True)


_finder = TorchFinder()


def install():
    """Make ``import torch``/``import torchvision`` resolve to ember in this process."""
    for name in [m for m in sys.modules if _target(m) is not None and
                 not getattr(sys.modules[m], '__ember__', False)]:
        del sys.modules[name]
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    import ember
    ember.__ember__ = True


def main(argv=None):
    """Entry point of ``python -m ember.run`` / ``ember-run``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if argv else 2
    install()
    if argv[0] == '-m':
        if len(argv) < 2:
            print('ember-run: -m needs a module name', file=sys.stderr)
            return 2
        mod = argv[1]
        sys.argv = [mod] + argv[2:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(mod, run_name='__main__', alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"ember-run: can't open file '{script}': [Errno 2] No such file or directory",
              file=sys.stderr)
        return 2
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name='__main__')
    return 0


if __name__ == '__main__':
    sys.exit(main())
