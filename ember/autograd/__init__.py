"""``ember.autograd``: the graph, the backward engine, grad modes, custom Functions, gradcheck."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .engine import backward, grad
from . import engine
from .graph import Node
from . import graph, grad_mode
from .variable import Variable

try:
    from . import function
    from .function import Function, once_differentiable, FunctionCtx
except ImportError:     # being written
    pass
try:
    from .gradcheck import gradcheck, gradgradcheck, GradcheckError
except ImportError:
    pass
try:
    from . import forward_ad
except ImportError:
    pass


class detect_anomaly:
    """Within it, a backward node that returns nan raises RuntimeError (``check_nan``), as in torch."""
    def __init__(self, check_nan=True):
        self.prev = list(engine.ANOMALY)
        self.check_nan = check_nan
        import warnings
        warnings.warn('Anomaly Detection has been enabled. This mode will increase the runtime and should only be '
                      'enabled for debugging.', stacklevel=2)

    def __enter__(self):
        engine.ANOMALY[:] = [True, self.check_nan]
        return self

    def __exit__(self, *a):
        engine.ANOMALY[:] = self.prev
        return False


class set_detect_anomaly:
    """Anomaly detection on or off from the call (or within a ``with`` block)."""
    def __init__(self, mode, check_nan=True):
        self.prev = list(engine.ANOMALY)
        engine.ANOMALY[:] = [bool(mode), check_nan]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        engine.ANOMALY[:] = self.prev
        return False


def is_anomaly_enabled():
    return engine.ANOMALY[0]


def is_anomaly_check_nan_enabled():
    return engine.ANOMALY[1]


def __getattr__(name):
    # ember.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp), .profiler on first use
    if name in ('functional', 'profiler'):
        import importlib
        return importlib.import_module('.' + name, __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
