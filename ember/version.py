"""``torch.version``: the PyTorch API version ember implements, and the CUDA runtime in use.

``__version__`` reads as PyTorch's (``2.13.0``) with a local part naming ember's own version,
so programs that compare ``torch.__version__`` against a minimum take their modern paths.
"""
__all__ = ['__version__', 'ember_version', 'cuda', 'git_version', 'debug', 'hip']

ember_version = '0.1.0'
__version__ = '2.13.0+ember.' + ember_version
git_version = 'unknown'
debug = False
hip = None


def _cuda_version():
    try:
        import cupy
        v = cupy.cuda.runtime.runtimeGetVersion()
        return f'{v // 1000}.{(v % 1000) // 10}'
    except Exception:
        return None


def __getattr__(name):
    if name == 'cuda':
        return _cuda_version()
    raise AttributeError(name)
