"""``ember.autograd``: the graph, the backward engine, grad modes, custom Functions, gradcheck."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .engine import backward, grad
from .graph import Node
from . import graph, grad_mode

try:
    from . import function
    from .function import Function, once_differentiable, FunctionCtx
except ImportError:     # being written
    pass
try:
    from .gradcheck import gradcheck, gradgradcheck, GradcheckError
except ImportError:
    pass


def set_detect_anomaly(mode, check_nan=True):
    return _Anomaly(mode)


class detect_anomaly:
    def __init__(self, check_nan=True):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


class _Anomaly(detect_anomaly):
    def __init__(self, mode):
        pass


def __getattr__(name):
    # ember.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) on first use
    if name == 'functional':
        import importlib
        return importlib.import_module('.functional', __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
