"""``ember.cpu`` (``torch.cpu``): the CPU device's counterparts of the ``torch.cuda`` helpers."""
from . import amp

__all__ = ['is_available', 'device_count', 'current_device', 'set_device', 'synchronize',
           'amp', 'Stream', 'current_stream', 'stream', 'StreamContext', 'device']


def is_available():
    """Always True: the CPU is there."""
    return True


def device_count():
    return 1


def current_device():
    return 'cpu'


def set_device(device):
    """A no-op, as in PyTorch."""


def synchronize(device=None):
    """A no-op: CPU ops run synchronously."""


class Stream:
    """The CPU's (only) stream, a stand-in as in PyTorch."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def synchronize(self):
        pass

    def query(self):
        return True


_current = Stream()


def current_stream(device=None):
    return _current


class StreamContext:
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *a):
        return False


def stream(stream):
    return StreamContext(stream)


class device:
    def __init__(self, device):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False
