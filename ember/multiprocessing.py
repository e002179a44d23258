"""``ember.multiprocessing``: Python's ``multiprocessing`` with the names torch adds.

Everything of the standard module (``Process``, ``Queue``, ``Pool``, ``set_start_method``, ...)
plus ``spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn')`` (runs
``fn(i, *args)`` in ``nprocs`` processes), ``start_processes``, ``ProcessContext`` and the sharing
strategy queries. ember's CPU tensors are NumPy arrays: they pickle by value between processes
(no shared memory as torch's tensors use).

Example:
    >>> import ember.multiprocessing as mp
    >>> mp.spawn(train, args=(cfg,), nprocs=2)        # train(0, cfg) and train(1, cfg)
"""
import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
import warnings
from multiprocessing import *  # noqa: F401,F403

__all__ = ['set_sharing_strategy', 'get_sharing_strategy', 'get_all_sharing_strategies', 'spawn',
           'start_processes', 'ProcessContext', 'SpawnContext', 'ProcessRaisedException', 'ProcessExitedException',
           'ProcessException'] + list(multiprocessing.__all__)

_sharing_strategy = ['file_descriptor' if sys.platform != 'darwin' else 'file_system']
_all_sharing_strategies = {'file_descriptor', 'file_system'} if sys.platform != 'darwin' else {'file_system'}


def set_sharing_strategy(new_strategy):
    """Recorded only (ember's tensors are not shared through either)."""
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f'Invalid sharing strategy: {new_strategy}')
    _sharing_strategy[0] = new_strategy


def get_sharing_strategy():
    return _sharing_strategy[0]


def get_all_sharing_strategies():
    return set(_all_sharing_strategies)


class ProcessException(Exception):
    __slots__ = ['error_index', 'error_pid']

    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised: its traceback is the message."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a nonzero code (or a signal)."""
    __slots__ = ['exit_code', 'signal_name']

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_queue):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes of one ``start_processes`` call; ``join()`` until all end (True) or one fails."""

    def __init__(self, processes, error_queues):
        self.error_queues = error_queues
        self.processes = processes
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [int(p.pid) for p in self.processes]

    def join(self, timeout=None, grace_period=None):
        """True once every process has ended cleanly; False on timeout; raises on a failure."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(self.sentinels.keys(), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            p = self.processes[index]
            p.join()
            if p.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        for p in self.processes:        # one failed: stop the others, as torch
            if p.is_alive():
                p.terminate()
            p.join()
        failed = self.processes[error_index]
        if self.error_queues[error_index].empty():
            code = failed.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(f'process {error_index} terminated with signal {name}', error_index,
                                             failed.pid, code, name)
            raise ProcessExitedException(f'process {error_index} terminated with exit code {code}', error_index,
                                         failed.pid, code)
        original_trace = self.error_queues[error_index].get()
        msg = f'\n\n-- Process {error_index} terminated with the following error:\n' + original_trace
        raise ProcessRaisedException(msg, error_index, failed.pid)


class SpawnContext(ProcessContext):
    pass


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn'):
    """Run ``fn(i, *args)`` for i in range(nprocs), each in a new process of ``start_method``."""
    mp = multiprocessing.get_context(start_method)
    error_queues, processes = [], []
    for i in range(nprocs):
        q = mp.SimpleQueue()
        p = mp.Process(target=_wrap, args=(fn, i, args, q), daemon=daemon)
        p.start()
        error_queues.append(q)
        processes.append(p)
    context = ProcessContext(processes, error_queues)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method='spawn'):
    """``torch.multiprocessing.spawn``: ``fn(i, *args)`` in ``nprocs`` processes; returns None once
    all have ended (a ProcessContext with ``join=False``); a child's exception is re-raised here as
    ProcessRaisedException carrying its traceback. Always the 'spawn' start method, as torch."""
    if start_method != 'spawn':
        warnings.warn(f'This method only supports start_method=spawn (got: {start_method}).\nTo use a different '
                      f'start_method use:\n\t\t torch.multiprocessing.start_processes(...)', FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method='spawn')
