"""``ember.nn``: modules, parameters, initialisation and utilities (``torch.nn``).

Example:
    >>> import ember as torch
    >>> from ember import nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> model(torch.randn(5, 3)).shape            # torch.Size([5, 2])
"""
from . import functional  # noqa: F401
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import init, utils  # noqa: F401
from . import parallel  # noqa: F401,E402  (nn.parallel: DataParallel, DistributedDataParallel)
from . import attention  # noqa: F401,E402  (nn.attention: sdpa_kernel, SDPBackend)
from .parallel import DataParallel  # noqa: F401,E402
from .modules.crossmaplrn import CrossMapLRN2d  # noqa: F401,E402  (nn.CrossMapLRN2d: Lua-torch's cross-channel LRN)
from . import grad  # noqa: F401,E402  (nn.grad: conv*d_input / conv*d_weight; also nn.functional.grad)
functional.grad = grad
