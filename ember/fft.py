"""``ember.fft``: the ``torch.fft`` namespace (implementations live in ``ember.ops.fft``)."""
from .ops.fft import (fft, ifft, rfft, irfft, fft2, ifft2, rfft2, irfft2, fftn, ifftn, rfftn,
                      irfftn, hfft, ihfft, hfft2, ihfft2, hfftn, ihfftn, fftfreq, rfftfreq,
                      fftshift, ifftshift)

__all__ = ['fft', 'ifft', 'rfft', 'irfft', 'fft2', 'ifft2', 'rfft2', 'irfft2', 'fftn', 'ifftn',
           'rfftn', 'irfftn', 'hfft', 'ihfft', 'hfft2', 'ihfft2', 'hfftn', 'ihfftn', 'fftfreq',
           'rfftfreq', 'fftshift', 'ifftshift']


def __getattr__(name):
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    from .run import EmberMissing
    raise EmberMissing(f'ember does not implement torch.fft.{name} yet')
