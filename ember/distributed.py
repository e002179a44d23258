"""``ember.distributed``: the queries scripts make of ``torch.distributed``, answered for one process.

ember has no collective-communication backend. ``is_available()`` answers True, as torch's CPU
build does, but no process group can be made: ``is_initialized()`` is False,
``init_process_group`` raises NotImplementedError, and the calls that need the default group
(``get_rank``, ``get_world_size``, ``barrier``, ``all_reduce``, ...) raise torch's ValueError for
a script that never initialised one. Scripts that check ``is_initialized()`` run single-process.

Example:
    >>> import ember.distributed as dist
    >>> dist.is_available(), dist.is_initialized()     # (True, False)
"""
import os
from enum import Enum

__all__ = ['is_available', 'is_initialized', 'init_process_group', 'destroy_process_group', 'get_rank',
           'get_world_size', 'get_backend', 'barrier', 'all_reduce', 'all_gather', 'all_gather_object', 'broadcast',
           'broadcast_object_list', 'reduce', 'gather', 'scatter', 'reduce_scatter', 'all_to_all', 'new_group',
           'is_nccl_available', 'is_gloo_available', 'is_mpi_available', 'is_torchelastic_launched', 'ReduceOp',
           'Backend', 'get_node_local_rank', 'is_backend_available', 'monitored_barrier']

_NOT_INITIALIZED = 'Default process group has not been initialized, please make sure to call init_process_group.'


def is_available():
    """True, as torch's CPU build answers (its distributed package is compiled in)."""
    return True


def is_initialized():
    """False: ember never has a default process group."""
    return False


def is_nccl_available():
    return False


def is_gloo_available():
    return True


def is_mpi_available():
    return False


def is_backend_available(backend):
    return backend.lower() == 'gloo'


def is_torchelastic_launched():
    """True when started by torchrun (its TORCHELASTIC_RUN_ID is set), as torch."""
    return os.getenv('TORCHELASTIC_RUN_ID') is not None


def _default_group():
    raise ValueError(_NOT_INITIALIZED)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name='', pg_options=None, device_id=None):
    raise NotImplementedError('ember.distributed.init_process_group: ember runs in a single process and has no '
                              'collective-communication backend (gloo, nccl, mpi), so process groups are not '
                              'supported. Run the script without torch.distributed / torchrun (world size 1).')


def destroy_process_group(group=None):
    raise AssertionError('Process group cannot be None')


def get_rank(group=None):
    _default_group()


def get_world_size(group=None):
    _default_group()


def get_backend(group=None):
    _default_group()


def get_node_local_rank(fallback_rank=None):
    """LOCAL_RANK from the environment (set by torchrun), else ``fallback_rank``, as torch."""
    if 'LOCAL_RANK' in os.environ:
        return int(os.environ['LOCAL_RANK'])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError('LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow '
                       '`get_node_local_rank` to work, assuming you are not running in a distributed context.')


def _needs_group(name):
    def collective(*args, **kwargs):
        _default_group()
    collective.__name__ = collective.__qualname__ = name
    collective.__doc__ = f'``torch.distributed.{name}``: needs a process group, which ember never has.'
    return collective


barrier = _needs_group('barrier')
monitored_barrier = _needs_group('monitored_barrier')
all_reduce = _needs_group('all_reduce')
all_gather = _needs_group('all_gather')
all_gather_object = _needs_group('all_gather_object')
broadcast = _needs_group('broadcast')
broadcast_object_list = _needs_group('broadcast_object_list')
reduce = _needs_group('reduce')
gather = _needs_group('gather')
scatter = _needs_group('scatter')
reduce_scatter = _needs_group('reduce_scatter')
all_to_all = _needs_group('all_to_all')
new_group = _needs_group('new_group')
all_gather_into_tensor = _needs_group('all_gather_into_tensor')
reduce_scatter_tensor = _needs_group('reduce_scatter_tensor')
send = _needs_group('send')
recv = _needs_group('recv')
isend = _needs_group('isend')
irecv = _needs_group('irecv')


class ReduceOp:
    """The reduction of a collective: ``ReduceOp.SUM``, ``ReduceOp.AVG``, ..."""

    class RedOpType(Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8
        UNUSED = 9

        def __repr__(self):
            return f'<RedOpType.{self.name}: {self.value}>'


for _op in ReduceOp.RedOpType:
    setattr(ReduceOp, _op.name, _op)
del _op


class Backend(str):
    """Backend names, as torch's ``Backend`` (a str subclass): ``Backend.GLOO == 'gloo'``."""
    UNDEFINED = 'undefined'
    GLOO = 'gloo'
    NCCL = 'nccl'
    UCC = 'ucc'
    MPI = 'mpi'

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f'Backend constructor parameter must be string-ish, but got: {type(name)}')
        return str.__new__(cls, name.lower())
