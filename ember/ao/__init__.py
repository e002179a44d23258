"""``torch.ao``: quantization (``ember.ao.quantization``) and quantized modules (``ember.ao.nn``),
loaded on first use."""


def __getattr__(name):
    if name in ('quantization', 'nn'):
        import importlib
        return importlib.import_module('.' + name, __name__)
    raise AttributeError(f"module 'ember.ao' has no attribute '{name}'")
