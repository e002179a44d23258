"""``torch.fx.passes.shape_prop``: ``ShapeProp(gm).propagate(*args)`` runs the graph and stores
each tensor result's ``TensorMetadata`` (shape, dtype, requires_grad, stride, memory_format, ...)
in ``node.meta['tensor_meta']`` (and its type in ``node.meta['type']``)."""
from typing import Any, NamedTuple

from ..interpreter import Interpreter
from ..node import map_aggregate

__all__ = ['TensorMetadata', 'ShapeProp']


class TensorMetadata(NamedTuple):
    shape: Any
    dtype: Any
    requires_grad: bool
    stride: tuple
    memory_format: Any
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(result, include_contiguity=True):
    import ember
    shape = result.shape
    dtype = result.dtype
    requires_grad = result.requires_grad
    stride = result.stride()
    memory_format = None
    if include_contiguity:
        for query_format in (ember.contiguous_format, ember.channels_last, ember.channels_last_3d):
            if result.is_contiguous(memory_format=query_format):
                memory_format = query_format
                break
    return TensorMetadata(shape, dtype, requires_grad, stride, memory_format, False, {})


class ShapeProp(Interpreter):
    """An Interpreter that records the shape and dtype of each node's result."""

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)

    def run_node(self, n):
        import ember
        result = super().run_node(n)
        found_tensor = False

        def extract_tensor_meta(obj):
            nonlocal found_tensor
            if isinstance(obj, ember.Tensor):
                found_tensor = True
                return _extract_tensor_metadata(obj)
            return obj
        meta = map_aggregate(result, extract_tensor_meta)
        if found_tensor:
            n.meta['tensor_meta'] = meta
        n.meta['type'] = type(result)
        return result

    def propagate(self, *args):
        return super().run(*args)
