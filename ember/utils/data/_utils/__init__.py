"""Internals of data loading: collation, fetching, the worker loop, and the wrapper that carries
a worker's exception (with its traceback text) back to the main process."""
import atexit
import sys
import traceback

IS_WINDOWS = sys.platform == 'win32'

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds a worker waits on its index queue before checking that the main process lives."""

MAIN_STATUS_CHECK_INTERVAL = 0.1
"""Seconds the main process waits on the result queue before checking that its workers live
(a killed worker is reported within about this long)."""

python_exit_status = False
"""Set when the interpreter shuts down: iterators then leave their daemon workers to it."""

HAS_NUMPY = True


def _set_python_exit_flag():
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback readably."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception's type and formatted traceback, to re-raise in another thread or process.

    ``reraise()`` raises ``exc_type("Caught ValueError in DataLoader worker process 0.\\n"
    "Original Traceback (most recent call last): ...")``, or a RuntimeError with that message
    when the type cannot be built from one string."""

    def __init__(self, exc_info=None, where='in background'):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = ''.join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f'Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}'
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, 'message', None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


from . import collate, fetch, worker  # noqa: E402,F401
