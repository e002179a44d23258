"""The worker process of a multi-process ``DataLoader``: ``_worker_loop`` seeds the process, runs
``worker_init_fn``, then fetches the batches whose indices arrive on its index queue and puts
``(task index, batch)`` on the shared result queue (pickled in the worker, so that an object
that cannot be sent becomes an error in the main process instead of a lost batch). A failure
is sent as an ``ExceptionWrapper`` and re-raised by the main process with the worker's
traceback. ``get_worker_info()`` tells dataset code which worker it runs in.
"""
import os
import pickle
import queue
import random
from dataclasses import dataclass

from . import ExceptionWrapper, MP_STATUS_CHECK_INTERVAL

__all__ = ['WorkerInfo', 'get_worker_info']


class ManagerWatchdog:
    """Tells a worker whether the process that started it still lives."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


_worker_info = None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """About the current worker: ``id`` (0 to ``num_workers - 1``), ``num_workers``, ``seed``
    (what ``ember.manual_seed`` and ``random.seed`` were given: base seed + id) and ``dataset``
    (this process's copy of the dataset)."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = 'multiprocessing'


def get_worker_info():
    """The ``WorkerInfo`` of this DataLoader worker process, or None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of each new epoch."""
    seed: object = None


def _generate_state(base_seed, worker_id):
    """Torch's NumPy seed for a worker: a 4-word state hashed from (worker_id, base_seed)
    (numpy's SeedSequence algorithm), so workers' NumPy streams differ."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_A = INIT_A

    def hash(value):
        nonlocal hash_const_A
        value = (value ^ hash_const_A) & MASK32
        hash_const_A = (hash_const_A * MULT_A) & MASK32
        value = (value * hash_const_A) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = ((MIX_MULT_L * x) - (MIX_MULT_R * y)) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    for i in range(4):
        pool[i] = hash(entropy[i])
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash(pool[i_src]))
    hash_const_B = INIT_B
    state = []
    for i_dst in range(4):
        v = (pool[i_dst] ^ hash_const_B) & MASK32
        hash_const_B = (hash_const_B * MULT_B) & MASK32
        v = (v * hash_const_B) & MASK32
        state.append((v ^ (v >> XSHIFT)) & MASK32)
    return state


def _dumps(idx, data, worker_id):
    """Pickle a result here, so that one that cannot be pickled is reported, not lost."""
    try:
        return pickle.dumps((idx, data), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        w = ExceptionWrapper(where=f'in DataLoader worker process {worker_id}')
        try:
            return pickle.dumps((idx, w), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:       # the exception type itself cannot be pickled (a local class)
            w.exc_type = RuntimeError
            return pickle.dumps((idx, w), protocol=pickle.HIGHEST_PROTOCOL)


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers, shared_seed):
    try:
        import numpy as np
        from ...._random import manual_seed
        from ..dataloader import _DatasetKind

        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f'in DataLoader worker process {worker_id}')

        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put(_dumps(r, None, worker_id))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:           # the main process asks us to exit
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f'in DataLoader worker process {worker_id}')
            data_queue.put(_dumps(idx, data, worker_id))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
