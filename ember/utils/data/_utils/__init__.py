"""Helpers of the data loader: collation, fetching, the worker loop, shared-memory transport
of batches and memory pinning (``torch.utils.data._utils``)."""
import atexit
import sys
import traceback

IS_WINDOWS = sys.platform == 'win32'

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds between checks, in a worker, that the main process is still alive."""

python_exit_status = False
"""True once the interpreter is exiting (set by an atexit hook)."""


def _set_python_exit_flag():
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str whose repr is itself (KeyError would otherwise repr the whole traceback)."""
    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to re-raise in another thread or process
    (PyTorch's ``torch._utils.ExceptionWrapper``)."""

    def __init__(self, exc_info=None, where='in background'):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = ''.join(traceback.format_exception(*exc_info))
        self.where = where
        self.type_name = self.exc_type.__name__

    def portable(self):
        """This wrapper, its exception type replaced by RuntimeError when the type cannot be
        pickled (a class defined inside a function), so it can cross to another process."""
        import pickle
        try:
            pickle.dumps(self.exc_type)
        except Exception:
            self.exc_type = RuntimeError
        return self

    def reraise(self):
        """Raise ``exc_type`` with "Caught <Type> <where>.\\nOriginal Traceback ...";
        RuntimeError when the type cannot be built from one message."""
        name = getattr(self, 'type_name', self.exc_type.__name__)
        msg = f'Caught {name} {self.where}.\nOriginal {self.exc_msg}'
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, 'message', None):
            raise self.exc_type(message=msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


from . import collate, fetch, pin_memory, worker  # noqa: E402
