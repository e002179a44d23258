"""``ember.profiler``: torch.profiler's ``profile`` (with ``schedule``, ``step()`` and
``on_trace_ready``), ``record_function``, ``ProfilerActivity`` and ``tensorboard_trace_handler``.

What is recorded: the ``record_function`` regions (wall time, nesting, counts) and, with a
schedule, the ``ProfilerStep#N`` regions, as torch has them. ember's own ops are not traced, so
torch's ``aten::*`` rows do not appear; memory, shapes, stacks and FLOPs are accepted, not measured.
"""
import enum
import os
import warnings
from functools import partial

from ..autograd import profiler as _prof
from ..autograd.profiler import record_function, EventList  # noqa: F401

__all__ = ['profile', 'record_function', 'ProfilerActivity', 'ProfilerAction', 'schedule',
           'supported_activities', 'tensorboard_trace_handler', 'ExecutionTraceObserver']


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 4
    CUDA = 2
    HPU = 3
    PrivateUse1 = 5

    def __repr__(self):
        return f'<ProfilerActivity.{self.name}: {self.value}>'


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4      # (torch sets it when device collection stops early; never here)


_STOPPED_MSG = ('ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be returned by a '
                'user-provided schedule')


def supported_activities():
    """The activities a profile can record: the CPU (and CUDA where ember has a GPU)."""
    acts = {ProfilerActivity.CPU}
    try:
        from .. import cuda
        if cuda.is_available():
            acts.add(ProfilerActivity.CUDA)
    except Exception:   # noqa: BLE001
        pass
    return acts


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """The profiler schedule: skip ``skip_first`` steps, then cycles of ``wait`` idle steps,
    ``warmup`` steps and ``active`` recorded steps (``repeat`` cycles; 0: until the end)."""

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f'Step must be non-negative. Got {step}.')
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f'Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), '
            f'active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).')
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``{worker_name}.{time_ns}.pt.trace.json`` (``.gz`` with use_gzip)."""
    import socket
    import time

    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f'{socket.gethostname()}_{os.getpid()}'
        file_name = f'{worker_name}.{time.time_ns()}.pt.trace.json'
        if use_gzip:
            file_name = file_name + '.gz'
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


class ExecutionTraceObserver:
    """Accepted for ``execution_trace_observer=``; ember records no execution trace."""

    def __init__(self):
        self._output_file_path = None

    def register_callback(self, output_file_path):
        self._output_file_path = output_file_path
        return self

    def start(self):
        pass

    def stop(self):
        pass

    def cleanup(self):
        pass

    def unregister_callback(self):
        pass

    def get_output_file_path(self):
        return self._output_file_path


_warned = [False]



def _activity_set(activities):
    """The set of ProfilerActivity values ``activities`` names (a dict's keys count too); all
    supported ones when None."""
    if activities is None:
        return supported_activities()
    acts = set()
    for item in activities:
        if isinstance(item, dict):
            acts.update(item)
        else:
            acts.add(item)
    return acts


class _KinetoProfile:
    """The profile without a schedule: ``start()``/``stop()``, ``key_averages``, ``events``,
    ``export_chrome_trace``."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = _activity_set(activities)
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.experimental_config = experimental_config
        self.execution_trace_observer = execution_trace_observer
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.profiler = None
        self.use_device = 'cuda' if ProfilerActivity.CUDA in self.activities else None
        self.preset_metadata = {}

    def start(self):
        self.prepare_trace()
        self.start_trace()

    def stop(self):
        self.stop_trace()

    def prepare_trace(self):
        if self.profiler is not None and not self.acc_events and not _warned[0]:
            _warned[0] = True
            warnings.warn('Warning: Profiler clears events at the end of each cycle. Only events from the current '
                          'cycle will be reported. To keep events across cycles, set acc_events=True.',
                          UserWarning, stacklevel=2)
        if self.profiler is None or not self.acc_events:
            self.profiler = _prof.profile(use_cpu=ProfilerActivity.CPU in self.activities,
                                          use_device=self.use_device, record_shapes=self.record_shapes,
                                          with_flops=self.with_flops, profile_memory=self.profile_memory,
                                          with_stack=self.with_stack, with_modules=self.with_modules,
                                          use_kineto=True, acc_events=self.acc_events)
        self.profiler._prepare_trace()

    def start_trace(self):
        if self.execution_trace_observer:
            self.execution_trace_observer.start()
        if self.profiler is None:
            raise AssertionError('Profiler must be initialized before starting trace')
        self.profiler._start_trace()

    def stop_trace(self):
        if self.execution_trace_observer:
            self.execution_trace_observer.stop()
        if self.profiler is not None:
            self.profiler._stop_trace()

    def export_chrome_trace(self, path, use_python_export=False):
        """Write the recorded regions to ``path`` as Chrome trace JSON (gzip for ``.gz``)."""
        if self.profiler is None:
            raise AssertionError('Profiler must be initialized before exporting chrome trace')
        self.profiler.export_chrome_trace(path, self.preset_metadata or None)

    def export_stacks(self, path, metric='self_cpu_time_total'):
        if self.profiler is None:
            raise AssertionError('Profiler must be initialized before exporting stacks')
        return self.profiler.export_stacks(path, metric)

    def export_memory_timeline(self, path, device=None):
        raise NotImplementedError('ember does not record memory timelines')

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        if self.profiler is None:
            raise AssertionError('Profiler must be initialized before getting key averages')
        return self.profiler.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def events(self):
        if self.profiler is None:
            raise AssertionError('Profiler must be initialized before accessing events')
        return self.profiler.function_events

    def add_metadata(self, key, value):
        self.preset_metadata[key] = value

    def add_metadata_json(self, key, value):
        self.preset_metadata[key] = value

    def toggle_collection_dynamic(self, enable, activities):
        pass


class profile(_KinetoProfile):
    """``with ember.profiler.profile(...) as prof:`` records the ``record_function`` regions run
    inside it; with ``schedule=``, ``prof.step()`` marks steps (``ProfilerStep#N`` regions),
    recording follows the schedule and ``on_trace_ready(prof)`` runs at the end of each active
    cycle (and at exit while recording), as in torch."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        acts = _activity_set(activities)
        if use_cuda is not None:
            warnings.warn('`use_cuda` is deprecated, use `activities` argument instead', FutureWarning,
                          stacklevel=2)
            if use_cuda:
                acts.add(ProfilerActivity.CUDA)
            elif ProfilerActivity.CUDA in acts:
                acts.remove(ProfilerActivity.CUDA)
        if len(acts) == 0:
            raise AssertionError('No valid profiler activities found')
        super().__init__(activities=acts, record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops, with_modules=with_modules,
                         experimental_config=experimental_config, execution_trace_observer=execution_trace_observer,
                         acc_events=acc_events, custom_trace_id_callback=custom_trace_id_callback)
        if schedule:
            self.schedule = schedule
            self.record_steps = True        # step markers in the trace and the table
        else:
            self.schedule = _default_schedule_fn
            self.record_steps = False
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        if self.current_action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError(_STOPPED_MSG)
        self.step_rec_fn = None
        A = ProfilerAction
        self.action_map = {
            (A.NONE, A.NONE): [],
            (A.NONE, A.WARMUP): [self.prepare_trace],
            (A.NONE, A.RECORD): [self.prepare_trace, self.start_trace],
            (A.NONE, A.RECORD_AND_SAVE): [self.prepare_trace, self.start_trace],
            (A.WARMUP, A.NONE): [partial(warnings.warn, 'Incorrect schedule: WARMUP followed by NONE'),
                                 self.start_trace, self.stop_trace],
            (A.WARMUP, A.WARMUP): [],
            (A.WARMUP, A.RECORD): [self.start_trace],
            (A.WARMUP, A.RECORD_AND_SAVE): [self.start_trace],
            (A.RECORD, A.NONE): [partial(warnings.warn, 'Incorrect schedule: RECORD followed by NONE'),
                                 self.stop_trace],
            (A.RECORD, A.WARMUP): [partial(warnings.warn, 'Incorrect schedule: RECORD followed by WARMUP'),
                                   self.stop_trace],
            (A.RECORD, A.RECORD): [],
            (A.RECORD, A.RECORD_AND_SAVE): [],
            (A.RECORD_AND_SAVE, A.NONE): [self.stop_trace, self._trace_ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [self.stop_trace, self._trace_ready, self.prepare_trace],
            (A.RECORD_AND_SAVE, A.RECORD): [self.stop_trace, self._trace_ready, self.prepare_trace,
                                            self.start_trace],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [self.stop_trace, self._trace_ready, self.prepare_trace,
                                                     self.start_trace],
            (A.WARMUP, None): [self.start_trace, self.stop_trace],
            (A.RECORD, None): [self.stop_trace, self._trace_ready],
            (A.RECORD_AND_SAVE, None): [self.stop_trace, self._trace_ready],
        }

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()
        if self.execution_trace_observer:
            self.execution_trace_observer.cleanup()
        return False

    def start(self):
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function('ProfilerStep#' + str(self.step_num))
            self.step_rec_fn.__enter__()

    def stop(self):
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit_action(self.current_action, None)

    def step(self):
        """Signals the profiler that the next profiling step has started."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        prev_action = self.current_action
        action = self.schedule(self.step_num + 1)
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError(_STOPPED_MSG)
        self.step_num += 1
        self.current_action = action
        self._transit_action(prev_action, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function('ProfilerStep#' + str(self.step_num))
            self.step_rec_fn.__enter__()

    def set_custom_trace_id_callback(self, callback):
        self.custom_trace_id_callback = callback

    def get_trace_id(self):
        return None

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit_action(self, prev_action, current_action):
        for action in self.action_map.get((prev_action, current_action)) or ():
            action()
