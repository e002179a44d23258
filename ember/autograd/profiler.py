"""``ember.autograd.profiler``: ``record_function`` regions and a profiler that records them.

ember does not trace its own ops: a profile holds the ``record_function`` regions (their wall
time, nesting and counts; ``ember.profiler.profile``'s ``ProfilerStep#N`` regions among them),
which ``key_averages().table()`` prints in torch's columns and ``export_chrome_trace`` writes as
Chrome trace JSON. Outside a profile, entering a ``record_function`` costs one list read.
"""
import contextlib
import json
import os
import threading
import time

__all__ = ['record_function', 'profile', 'EventList', 'FunctionEvent', 'FunctionEventAvg']

# the profiles recording now; record_function records into those open when it is entered
_ACTIVE = []
_STACK = threading.local()      # the regions open now, per thread (for parents and self time)
_now_us = (lambda: time.perf_counter_ns() / 1000.0)


def _open_regions():
    s = getattr(_STACK, 'regions', None)
    if s is None:
        s = _STACK.regions = []
    return s


class record_function(contextlib.ContextDecorator):
    """Label a block of code (``with``) or a function (decorator) for the profiler.

    Example::

        with ember.profiler.profile() as prof:
            with ember.autograd.profiler.record_function("forward"):
                y = model(x)
        print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    """

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self.record = None

    def __enter__(self):
        if _ACTIVE:
            ev = FunctionEvent(self.name, _now_us(), args=self.args)
            regions = _open_regions()
            if regions:
                ev.cpu_parent = regions[-1]
            regions.append(ev)
            # (a list, so that a decorator's one instance may be re-entered by recursion)
            self.record = (self.record or []) + [(ev, tuple(p._collector for p in _ACTIVE))]
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        rec = self.record
        if not rec or not self.run_callbacks_on_exit:
            return False
        ev, collectors = rec[-1]
        self.record = rec[:-1] or None
        ev.time_range.end = _now_us()
        regions = _open_regions()
        if ev in regions:
            regions.remove(ev)
        if ev.cpu_parent is not None:
            ev.cpu_parent.cpu_children.append(ev)
        for c in collectors:
            if c.recording:
                c.events.append(ev)
        return False

    def _call_end_callbacks_on_future(self, fut):
        """As torch: ends the region when ``fut`` completes (here: now) and returns ``fut``."""
        self.__exit__(None, None, None)
        return fut


class _Collector:
    __slots__ = ('events', 'recording')

    def __init__(self):
        self.events, self.recording = [], False


class Interval:
    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


def _format_time(time_us):
    if time_us >= 1e6:
        return f'{time_us / 1e6:.3f}s'
    if time_us >= 1e3:
        return f'{time_us / 1e3:.3f}ms'
    return f'{time_us:.3f}us'


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return 'NaN'
    return f'{time_us * 100.0 / total_time_us:.2f}%'


class _TimeFields:
    """The *_str, device and memory fields torch's events have, from the cpu times."""
    is_async = False
    is_legacy = False
    is_user_annotation = True
    node_id = -1
    overload_name = ''
    use_device = None
    device_time_total = self_device_time_total = device_time = 0.0
    cuda_time_total = self_cuda_time_total = cuda_time = 0.0
    cpu_memory_usage = self_cpu_memory_usage = device_memory_usage = self_device_memory_usage = 0
    cuda_memory_usage = self_cuda_memory_usage = 0
    flops = 0

    @property
    def cpu_time_total_str(self):
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self):
        return _format_time(self.self_cpu_time_total)

    @property
    def cpu_time_str(self):
        return _format_time(self.cpu_time)

    @property
    def device_time_str(self):
        return _format_time(0.0)

    device_time_total_str = self_device_time_total_str = device_time_str


class FunctionEvent(_TimeFields):
    """One recorded region: its name, wall-time interval (microseconds), parent and children."""

    _ids = [0]

    def __init__(self, name, start_us, end_us=None, args=None, thread=None):
        FunctionEvent._ids[0] += 1
        self.id = FunctionEvent._ids[0]
        # as torch: the steps of a scheduled profile are one key in the tables, 'ProfilerStep*',
        # and keep their number in the trace
        self.trace_name = name
        self.name = 'ProfilerStep*' if name.startswith('ProfilerStep#') else name
        self.args = args
        self.time_range = Interval(start_us, start_us if end_us is None else end_us)
        self.thread = threading.get_ident() if thread is None else thread
        self.cpu_parent = None
        self.cpu_children = []
        self.input_shapes = []
        self.stack = []
        self.count = 1
        self.device_type = 'CPU'

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f'<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} '
                f'start_us={self.time_range.start:.3f} end_us={self.time_range.end:.3f}>')


class FunctionEventAvg(_TimeFields):
    """Events of one key, summed: ``count``, ``cpu_time_total``, ``self_cpu_time_total``, and
    ``cpu_time`` (the mean)."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes = None
        self.stack = None
        self.cpu_parent = None
        self.cpu_children = None
        self.device_type = 'CPU'

    def add(self, other):
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.cpu_parent = other.cpu_parent
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        return self

    def __iadd__(self, other):
        return self.add(other)

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def __repr__(self):
        return (f'<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} '
                f'cpu_time={self.cpu_time_str} count={self.count}>')


class EventList(list):
    """A list of events, with torch's ``table``, ``key_averages``, ``total_average`` and
    ``export_chrome_trace``."""

    def __init__(self, *args, **kwargs):
        self._use_device = kwargs.pop('use_device', None)
        self._profile_memory = kwargs.pop('profile_memory', False)
        self._with_flops = kwargs.pop('with_flops', False)
        super().__init__(*args)

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        stats = {}
        for e in self:
            key = e.key
            if group_by_input_shapes:
                key = (key, str(e.input_shapes))
            stats.setdefault(key, FunctionEventAvg()).add(e)
        return EventList(stats.values(), use_device=self._use_device, profile_memory=self._profile_memory,
                         with_flops=self._with_flops)

    def total_average(self):
        total = FunctionEventAvg()
        for e in self:
            total.add(e)
        total.key = 'Total'
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return _build_table(self, sort_by=sort_by, header=header, row_limit=row_limit,
                            max_name_column_width=max_name_column_width,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        _write_trace(path, self)


def _override_time_unit(time_us, time_unit):
    if time_unit == 's':
        return f'{time_us / 1e6:.3f}s'
    if time_unit == 'ms':
        return f'{time_us / 1e3:.3f}ms'
    if time_unit == 'us':
        return f'{time_us:.3f}us'
    return _format_time(time_us)


def _build_table(events, sort_by=None, header=None, row_limit=100, max_name_column_width=55,
                 top_level_events_only=False, time_unit=None):
    """The summary torch prints: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
    # of Calls, and the self CPU time total under it."""
    if len(events) == 0:
        return ''
    if sort_by is not None:
        attr = sort_by.replace('cuda', 'device').replace('xpu', 'device').replace('privateuse1', 'device')
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    name_w = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_w = min(name_w, max_name_column_width)
    headers = ['Name', 'Self CPU %', 'Self CPU', 'CPU total %', 'CPU total', 'CPU time avg', '# of Calls']
    widths = [name_w] + [12] * (len(headers) - 1)
    row_format = ''.join('{: >' + str(w) + '}  ' for w in widths)
    sep = ''.join('-' * w + '  ' for w in widths)
    line_length = sum(w + 2 for w in widths) - 2
    total = sum(e.self_cpu_time_total for e in events)
    out = []
    if header is not None:
        out += ['=' * line_length, header]
    if top_level_events_only:
        out += ['=' * line_length, 'This report only display top-level ops statistics']
    out += [sep, row_format.format(*headers), sep]
    n = 0
    for e in events:
        if n == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        n += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + '...'
        out.append(row_format.format(
            name, _format_time_share(e.self_cpu_time_total, total),
            _override_time_unit(e.self_cpu_time_total, time_unit),
            _format_time_share(e.cpu_time_total, total), _override_time_unit(e.cpu_time_total, time_unit),
            _override_time_unit(e.cpu_time, time_unit), e.count))
    out += [sep, f'Self CPU time total: {_override_time_unit(total, time_unit)}']
    return '\n'.join(out) + '\n'


def _write_trace(path, events, metadata=None):
    """Chrome trace JSON ('X' events, one per region), as chrome://tracing and Perfetto read it."""
    pid = os.getpid()
    trace = []
    for e in events:
        if not isinstance(e, FunctionEvent):
            continue
        ev = {'ph': 'X', 'cat': 'user_annotation', 'name': e.trace_name, 'pid': pid, 'tid': e.thread,
              'ts': e.time_range.start, 'dur': e.cpu_time_total, 'args': {}}
        if e.args is not None:
            ev['args']['args'] = e.args
        trace.append(ev)
    doc = {'schemaVersion': 1, 'deviceProperties': [], 'traceEvents': trace, 'displayTimeUnit': 'ms'}
    if metadata:
        doc.update(metadata)
    text = json.dumps(doc)
    if str(path).endswith('.gz'):
        import gzip
        with gzip.open(path, 'wt', encoding='utf-8') as f:
            f.write(text)
    else:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


class profile:
    """``torch.autograd.profiler.profile``: records the ``record_function`` regions run inside it.

    Example::

        with ember.autograd.profiler.profile() as prof:
            with ember.autograd.profiler.record_function("step"):
                ...
        print(prof.key_averages().table(sort_by="self_cpu_time_total"))
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None, activity_filters=None):
        self.enabled = enabled
        if not enabled:
            return
        self.use_cuda = use_cuda
        self.use_device = 'cuda' if use_cuda and use_device is None else use_device
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.acc_events = acc_events
        self.entered = False
        self._function_events = None
        self._collector = _Collector()

    # (torch.profiler.profile drives these three)
    def _prepare_trace(self):
        self.entered = True

    def _start_trace(self):
        self._collector.recording = True
        _ACTIVE.append(self)

    def _stop_trace(self):
        self._collector.recording = False
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        evs = sorted(self._collector.events, key=lambda e: (e.time_range.start, -e.time_range.end))
        self._function_events = EventList(evs, use_device=self.use_device, profile_memory=self.profile_memory,
                                         with_flops=self.with_flops)

    def __enter__(self):
        if not self.enabled:
            return None         # (as torch)
        if self.entered:
            raise RuntimeError('Profiler context manager is not reentrant')
        self._prepare_trace()
        self._start_trace()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        self._stop_trace()
        return False

    @property
    def function_events(self):
        """The recorded regions (an EventList; empty until the profile has stopped, as in torch)."""
        if self._function_events is None:
            return EventList(use_device=getattr(self, 'use_device', None))
        return self._function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def total_average(self):
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        return self.function_events.self_cpu_time_total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit,
                                          max_name_column_width=max_name_column_width, header=header,
                                          top_level_events_only=top_level_events_only)

    def __str__(self):
        if self._function_events is None:
            return '<unfinished torch.autograd.profile>'
        return str(self.function_events)

    __repr__ = __str__

    def export_chrome_trace(self, path, metadata=None):
        _write_trace(path, self.function_events, metadata)

    def export_stacks(self, path, metric='self_cpu_time_total'):
        with open(path, 'w'):       # no stacks are recorded
            pass


class emit_nvtx(contextlib.nullcontext):
    """A no-op (ember emits no NVTX ranges)."""

    def __init__(self, enabled=True, record_shapes=False):
        super().__init__()


emit_itt = emit_nvtx
