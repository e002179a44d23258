"""``ember.backends.cudnn``: flags a script may set; ember's CUDA ops do not use cuDNN."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    from .. import cuda
    return cuda.is_available()


def version():
    return None
