"""Learning-rate schedulers (``torch.optim.lr_scheduler``): each computes the next learning
rate of every parameter group from the previous one, as PyTorch's chainable form does."""
import functools
import math
import types
import warnings
import weakref

__all__ = ['LRScheduler', '_LRScheduler', 'StepLR']

EPOCH_DEPRECATION_WARNING = (
    'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where '
    'possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if '
    'epoch is different from None, the closed form is used instead of the new chainable form, '
    'where available. Please open an issue if you are unable to replicate your use case: '
    'https://github.com/pytorch/pytorch/issues/new/choose.')


def _patch_step(optimizer):
    """Wrap ``optimizer.step`` once so schedulers can tell whether it ran before them."""
    step = optimizer.step
    if getattr(step, '_wrapped_by_lr_sched', False):
        return
    func = step.__func__ if hasattr(step, '__func__') else step
    ref = weakref.ref(optimizer)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        opt = ref()
        opt._opt_called = True
        return func(opt, *args, **kwargs)
    wrapper._wrapped_by_lr_sched = True
    optimizer.step = wrapper


class LRScheduler:
    """Base class of schedulers.

    Args:
        optimizer: the optimizer whose groups' ``lr`` this scheduler sets.
        last_epoch: index of the last epoch when resuming (-1 to start).
    """
    _get_lr_called_within_step = False

    def __init__(self, optimizer, last_epoch=-1):
        from .optimizer import Optimizer
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{type(optimizer).__name__} is not an Optimizer')
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                initial_lr = group['lr']
                if hasattr(initial_lr, 'clone'):
                    initial_lr = initial_lr.clone()
                group.setdefault('initial_lr', initial_lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if 'initial_lr' not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   'resuming an optimizer')
        self.base_lrs = [group['initial_lr'] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _patch_step(optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self.step()

    def state_dict(self):
        """Everything but the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != 'optimizer'}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The learning rates set by the last ``step``."""
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def step(self, epoch=None):
        """Advance one epoch (or to ``epoch``, deprecated) and set each group's ``lr``."""
        self._step_count += 1
        if self._step_count == 1 and epoch is None:
            pass
        elif self._step_count == 2:
            if not getattr(self.optimizer.step, '_wrapped_by_lr_sched', False):
                warnings.warn('Seems like `optimizer.step()` has been overridden after learning '
                              'rate scheduler initialization. Please, make sure to call '
                              '`optimizer.step()` before `lr_scheduler.step()`. See more details at '
                              'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-'
                              'rate', UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, '_opt_called', False):
                warnings.warn('Detected call of `lr_scheduler.step()` before `optimizer.step()`. '
                              'In PyTorch 1.1.0 and later, you should call them in the opposite '
                              'order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to '
                              'do this will result in PyTorch skipping the first value of the '
                              'learning rate schedule. See more details at '
                              'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-'
                              'rate', UserWarning, stacklevel=2)
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
                self.last_epoch = epoch
                if hasattr(self, '_get_closed_form_lr'):
                    values = self._get_closed_form_lr()
                else:
                    values = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            if hasattr(group['lr'], 'fill_'):
                group['lr'].fill_(lr)
            else:
                group['lr'] = lr
        self._last_lr = [group['lr'] for group in self.optimizer.param_groups]


_LRScheduler = LRScheduler


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group['lr'] for group in self.optimizer.param_groups]
        return [group['lr'] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]
