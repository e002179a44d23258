"""``nn.parallel.DistributedDataParallel``: importable; constructing one needs a process group,
which ember (one process, no collectives) never has, so it raises torch's error for that case.

Example:
    >>> nn.parallel.DistributedDataParallel(net)
    ValueError: Default process group has not been initialized, please make sure to call init_process_group.
"""
from ..modules.module import Module

__all__ = ['DistributedDataParallel']


class DistributedDataParallel(Module):
    """``torch.nn.parallel.DistributedDataParallel(module, device_ids=None, ...)``: see the module doc."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False):
        super().__init__()
        from ... import distributed
        distributed._default_group()        # raises: no process group in ember
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
