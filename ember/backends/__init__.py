"""``ember.backends``: the flags PyTorch programs set (``torch.backends.cudnn.benchmark``...)."""
import types

__all__ = ['cudnn', 'mps', 'cuda', 'mkldnn', 'openmp', 'opt_einsum']


def _ns(name, **attrs):
    m = types.SimpleNamespace(**attrs)
    m.__name__ = name
    return m


def _cudnn_available():
    from ..backend import cuda
    return cuda.is_available()


cudnn = _ns('torch.backends.cudnn', enabled=True, benchmark=False, deterministic=False,
            allow_tf32=True, is_available=_cudnn_available, version=lambda: None)
mps = _ns('torch.backends.mps', is_available=lambda: False, is_built=lambda: False)
cuda = _ns('torch.backends.cuda', is_built=_cudnn_available,
           matmul=_ns('matmul', allow_tf32=False, allow_fp16_reduced_precision_reduction=True),
           enable_flash_sdp=lambda enabled: None, enable_mem_efficient_sdp=lambda enabled: None,
           enable_math_sdp=lambda enabled: None)
mkldnn = _ns('torch.backends.mkldnn', enabled=False, is_available=lambda: False)
openmp = _ns('torch.backends.openmp', is_available=lambda: False)
opt_einsum = _ns('torch.backends.opt_einsum', enabled=True, strategy='auto',
                 is_available=lambda: True)
