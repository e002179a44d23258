"""Conformance tests for the differences found by the generative-model scripts
(tests/scripts/real_generative/, tests/test_real_generative_scripts.py)."""
import warnings

import pytest


@pytest.mark.parametrize('C', [2, 16, 32])
def test_conv2d_masked_kernel_is_exactly_causal(both, C):
    # PixelCNN's causality check: with a type-B mask (zero taps right of and below the centre), the
    # output at (3, 4) must not depend on later pixels at all -- exactly, not to 1e-7 (the Toom-Cook
    # transforms mixed rounding noise from masked taps into the sums)
    def body(lib):
        lib.manual_seed(0)
        w = lib.randn(C, C, 3, 3)
        w[:, :, 1, 2:] = 0
        w[:, :, 2:] = 0
        x = lib.randn(2, C, 8, 8, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, padding=1)
        y[0, 1, 3, 4].backward()
        x2 = x.detach().clone()
        x2[:, :, 3, 5:] += 1
        x2[:, :, 4:] += 1
        moved = lib.nn.functional.conv2d(x2, w, padding=1) - y.detach()
        return (x.grad[0].abs().sum(0) != 0), moved[:, :, 3, 4] == 0, moved[:, :, 3, :5].abs().max() == 0
    both(body)


def test_conv2d_masked_weight_grad_input_5x5(both):
    # the first (type A) layer: 5x5 kernel, padding 2, the centre tap masked too
    def body(lib):
        lib.manual_seed(1)
        conv = lib.nn.Conv2d(16, 16, 5, padding=2, bias=False)
        mask = lib.ones_like(conv.weight)
        mask[:, :, 2, 2:] = 0
        mask[:, :, 3:] = 0
        conv.weight.data *= mask
        x = lib.zeros(1, 16, 8, 8, requires_grad=True)
        out = conv(lib.relu(x + 0.5))
        out[0, :, 3, 4].sum().backward()
        return (x.grad[0].abs().sum(0) != 0).int(), conv.weight.grad.shape
    both(body)


def test_transformer_encoder_nested_fast_path_warns(both):
    # an eval-mode encoder given a padding mask under no_grad runs torch's nested-tensor fast path,
    # which warns (TORCH_WARN_ONCE) that nested tensors are a prototype
    def body(lib):
        lib.manual_seed(0)
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1).eval()
        x = lib.randn(2, 3, 8)
        m = lib.tensor([[False, False, True], [False, False, False]])
        before = lib.is_warn_always_enabled()
        lib.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                with lib.no_grad():
                    out = enc(x, src_key_padding_mask=m)
                enc.train()
                enc(x, src_key_padding_mask=m)          # the ordinary path: no warning
        finally:
            lib.set_warn_always(before)
        # (torch warns once per nested op under set_warn_always: compare which warnings, not how many)
        return out[0, 2], sorted({(x.category.__name__, str(x.message).split(' (Triggered internally')[0]) for x in w})
    both(body)


def test_ctc_loss_none_reduction_grad_fn_name(both):
    # print(F.ctc_loss(..., reduction='none')) shows grad_fn=<CtcLossBackward0>, as torch's native op
    def body(lib):
        lib.manual_seed(0)
        lp = lib.randn(12, 3, 6, requires_grad=True).log_softmax(2)
        loss = lib.nn.functional.ctc_loss(lp, lib.randint(1, 6, (3, 5)), (12,) * 3, (5, 3, 4), reduction='none')
        return loss, loss.grad_fn.name(), type(loss.grad_fn).__name__, repr(loss.grad_fn).split(' object')[0]
    both(body)


@pytest.mark.parametrize('how', ['function', 'method'])
def test_old_cholesky_warns_deprecated(both, how):
    # torch.cholesky / Tensor.cholesky: TORCH_WARN_ONCE pointing to torch.linalg.cholesky
    def body(lib):
        A = lib.tensor([[4., 2.], [2., 3.]])
        before = lib.is_warn_always_enabled()
        lib.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                L = lib.cholesky(A, upper=True) if how == 'function' else A.cholesky()
        finally:
            lib.set_warn_always(before)
        return L, [(x.category.__name__, str(x.message).split(' (Triggered internally')[0]) for x in w]
    both(body)
