"""``ember.functional`` (``torch.functional``): the tensor functions torch defines in Python, the very
objects ``ember.<name>`` is. Scripts import them from here (``from torch.functional import einsum``).

Example:
    >>> from ember.functional import einsum, meshgrid
    >>> einsum('ij->j', ember.ones(2, 3))         # tensor([2., 2., 2.])
"""
import ember as _ember

__all__ = ['atleast_1d', 'atleast_2d', 'atleast_3d', 'broadcast_shapes', 'broadcast_tensors', 'cartesian_prod',
           'block_diag', 'cdist', 'chain_matmul', 'einsum', 'istft', 'lu', 'norm', 'meshgrid', 'pca_lowrank', 'split',
           'stft', 'svd_lowrank', 'tensordot', 'unique', 'unique_consecutive', 'unravel_index']


def __getattr__(name):
    # bound on first use: ember's own namespace is still being filled while ember imports its submodules
    if name in __all__:
        value = getattr(_ember, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ember.functional' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(__all__))
