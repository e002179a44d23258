"""``ember._dynamo`` (``torch._dynamo``): the settings and helpers scripts use around
``ember.compile``. ``config.recompile_limit`` (alias ``cache_size_limit``) is the number of
signatures a compiled function records before it runs eagerly; ``suppress_errors`` is accepted
(ember.compile always falls back to eager unless ``fullgraph=True``).

Example:
    >>> ember._dynamo.config.recompile_limit = 16; ember._dynamo.reset()
"""
from types import SimpleNamespace

__all__ = ['config', 'reset', 'is_compiling', 'disable', 'mark_dynamic', 'maybe_mark_dynamic', 'mark_static',
           'allow_in_graph', 'graph_break', 'OptimizedModule', 'list_backends', 'is_dynamo_supported']


class _Config(SimpleNamespace):
    @property
    def cache_size_limit(self):
        return self.recompile_limit

    @cache_size_limit.setter
    def cache_size_limit(self, n):
        self.recompile_limit = n

    @property
    def recompile_limit(self):
        from . import _compile
        return _compile.RECOMPILE_LIMIT

    @recompile_limit.setter
    def recompile_limit(self, n):
        from . import _compile
        _compile.RECOMPILE_LIMIT = int(n)


config = _Config(suppress_errors=False, verbose=False, capture_scalar_outputs=False,
                 capture_dynamic_output_shape_ops=False, automatic_dynamic_shapes=True, assume_static_by_default=True)


def reset():
    """Forget every recording (``torch._dynamo.reset``)."""
    from . import _compile
    _compile.reset()


def is_compiling():
    from .compiler import is_compiling as f
    return f()


def disable(fn=None, recursive=True, *, reason=None):
    """torch runs ``fn`` outside the compiled graph; ember records every call it makes anyway, so
    ``fn`` is returned as it is (usable as ``@disable`` and ``@disable()``)."""
    if fn is None:
        return lambda f: f
    return fn


def mark_dynamic(t, index, **kwargs):
    """Accepted: ember records one program per input shape."""


maybe_mark_dynamic = mark_static = mark_dynamic


def allow_in_graph(fn):
    return fn


def graph_break():
    """A no-op: an ember recording has no graph breaks to ask for."""


def list_backends(exclude_tags=()):
    return ['inductor']


def is_dynamo_supported():
    return True


def __getattr__(name):
    if name == 'OptimizedModule':
        from ._compile import OptimizedModule
        return OptimizedModule
    raise AttributeError(f"module 'ember._dynamo' has no attribute '{name}'")
