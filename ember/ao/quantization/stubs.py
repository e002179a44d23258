"""``torch.ao.quantization.stubs``: QuantStub / DeQuantStub mark where a model's tensors are quantized
and dequantized (identities until a static-quantization convert, which ember does not implement)."""
from ember import nn

__all__ = ['QuantStub', 'DeQuantStub', 'QuantWrapper']


class QuantStub(nn.Module):
    """Before calibration, an identity; ``qconfig`` is kept for prepare()."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(nn.Module):
    """Before convert, an identity."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class QuantWrapper(nn.Module):
    """``module`` between a QuantStub and a DeQuantStub."""

    def __init__(self, module):
        super().__init__()
        qconfig = getattr(module, 'qconfig', None)
        self.add_module('quant', QuantStub(qconfig))
        self.add_module('dequant', DeQuantStub(qconfig))
        self.add_module('module', module)
        self.train(module.training)

    def forward(self, X):
        return self.dequant(self.module(self.quant(X)))
