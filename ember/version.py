"""``ember.version``: the package version and the CUDA version (None without CUDA)."""
__version__ = '0.1.0'
cuda = None
git_version = None
debug = False
