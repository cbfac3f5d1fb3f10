"""Anomaly detection: ``detect_anomaly`` / ``set_detect_anomaly``.

When on, each graph node keeps the stack of the forward call that made it, and a backward
that produces NaN raises an error naming the node, with that stack.
"""
__all__ = ['detect_anomaly', 'set_detect_anomaly', 'is_anomaly_enabled',
           'is_anomaly_check_nan_enabled']

_enabled = [False, True]   # [on, check_nan]


def is_anomaly_enabled():
    """True when anomaly detection is on."""
    return _enabled[0]


def is_anomaly_check_nan_enabled():
    """True when anomaly detection also checks backward outputs for NaN."""
    return _enabled[1]


class set_detect_anomaly:
    """Turn anomaly detection on or off (takes effect at once; also a context manager)."""

    def __init__(self, mode, check_nan=True):
        self._prev = tuple(_enabled)
        _enabled[0], _enabled[1] = bool(mode), bool(check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *a):
        _enabled[0], _enabled[1] = self._prev
        return False


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection for its block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        import warnings
        warnings.warn('Anomaly Detection has been enabled. This mode will increase the runtime '
                      'and should only be enabled for debugging.', stacklevel=2)
        self._prev = tuple(_enabled)
        _enabled[0], _enabled[1] = True, self.check_nan

    def __exit__(self, *a):
        _enabled[0], _enabled[1] = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper
