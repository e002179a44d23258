"""``torch.fx._compatibility.compatibility``: a marker decorator (records the flag, changes nothing)."""


def compatibility(is_backward_compatible):
    def mark(fn):
        fn._is_backward_compatible = is_backward_compatible
        return fn
    return mark
