"""``ember.backends.cuda``: ``matmul.allow_tf32`` and friends, accepted and not used."""


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    from .. import cuda
    return cuda.is_available()


# scaled_dot_product_attention backend flags (torch.backends.cuda.*_sdp_*): accepted and reported;
# ember runs every backend's attention the same way (its math one).
_sdp = {'flash': True, 'mem_efficient': True, 'math': True, 'cudnn': True, 'overrideable': True}


def flash_sdp_enabled():
    return _sdp['flash']


def enable_flash_sdp(enabled: bool):
    _sdp['flash'] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _sdp['mem_efficient']


def enable_mem_efficient_sdp(enabled: bool):
    _sdp['mem_efficient'] = bool(enabled)


def math_sdp_enabled():
    return _sdp['math']


def enable_math_sdp(enabled: bool):
    _sdp['math'] = bool(enabled)


def cudnn_sdp_enabled():
    return _sdp['cudnn']


def enable_cudnn_sdp(enabled: bool):
    _sdp['cudnn'] = bool(enabled)
