"""Stochastic weight averaging and EMA of models (``torch.optim.swa_utils``)."""
import itertools
import math
import warnings
from copy import deepcopy

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import _lerp_
from ..nn.module import Module

__all__ = ['AveragedModel', 'update_bn', 'SWALR', 'get_ema_multi_avg_fn', 'get_swa_multi_avg_fn',
           'get_ema_avg_fn', 'get_swa_avg_fn']


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f'Invalid decay value {decay} provided. Please provide a value in [0,1] '
                         'range.')


def _bump(t):
    t._vc[0] += 1


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place EMA over lists of tensors: ``ema.lerp_(current, 1 - decay)``."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            if ema_param_list[0].is_floating_point():
                for e, c in zip(ema_param_list, current_param_list):
                    _lerp_(e._data, c._data, 1 - decay)
                    _bump(e)
            else:
                for e, c in zip(ema_param_list, current_param_list):
                    e.copy_(e * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place running mean over lists of tensors: ``avg.lerp_(current, 1 / (n + 1))``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            n = float(num_averaged)
            if averaged_param_list[0].is_floating_point():
                for a, c in zip(averaged_param_list, current_param_list):
                    _lerp_(a._data, c._data, 1 / (n + 1))
                    _bump(a)
            elif isinstance(num_averaged, Tensor):
                raise RuntimeError(
                    'Integer division with addcdiv is no longer supported, and in a future  '
                    'release addcdiv will perform a true division of tensor1 and tensor2. The '
                    'historic addcdiv behavior can be implemented as (input + value * '
                    'torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as '
                    '(input + value * tensor1 / tensor2) for float inputs. The future addcdiv '
                    'behavior is just the latter implementation: (input + value * tensor1 / '
                    'tensor2), for all dtypes.')
            else:
                for a, c in zip(averaged_param_list, current_param_list):
                    a.add_(c - a, alpha=1.0 / (n + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An EMA on one tensor: ``decay * ema + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """A running mean on one tensor: ``avg + (current - avg) / (n + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) hold the
    running average of ``model``'s (``torch.optim.swa_utils.AveragedModel``).

    Args:
        model: the module to average (deep-copied).
        device: where to keep the copy (default: where ``model`` is).
        avg_fn: ``(averaged, current, n_averaged) -> new averaged`` per tensor.
        multi_avg_fn: in-place ``(averaged_list, current_list, n_averaged)``; EMA via
            ``get_ema_multi_avg_fn(decay)``. Default: the equal-weight running mean (SWA).
        use_buffers: average buffers too (else buffers are copied from ``model``).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError('Only one of avg_fn and multi_avg_fn should be provided')
        from ..ops.creation import tensor
        from .. import _dtype
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer('n_averaged', tensor(0, dtype=_dtype.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters into the average (the first call copies)."""
        with no_grad():
            self._update(model)

    def _update(self, model):
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param = self.parameters()
            model_param = model.parameters()
        self_det, model_det = [], []
        copy_param = bool(self.n_averaged == 0)
        for p_avg, p_model in zip(self_param, model_param):
            p_model_ = p_model.detach().to(p_avg.device)
            self_det.append(p_avg.detach())
            model_det.append(p_model_)
            if copy_param:
                p_avg.detach().copy_(p_model_)
        n = int(self.n_averaged.item())
        if n > 0:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                groups = {}
                for a, m in zip(self_det, model_det):
                    groups.setdefault((str(a.device), a.dtype), ([], []))
                    groups[(str(a.device), a.dtype)][0].append(a)
                    groups[(str(a.device), a.dtype)][1].append(m)
                for (dev, _), (avgs, curs) in groups.items():
                    n_avg = self.n_averaged.to(dev)
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(avgs, curs, n_avg)
                    elif avgs[0].device.type == 'cuda':     # PyTorch's foreach devices
                        get_swa_multi_avg_fn()(avgs, curs, n_avg)
                    else:
                        avg_fn = get_swa_avg_fn()
                        for a, m in zip(avgs, curs):
                            a.copy_(avg_fn(a, m, n_avg))
            else:
                for a, m in zip(self_det, model_det):
                    a.detach().copy_(self.avg_fn(a.detach(), m, self.n_averaged.to(a.device)))
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged += 1


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every BatchNorm layer in ``model`` with one pass
    over ``loader`` (cumulative averages, momentum ``None``), as PyTorch does after SWA.

    Args:
        loader: an iterable of inputs (or of ``(input, ...)`` tuples/lists: the first is used).
        model: the model, whose ``training`` mode is restored afterwards.
        device: move each input there first.
    """
    from ..nn.modules.normalization import _BatchNorm
    with no_grad():
        momenta = {}
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for inp in loader:
            if isinstance(inp, (list, tuple)):
                inp = inp[0]
            if device is not None:
                inp = inp.to(device)
            model(inp)
        for module in momenta:
            module.momentum = momenta[module]
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs`` (cos or linear), then hold
    it (``torch.optim.swa_utils.SWALR``)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos',
                 last_epoch=-1):
        swa_lrs = _format_param('swa_lr', optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group['swa_lr'] = lr
        if anneal_strategy not in ['cos', 'linear']:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f'{anneal_strategy}')
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f'anneal_epochs must be equal or greater than 0, got {anneal_epochs}')
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn('To get the last learning rate computed by the scheduler, please use '
                          '`get_last_lr()`.', UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(g['lr'], g['swa_lr'], prev_alpha)
                    for g in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g['swa_lr'] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == 'cos' else self._linear_anneal

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ('optimizer', 'anneal_func')}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
