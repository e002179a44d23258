"""``Measurement`` (one timed statement's results), ``TaskSpec`` (what was timed) and the helpers
that format times (``torch.utils.benchmark.utils.common``).

Statistics use NumPy. Where PyTorch rounds through a float32 tensor (units, significant figures)
ember rounds through float32 too, so the printed numbers agree."""
import collections
import contextlib
import dataclasses
import math
import textwrap

import numpy as np

import ember

__all__ = ['TaskSpec', 'Measurement', 'select_unit', 'unit_to_english', 'trim_sigfig', 'ordered_unique',
           'set_torch_threads']

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9      # 25 ns
_IQR_WARN_THRESHOLD = 0.1             # IQR / median above this gets a warning in the repr
_IQR_GROSS_WARN_THRESHOLD = 0.25
_UNITS = {'ns': 1e-9, 'us': 1e-6, 'ms': 1e-3, 's': 1}


def _f32(x):
    return float(np.float32(x))


def _log10(x):
    """log10 of ``x`` as ``torch.tensor(x).log10().item()`` computes it: in float32."""
    x = _f32(x)
    return _f32(math.log10(x)) if x > 0 else -math.inf if x == 0 else math.nan


@dataclasses.dataclass(init=True, repr=False, eq=True, frozen=True)
class TaskSpec:
    """What a Timer measures (everything but its globals)."""
    stmt: str
    setup: str
    global_setup: str = ''
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self):
        """The label (else the one-line stmt), with the sub_label after a colon."""
        sub = f': {self.sub_label}' if self.sub_label else ''
        if self.label is not None:
            return self.label + sub
        if '\n' not in self.stmt:
            return self.stmt + sub
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self):
        if self.setup == 'pass' or not self.setup:
            return ''
        return f"setup:\n{textwrap.indent(self.setup, '  ')}" if '\n' in self.setup else f'setup: {self.setup}'

    def summarize(self):
        """The TaskSpec part of a Measurement's repr: title, description, setup."""
        sections = [self.title, self.description or '', self.setup_str()]
        return '\n'.join(f'{s}\n' if '\n' in s else s for s in sections if s)


_TASKSPEC_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec))


@dataclasses.dataclass(init=True, repr=False)
class Measurement:
    """The result of a Timer measurement: ``raw_times`` are seconds per block of ``number_per_run``
    runs. The statistics (``times``, ``median``, ``mean``, ``iqr``) are per run. The task_spec's
    fields read through: ``m.label``, ``m.stmt``, ``m.num_threads``..."""
    number_per_run: int
    raw_times: list
    task_spec: TaskSpec
    metadata: dict | None = None        # reserved for user payloads

    def __post_init__(self):
        self._sorted_times, self._warnings = (), ()
        self._median = self._mean = self._p25 = self._p75 = -1.0

    def __getattr__(self, name):
        if name in _TASKSPEC_FIELDS:
            return getattr(self.task_spec, name)
        return super().__getattribute__(name)

    @property
    def times(self):
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self):
        self._lazy_init()
        return self._median

    @property
    def mean(self):
        self._lazy_init()
        return self._mean

    @property
    def iqr(self):
        self._lazy_init()
        return self._p75 - self._p25

    @property
    def significant_figures(self):
        """A rough count of trustworthy digits (1 to 4), from the spread of the middle half of the times."""
        self._lazy_init()
        n = len(self._sorted_times)
        middle = np.asarray(self._sorted_times[n // 4:int(math.ceil(_f32(3 * n / 4)))], dtype=np.float32)
        std = _f32(middle.std())
        confidence_interval = max(1.645 * std / _f32(math.sqrt(len(middle))), _MIN_CONFIDENCE_INTERVAL)
        figures = int(math.floor(_log10(self._median / confidence_interval)))
        return min(max(figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self):
        self._lazy_init()
        return bool(self._warnings)

    def _lazy_init(self):
        if not self.raw_times or self._sorted_times:
            return
        self._sorted_times = tuple(sorted(self.times))
        times = np.asarray(self._sorted_times, dtype=np.float64)
        self._p25, self._median, self._p75 = (float(q) for q in np.quantile(times, [.25, .5, .75]))
        self._mean = float(times.mean())
        for threshold, msg in ((_IQR_GROSS_WARN_THRESHOLD, 'This suggests significant environmental influence.'),
                               (_IQR_WARN_THRESHOLD, 'This could indicate system fluctuation.')):
            if not self.meets_confidence(threshold):
                self._warnings = (f'  WARNING: Interquartile range is {self.iqr / self.median * 100:.1f}% '
                                  f'of the median measurement.\n           {msg}',)
                break

    def meets_confidence(self, threshold=_IQR_WARN_THRESHOLD):
        return self.iqr / self.median < threshold

    @property
    def title(self):
        return self.task_spec.title

    @property
    def env(self):
        # torch's property reads a misspelt attribute and so falls through to the task_spec's env.
        return self.task_spec.env

    @property
    def as_row_name(self):
        return self.sub_label or self.stmt or '[Unknown]'

    def __repr__(self):
        """Example::

            <torch.utils.benchmark.utils.common.Measurement object at 0x7f395b6ac110>
            Broadcasting add (4x8)
              Median: 5.73 us
              IQR:    2.25 us (4.01 to 6.26)
              372 measurements, 100 runs per measurement, 1 thread
              WARNING: Interquartile range is 39.4% of the median measurement.
                       This suggests significant environmental influence.
        """
        self._lazy_init()
        n, threads = len(self._sorted_times), self.num_threads
        unit, scale = select_unit(self._median)
        cls = type(self)
        module = 'torch.utils.benchmark.utils.common' if cls.__module__ == __name__ else cls.__module__
        lines = [f'<{module}.{cls.__qualname__} object at {id(self):#x}>', self.task_spec.summarize(),
                 f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}"]
        if n >= 4:
            p25, p75 = self._p25 / scale, self._p75 / scale
            lines.append(f'  IQR:    {self.iqr / scale:.2f} {unit} ({p25:.2f} to {p75:.2f})')
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {threads} thread{'s' if threads > 1 else ''}")
        return '\n'.join([*lines, *self._warnings]).strip()

    @staticmethod
    def merge(measurements):
        """Merge replicates (same task_spec) into one Measurement per task_spec, with
        ``number_per_run=1`` and no metadata."""
        groups = collections.defaultdict(list)
        for m in measurements:
            groups[m.task_spec].extend(m.times)
        return [Measurement(number_per_run=1, raw_times=times, task_spec=spec, metadata=None)
                for spec, times in groups.items()]


def select_unit(t):
    """``(unit, scale)`` that puts ``t`` seconds in the range 1 to 1000: ``select_unit(2e-6) == ('us', 1e-06)``."""
    unit = {-3: 'ns', -2: 'us', -1: 'ms'}.get(int(_log10(t) // 3), 's')
    return unit, _UNITS[unit]


def unit_to_english(u):
    return {'ns': 'nanosecond', 'us': 'microsecond', 'ms': 'millisecond', 's': 'second'}[u]


def trim_sigfig(x, n):
    """Trim ``x`` to ``n`` significant figures (3.14159, 2 -> 3.1), rounding through float32 as torch does."""
    if n != int(n):
        raise AssertionError('Number of significant figures must be an integer')
    scale = 10 ** (int(math.ceil(_log10(abs(x)))) - n)
    return float(np.round(np.float32(x / scale)) * np.float32(scale))


def ordered_unique(elements):
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n):
    """Within the block, ``ember.get_num_threads() == n``; the prior count is restored after."""
    prior = ember.get_num_threads()
    try:
        ember.set_num_threads(n)
        yield
    finally:
        ember.set_num_threads(prior)
