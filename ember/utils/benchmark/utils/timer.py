"""``Timer``: run a statement in a loop and measure it (``torch.utils.benchmark.utils.timer``).

Built on ``timeit.Timer``: ``setup`` runs once, then ``stmt`` runs in blocks of ``number`` with the
clock read around each block. The thread count is set to ``num_threads`` for the run and put back
afterwards, and the default clock synchronizes CUDA once ember has used it, so queued GPU work is
counted where it is done."""
import enum
import textwrap
import timeit

import ember
from ember import cuda as _cuda

from . import common

__all__ = ['Timer', 'timer', 'Language']


def timer():
    """``timeit.default_timer()``, after waiting for queued CUDA work when ember has used CUDA."""
    if _cuda.is_initialized():
        _cuda.synchronize()
    return timeit.default_timer()


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


def _tidy(code):
    """Dedent a snippet and drop the newline that opens a triple-quoted block, and trailing space."""
    code = textwrap.dedent(code)
    return (code[1:] if code and code[0] == '\n' else code).rstrip()


class Timer:
    """Measure the execution time of ``stmt`` (a string of Python), as ``torch.utils.benchmark.Timer``.

    Args:
        stmt: code to time. setup: code run once before, to define what ``stmt`` uses.
        global_setup: C++ only (an error for Python).
        timer: the clock; the default synchronizes CUDA once ember has used it.
        globals: names ``stmt`` and ``setup`` see (copied); ``torch`` is added as ember when absent.
        label, sub_label, description, env: tags shown in the repr and used by ``Compare``
            (label: table; sub_label: row; description: column; env: distinct environments).
        num_threads: the thread count while ``stmt`` runs (default 1), restored afterwards.
        language: ``Language.PYTHON`` / ``'py'`` / ``'python'``; C++ timing is not available in ember.

    Example:
        >>> t = Timer('x + 1', setup='x = torch.ones(8)', label='add')
        >>> t.timeit(100).mean                   # seconds per run
    """

    def __init__(self, stmt='pass', setup='pass', global_setup='', timer=timer, globals=None, label=None,
                 sub_label=None, description=None, env=None, num_threads=1, language=Language.PYTHON):
        if not isinstance(stmt, str):
            raise ValueError('Currently only a `str` stmt is supported.')
        self._globals = dict(globals or {})      # a copy: exec adds __builtins__
        if language in (Language.PYTHON, 'py', 'python'):
            self._globals.setdefault('torch', ember)
            self._language = Language.PYTHON
            if global_setup:
                raise ValueError(f'global_setup is C++ only, got `{global_setup}`. Most '
                                 'likely this code can simply be moved to `setup`.')
        elif language in (Language.CPP, 'cpp', 'c++'):
            raise NotImplementedError(
                'ember.utils.benchmark.Timer: C++ statements (language=Language.CPP) are compiled against '
                "libtorch's C++ API, which ember does not have; time the Python statement instead.")
        else:
            raise ValueError(f'Invalid language `{language}`.')
        stmt, setup = _tidy(stmt), _tidy(setup)
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = common.TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup, label=label,
                                          sub_label=sub_label, description=description, env=env,
                                          num_threads=num_threads)

    def _timeit(self, number):
        return max(self._timer.timeit(number), 1e-9)    # no real work takes under 1 ns; no division by 0

    def _measurement(self, number, times):
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def timeit(self, number=1000000):
        """Run ``stmt`` ``number`` times (after a short warmup) as one measurement, like ``timeit.Timer.timeit``."""
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return self._measurement(number, [self._timeit(number=number)])

    def repeat(self, repeat=-1, number=-1):
        raise NotImplementedError('See `Timer.blocked_autorange.`')

    def autorange(self, callback=None):
        raise NotImplementedError('See `Timer.blocked_autorange.`')

    def _threaded_measurement_loop(self, number, time_hook, stop_hook, min_run_time, max_run_time=None,
                                   callback=None):
        """Time blocks until ``min_run_time`` has passed and ``stop_hook`` agrees (or ``max_run_time`` has passed)."""
        total, can_stop, times = 0.0, False, []
        with common.set_torch_threads(self._task_spec.num_threads):
            while total < min_run_time or not can_stop:
                spent = time_hook()
                times.append(spent)
                total += spent
                if callback:
                    callback(number, spent)
                can_stop = stop_hook(times)
                if max_run_time and total > max_run_time:
                    break
        return times

    def _estimate_block_size(self, min_run_time):
        """The smallest power of ten runs per block for which the clock's overhead is negligible (also a warmup)."""
        with common.set_torch_threads(self._task_spec.num_threads):
            overhead = common._f32(sorted(common._f32(self._timeit(0)) for _ in range(5))[2])
            number = 1
            while True:
                taken = self._timeit(number)
                if overhead / taken <= 1e-4 and taken >= min_run_time / 1000:
                    break
                if taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Time blocks of ``stmt`` until ``min_run_time`` seconds have passed; the block size is chosen
        first so the clock costs under 0.01% of a block. ``callback(number, time)`` sees each block."""
        number = self._estimate_block_size(min_run_time)
        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), lambda times: True,
                                                min_run_time=min_run_time, callback=callback)
        return self._measurement(number, times)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        """As ``blocked_autorange``, but goes on until IQR / median is under ``threshold`` (with at least
        4 blocks and ``min_run_time`` seconds) or ``max_run_time`` seconds have passed."""
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times):
            return len(times) > 3 and self._measurement(number, times).meets_confidence(threshold=threshold)

        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), stop_hook, min_run_time,
                                                max_run_time, callback=callback)
        return self._measurement(number, times)

    def collect_callgrind(self, number=100, *, repeats=None, collect_baseline=True, retain_out_file=False):
        """Not available: instruction counts come from running PyTorch's C++ core under Valgrind."""
        if repeats is not None and repeats < 1:
            raise ValueError('If specified, `repeats` must be >= 1')
        raise NotImplementedError(
            'ember.utils.benchmark.Timer.collect_callgrind: Callgrind instruction counts instrument '
            "PyTorch's C++ core under Valgrind, and ember has none. Use blocked_autorange() or "
            'adaptive_autorange() for wall times.')
