"""``ember.backends.cuda``: ``matmul.allow_tf32`` and friends, accepted and not used."""


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    from .. import cuda
    return cuda.is_available()
