"""``ember.utils.benchmark``: time statements and tabulate the results (``torch.utils.benchmark``).

``Timer`` runs a statement in a loop (``timeit``, ``blocked_autorange``, ``adaptive_autorange``) and
returns a ``Measurement``; ``Compare`` prints many measurements as one table. The fuzzers
(``Fuzzer``, ``FuzzedTensor``, ...) and Callgrind instruction counts are not provided.

Example:
    >>> import ember.utils.benchmark as benchmark
    >>> x = ember.ones(64, 64)
    >>> t = benchmark.Timer('x @ x', globals={'x': x}, label='matmul', description='64x64')
    >>> m = t.blocked_autorange(min_run_time=0.2)
    >>> m.median                             # seconds per run
    >>> benchmark.Compare([m]).print()
"""
from .utils.common import *  # noqa: F401,F403
from .utils.timer import *  # noqa: F401,F403
from .utils.compare import *  # noqa: F401,F403
