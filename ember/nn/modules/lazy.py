"""Lazy layers: ``LazyLinear``, ``LazyConv*``, ``LazyConvTranspose*``, ``LazyBatchNorm*``,
``LazyInstanceNorm*``.

Their parameters start as ``UninitializedParameter``; the first forward infers the input size
(in_features, in_channels or num_features), materializes and initialises the parameters as the
regular layer would, and turns the module into its regular class (``cls_to_become``), as
PyTorch's ``LazyModuleMixin`` does. Loading a ``state_dict`` of an initialised layer also
materializes the parameters.
"""
import itertools

from ..module import Module  # noqa: F401
from ..parameter import UninitializedParameter, UninitializedBuffer, is_lazy
from .linear import Linear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .normalization import (_NormBase, BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d,
                            InstanceNorm2d, InstanceNorm3d)

__all__ = ['LazyModuleMixin', 'LazyLinear', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d',
           'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d',
           'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d', 'LazyInstanceNorm1d',
           'LazyInstanceNorm2d', 'LazyInstanceNorm3d']


def _no_grad():
    from ...autograd import no_grad
    return no_grad()


class LazyModuleMixin:
    """Mixin for modules whose parameters' shapes are inferred from the first input
    (``nn.modules.lazy.LazyModuleMixin``): subclasses define ``initialize_parameters(*args)``
    and ``cls_to_become``."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None:
                src = state_dict[key]
                if is_lazy(param) and not is_lazy(src):
                    with _no_grad():
                        param.materialize(src._data.shape)

    def initialize_parameters(self, *args, **kwargs):
        """Infer the parameters' shapes from the input and initialise them."""
        raise NotImplementedError(f'initialize_parameters is not implemented for '
                                  f'{self.__class__.__name__}')

    def has_uninitialized_params(self):
        """Whether any parameter or buffer is still uninitialised."""
        return any(is_lazy(p) for p in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f'module {self._get_name()} has not been fully initialized')
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, '_initialize_hook')
        delattr(module, '_load_hook')
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError('Modules with uninitialized parameters can\'t be used with '
                           '`DataParallel`. Run a dummy forward pass to correctly initialize the '
                           'modules')


# ------------------------------------------------------------------------------------- Linear

class LazyLinear(LazyModuleMixin, Linear):
    """``nn.Linear`` whose ``in_features`` is inferred from ``input.shape[-1]`` on the first
    forward (``nn.LazyLinear``).

    Args:
        out_features: size of each output sample. bias: learn an additive bias (default True).
    """
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with _no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


# ------------------------------------------------------------------------------------- conv

class _LazyConvXdMixin(LazyModuleMixin):
    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError('in_channels must be divisible by groups')
            with _no_grad():
                if self.transposed:
                    self.weight.materialize((self.in_channels, self.out_channels // self.groups,
                                             *self.kernel_size))
                else:
                    self.weight.materialize((self.out_channels, self.in_channels // self.groups,
                                             *self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()

    def _get_in_channels(self, input):
        nb = self._nd + 1
        if input.dim() not in (nb, nb + 1):
            raise RuntimeError(f'Expected {nb}D (unbatched) or {nb + 1}D (batched) input to '
                               f'{self.__class__.__name__}, but got input of size: {input.shape}')
        return input.shape[1] if input.dim() == nb + 1 else input.shape[0]


def _lazy_conv(name, base, nd):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode='zeros', device=None, dtype=None):
        base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                      padding_mode, device=device, dtype=dtype)
        LazyModuleMixin._hooks(self)
        _lazy_weights(self, out_channels, bias, device, dtype)

    cls = type(name, (_LazyConvXdMixin, base), {
        '__init__': __init__, 'cls_to_become': base, '__module__': __name__,
        '__doc__': f'``nn.{base.__name__}`` whose ``in_channels`` is inferred from the first '
                   f'input\'s dim 1 (``nn.{name}``).'})
    return cls


def _lazy_conv_t(name, base, nd):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode='zeros', device=None,
                 dtype=None):
        base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False,
                      dilation, padding_mode, device, dtype)
        LazyModuleMixin._hooks(self)
        _lazy_weights(self, out_channels, bias, device, dtype)

    cls = type(name, (_LazyConvXdMixin, base), {
        '__init__': __init__, 'cls_to_become': base, '__module__': __name__,
        '__doc__': f'``nn.{base.__name__}`` whose ``in_channels`` is inferred from the first '
                   f'input\'s dim 1 (``nn.{name}``).'})
    return cls


def _hooks(self):
    self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
    self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                           with_kwargs=True)


LazyModuleMixin._hooks = _hooks


def _lazy_weights(self, out_channels, bias, device, dtype):
    self.weight = UninitializedParameter(device=device, dtype=dtype)
    self.out_channels = out_channels
    if bias:
        self.bias = UninitializedParameter(device=device, dtype=dtype)


LazyConv1d = _lazy_conv('LazyConv1d', Conv1d, 1)
LazyConv2d = _lazy_conv('LazyConv2d', Conv2d, 2)
LazyConv3d = _lazy_conv('LazyConv3d', Conv3d, 3)
LazyConvTranspose1d = _lazy_conv_t('LazyConvTranspose1d', ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy_conv_t('LazyConvTranspose2d', ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy_conv_t('LazyConvTranspose3d', ConvTranspose3d, 3)


# ------------------------------------------------------------------------------------- norms

class _LazyNormBase(LazyModuleMixin, _NormBase):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            from ...ops.creation import tensor
            from ... import _dtype
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=_dtype.int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with _no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


def _lazy_norm(name, base):
    return type(name, (_LazyNormBase, base), {
        'cls_to_become': base, '__module__': __name__,
        '__doc__': f'``nn.{base.__name__}`` whose ``num_features`` is inferred from the first '
                   f'input\'s dim 1 (``nn.{name}``); affine and track_running_stats default '
                   f'True.'})


LazyBatchNorm1d = _lazy_norm('LazyBatchNorm1d', BatchNorm1d)
LazyBatchNorm2d = _lazy_norm('LazyBatchNorm2d', BatchNorm2d)
LazyBatchNorm3d = _lazy_norm('LazyBatchNorm3d', BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm('LazyInstanceNorm1d', InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm('LazyInstanceNorm2d', InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm('LazyInstanceNorm3d', InstanceNorm3d)
