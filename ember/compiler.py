"""``ember.compiler`` (``torch.compiler``): the parts of ember.compile's control surface that
scripts call. See ``docs/compile.md``.

Example:
    >>> ember.compiler.reset()            # forget every recording
"""

__all__ = ['reset', 'is_compiling', 'is_dynamo_compiling']


def reset():
    """Forget every recording of every compiled function (``torch.compiler.reset``)."""
    from . import _compile
    _compile.reset()


def is_compiling():
    """True while ember.compile records a call (code can skip work that should not be recorded)."""
    import sys
    trace = sys.modules.get('ember._compile.trace')
    return trace is not None and trace._ACTIVE is not None


is_dynamo_compiling = is_compiling
