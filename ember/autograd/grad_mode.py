"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator. The flag is one module global, read by
every op, so that a disabled graph costs one attribute load per op.

Example:
    >>> with ember.no_grad():
    ...     y = x * 2          # y.requires_grad is False
"""
import functools

__all__ = ['no_grad', 'enable_grad', 'set_grad_enabled', 'inference_mode', 'is_grad_enabled',
           'is_inference_mode_enabled']


class _State:
    enabled = True
    inference = False
    # set once inference_mode has been entered: from then on, record() refuses to save an inference tensor
    inference_made = False


state = _State


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _Mode:
    """Base of the grad-mode context managers; subclasses say which flag value they set."""
    _value = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._value

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamMode(_Mode):
    # torch allows both `@no_grad()` and a bare `@no_grad`.
    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamMode):
    _value = False


class enable_grad(_NoParamMode):
    _value = True


class set_grad_enabled(_Mode):
    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f'set_grad_enabled(): argument \'mode\' (position 1) must be bool, not {type(mode).__name__}')
        self._prev = state.enabled
        self._value = mode
        state.enabled = mode          # torch sets the mode at construction too

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        state.enabled = self._prev    # used as a decorator: the construction must not leak
        mode = self._value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return set_grad_enabled(self._value)


class inference_mode(_Mode):
    """Like no_grad; tensors made inside report ``is_inference()``."""

    def __new__(cls, mode=True):
        # a bare ``@inference_mode`` decorates the function directly
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode=True):
        self._mode = mode

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        # as torch's InferenceMode guard: inference_mode(False) turns grad mode back on
        state.enabled = not self._mode
        state.inference = bool(self._mode)
        if self._mode:
            state.inference_made = True

    def __exit__(self, *exc):
        state.enabled, state.inference = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return inference_mode(self._mode)
