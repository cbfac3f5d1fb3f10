"""``nn.Fold`` and ``nn.Unfold``: modules over ``F.fold`` / ``F.unfold``."""
from ..module import Module
from .. import functional as F

__all__ = ['Fold', 'Unfold']


class Fold(Module):
    """Combine an array of sliding local blocks (N, C*prod(kernel_size), L) into a tensor
    (N, C, *output_size), summing overlapping values (``nn.Fold``); unbatched (C*k, L) input
    gives (C, *output_size).

    Args:
        output_size, kernel_size, dilation=1, padding=0, stride=1: int or pair.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        if input.dim() == 2:
            return F.fold(input.unsqueeze(0), self.output_size, self.kernel_size, self.dilation,
                          self.padding, self.stride).squeeze(0)
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return ('output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, '
                'padding={padding}, stride={stride}'.format(**self.__dict__))


class Unfold(Module):
    """Extract sliding local blocks from a batched (N, C, H, W) or unbatched (C, H, W) input
    into (N, C*prod(kernel_size), L) (``nn.Unfold``).

    Args:
        kernel_size, dilation=1, padding=0, stride=1: int or pair.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        if input.dim() == 3:
            return F.unfold(input.unsqueeze(0), self.kernel_size, self.dilation, self.padding,
                            self.stride).squeeze(0)
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ('kernel_size={kernel_size}, dilation={dilation}, padding={padding}, '
                'stride={stride}'.format(**self.__dict__))
