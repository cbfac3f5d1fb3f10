"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator, like PyTorch's. The state is one
module-level flag read on every op's hot path.
"""
import functools
import inspect

__all__ = ['no_grad', 'enable_grad', 'set_grad_enabled', 'inference_mode', 'is_grad_enabled',
           'is_inference_mode_enabled']

# _state[0]: grad mode on; _state[1]: inference mode on
_state = [True, False]


def is_grad_enabled():
    """True when ops record the autograd graph."""
    return _state[0]


def is_inference_mode_enabled():
    return _state[1]


class _Mode:
    """Base of the grad-mode context managers; also usable as a decorator."""
    _grad = True
    _inference = None

    def __call__(self, func):
        if inspect.isclass(func):
            raise TypeError(f'{type(self).__name__} cannot decorate a class')
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen(*args, **kwargs):
                g = func(*args, **kwargs)
                resp = None
                while True:
                    with self.clone():
                        try:
                            resp = g.send(resp)
                        except StopIteration as e:
                            return e.value
                    resp = yield resp
            return gen

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = (_state[0], _state[1])
        _state[0] = self._grad
        if self._inference is not None:
            _state[1] = self._inference
        return None

    def __exit__(self, *exc):
        _state[0], _state[1] = self._prev
        return False


class no_grad(_Mode):
    """Disable graph recording: results of ops never require grad (``torch.no_grad``)."""
    _grad = False

    def __new__(cls, orig_func=None):
        # also usable bare as a decorator: @torch.no_grad
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class enable_grad(no_grad):
    """Re-enable graph recording inside a ``no_grad`` block (``torch.enable_grad``)."""
    _grad = True


class set_grad_enabled(_Mode):
    """Set grad mode on or off; takes effect at once and also works as a context manager."""

    def __init__(self, mode):
        self._prev = (_state[0], _state[1])
        self._grad = bool(mode)
        _state[0] = self._grad

    def __call__(self, func):
        _state[0] = self._prev[0]    # as a decorator it only applies inside the function
        return super().__call__(func)

    def __enter__(self):
        return None

    def clone(self):
        return set_grad_enabled(self._grad)


class inference_mode(_Mode):
    """Like ``no_grad`` for inference (``torch.inference_mode(mode=True)``)."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self._mode = True
            return self(mode)
        return self

    def __init__(self, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return
        self._mode = bool(mode)
        self._grad = not self._mode
        self._inference = self._mode

    def __enter__(self):
        self._prev = (_state[0], _state[1])
        if self._mode:
            _state[0], _state[1] = False, True
        return None

    def clone(self):
        return inference_mode(self._mode)
