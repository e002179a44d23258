"""Autograd Functions used by the module machinery (torch.nn.modules._functions)."""
from ...autograd.function import Function


class BackwardHookFunction(Function):
    """The identity on a module's tensor inputs or outputs, giving the backward hooks one node
    to attach to (its node is ``BackwardHookFunctionBackward``)."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[arg for arg in args if not arg.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *args):
        return args
