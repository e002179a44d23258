"""``Compare``: print many Measurements as tables (``torch.utils.benchmark.utils.compare``).

One table per ``label``; rows are ``sub_label`` (else stmt) grouped by thread count and env,
columns are ``description``. Replicates (same TaskSpec) are merged first. Example::

    [------------- add -------------]
                   |  n=1  |  n=1000
    1 threads: ----------------------
          float    |  2.5  |   3.1
          int      |  2.4  |   4.0

    Times are in microseconds (us).
"""
import collections
import enum
import math
import operator

from . import common

__all__ = ['Colorize', 'Compare']

BEST = '\033[92m'
GOOD = '\033[34m'
BAD = '\033[2m\033[91m'
VERY_BAD = '\033[31m'
BOLD = '\033[1m'
TERMINATE = '\033[0m'


class Colorize(enum.Enum):
    NONE = 'none'
    COLUMNWISE = 'columnwise'
    ROWWISE = 'rowwise'


def _leading_digits(x):
    return int(math.ceil(common._log10(x)))


def optional_min(seq):
    values = list(seq)
    return min(values) if values else None


class _Column:
    """One description's cells: a shared number format wide enough for all of them."""

    def __init__(self, grouped_results, time_scale, time_unit, trim_significant_figures, highlight_warnings):
        self._grouped_results = grouped_results
        self._flat_results = [r for group in grouped_results for r in group]
        self._time_scale, self._time_unit = time_scale, time_unit
        self._trim_significant_figures = trim_significant_figures
        self._highlight_warnings = highlight_warnings and any(r.has_warnings for r in self._flat_results if r)
        digits = [_leading_digits(r.median / time_scale) if r else None for r in self._flat_results]
        unit_digits = max(d for d in digits if d is not None)
        decimal_digits = min(max(m.significant_figures - d, 0) for d, m in zip(digits, self._flat_results)
                             if m is not None and d is not None) if trim_significant_figures else 1
        length = unit_digits + decimal_digits + (1 if decimal_digits else 0)
        self._template = f'{{:>{length}.{decimal_digits}f}}{{:>{7 if self._highlight_warnings else 0}}}'

    def get_results_for(self, group):
        return self._grouped_results[group]

    def num_to_str(self, value, estimated_sigfigs, spread):
        if value is None:
            return ' ' * len(self.num_to_str(1, estimated_sigfigs, None))
        if self._trim_significant_figures:
            value = common.trim_sigfig(value, estimated_sigfigs)
        return self._template.format(
            value, f' (! {spread * 100:.0f}%)' if self._highlight_warnings and spread is not None else '')


class _Row:
    """One row name's cells, with the 'N threads:' separator above the first row of a thread group."""

    def __init__(self, results, row_group, render_env, env_str_len, row_name_str_len, time_scale, colorize,
                 num_threads=None):
        self._results, self._row_group = results, row_group
        self._render_env, self._env_str_len, self._row_name_str_len = render_env, env_str_len, row_name_str_len
        self._time_scale, self._colorize, self._num_threads = time_scale, colorize, num_threads
        self._columns = ()

    def register_columns(self, columns):
        self._columns = columns

    def as_column_strings(self):
        first = next(r for r in self._results if r is not None)
        env = (f'({first.env})' if self._render_env else '').ljust(self._env_str_len + 4)
        output = ['  ' + env + first.as_row_name]
        for m, col in zip(self._results, self._columns or ()):
            output.append(col.num_to_str(None, 1, None) if m is None else col.num_to_str(
                m.median / self._time_scale, m.significant_figures, m.iqr / m.median if m.has_warnings else None))
        return output

    @staticmethod
    def color_segment(segment, value, best_value):
        if value <= best_value * 1.01 or value <= best_value + 100e-9:
            return BEST + BOLD + segment + TERMINATE * 2
        if value <= best_value * 1.1:
            return GOOD + BOLD + segment + TERMINATE * 2
        if value >= best_value * 5:
            return VERY_BAD + BOLD + segment + TERMINATE * 2
        if value >= best_value * 2:
            return BAD + segment + TERMINATE * 2
        return segment

    def row_separator(self, overall_width):
        return [] if self._num_threads is None else [f'{self._num_threads} threads: '.ljust(overall_width, '-')]

    def finalize_column_strings(self, column_strings, col_widths):
        best_values = [-1 for _ in column_strings]
        if self._colorize == Colorize.ROWWISE:
            best_values = [min(r.median for r in self._results if r is not None)] * len(column_strings)
        elif self._colorize == Colorize.COLUMNWISE:
            best_values = [optional_min(r.median for r in col.get_results_for(self._row_group) if r is not None)
                           for col in self._columns or ()]
        row = [column_strings[0].ljust(col_widths[0])]
        for text, width, result, best in zip(column_strings[1:], col_widths[1:], self._results, best_values):
            text = text.center(width)
            if self._colorize != Colorize.NONE and result is not None and best is not None:
                text = self.color_segment(text, result.median, best)
            row.append(text)
        return row


class Table:
    """The table of one label's results."""

    def __init__(self, results, colorize, trim_significant_figures, highlight_warnings):
        if len({r.label for r in results}) != 1:
            raise AssertionError('All results must share the same label')
        self.results = results
        self._colorize = colorize
        self._trim_significant_figures = trim_significant_figures
        self._highlight_warnings = highlight_warnings
        self.label = results[0].label
        self.time_unit, self.time_scale = common.select_unit(min(r.median for r in results))
        self.row_keys = common.ordered_unique([self.row_fn(i) for i in results])
        self.row_keys.sort(key=operator.itemgetter(slice(2)))  # by (threads, env); stmt order kept
        self.column_keys = common.ordered_unique([self.col_fn(i) for i in results])
        self.rows, self.columns = self.populate_rows_and_columns()

    @staticmethod
    def row_fn(m):
        return m.num_threads, m.env, m.as_row_name

    @staticmethod
    def col_fn(m):
        return m.description

    def populate_rows_and_columns(self):
        row_position = {key: i for i, key in enumerate(self.row_keys)}
        col_position = {key: i for i, key in enumerate(self.column_keys)}
        ordered = [[None] * len(self.column_keys) for _ in self.row_keys]
        for r in self.results:
            ordered[row_position[self.row_fn(r)]][col_position[self.col_fn(r)]] = r

        envs = {r.env for r in self.results}
        render_env = len(envs) > 1
        env_str_len = max(len(e) for e in envs) if render_env else 0
        row_name_str_len = max(len(r.as_row_name) for r in self.results)

        rows, groups, prior_threads, prior_env = [], [], -1, ''
        for (num_threads, env, _), results in zip(self.row_keys, ordered):
            new_group = num_threads != prior_threads
            if new_group:
                prior_threads, prior_env = num_threads, ''
                groups.append([])
            rows.append(_Row(results=results, row_group=len(groups) - 1, render_env=render_env and env != prior_env,
                             env_str_len=env_str_len, row_name_str_len=row_name_str_len,
                             time_scale=self.time_scale, colorize=self._colorize,
                             num_threads=num_threads if new_group else None))
            groups[-1].append(results)
            prior_env = env

        columns = tuple(_Column(grouped_results=[tuple(row[i] for row in g) for g in groups],
                                time_scale=self.time_scale, time_unit=self.time_unit,
                                trim_significant_figures=self._trim_significant_figures,
                                highlight_warnings=self._highlight_warnings)
                        for i in range(len(self.column_keys)))
        for row in rows:
            row.register_columns(columns)
        return tuple(rows), columns

    def render(self):
        string_rows = [[''] + self.column_keys] + [r.as_column_strings() for r in self.rows]
        num_cols = max(len(sr) for sr in string_rows)
        for sr in string_rows:
            sr.extend([''] * (num_cols - len(sr)))
        col_widths = [max(len(s) for s in col) for col in zip(*string_rows)]
        lines = ['  |  '.join(s.center(w) for s, w in zip(string_rows[0], col_widths))]
        overall_width = len(lines[0])
        for string_row, row in zip(string_rows[1:], self.rows):
            lines.extend(row.row_separator(overall_width))
            lines.append('  |  '.join(row.finalize_column_strings(string_row, col_widths)))
        has_warnings = self._highlight_warnings and any(r.has_warnings for r in self.results)
        warning = ('(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n'
                   if has_warnings else '')
        return (f"[{(' ' + (self.label or '') + ' ').center(overall_width - 2, '-')}]\n"
                + '\n'.join(lines)
                + f'\n\nTimes are in {common.unit_to_english(self.time_unit)}s ({self.time_unit}).\n{warning}')


class Compare:
    """Print many Measurements as tables: ``str(compare)`` or ``compare.print()``.

    Args:
        results: a list of Measurement.

    Example:
        >>> c = Compare([m1, m2]); c.trim_significant_figures(); c.colorize(); c.print()
    """

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = Colorize.NONE
        self._highlight_warnings = False

    def __str__(self):
        return '\n'.join(self._render())

    def extend_results(self, results):
        """Append results; each must be a ``Measurement``."""
        for r in results:
            if not isinstance(r, common.Measurement):
                raise ValueError('Expected an instance of `Measurement`, ' f'got {type(r)} instead.')
        self._results.extend(results)

    def trim_significant_figures(self):
        """Show only the digits each measurement's spread supports."""
        self._trim_significant_figures = True

    def colorize(self, rowwise=False):
        """Colour cells against the best of their column (or, with ``rowwise=True``, of their row)."""
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self):
        """Mark cells whose IQR is large with ``(! XX%)``."""
        self._highlight_warnings = True

    def print(self):
        print(str(self))

    def _render(self):
        return [self._layout(group) for group in self._group_by_label(common.Measurement.merge(self._results)).values()]

    def _group_by_label(self, results):
        grouped = collections.defaultdict(list)
        for r in results:
            grouped[r.label].append(r)
        return grouped

    def _layout(self, results):
        return Table(results, self._colorize, self._trim_significant_figures, self._highlight_warnings).render()
