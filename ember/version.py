"""``ember.version``: the package version and the CUDA version (None without CUDA)."""
__version__ = '0.1.0'


def __getattr__(name):
    # ``ember.version.cuda``: CUDA's runtime version ('13.0') when CuPy sees a GPU, else None;
    # computed on first access so that importing ember never imports CuPy.
    if name == 'cuda':
        from . import _backend
        cp = _backend.cupy()
        v = None
        if cp is not None:
            n = cp.cuda.runtime.runtimeGetVersion()
            v = f'{n // 1000}.{n % 1000 // 10}'
        globals()['cuda'] = v
        return v
    raise AttributeError(f"module 'ember.version' has no attribute '{name}'")
git_version = None
debug = False
