"""Conformance tests for the differences found by the modern-idiom scripts
(tests/scripts/real_modern/, tests/test_real_modern_scripts.py): tensors made under
inference_mode report is_inference(); the losses of autocast's "float32" list return float32
inside a float16 region; torch.nn.attention (SDPBackend, sdpa_kernel) and the
torch.backends.cuda *_sdp_enabled flags; ``with torch.device(...)`` as a default-device region."""
import importlib

import pytest

from conformance import cpu_random_only


# ---------------------------------------------------------------- inference_mode tensors
def test_inference_mode_tensors_report_is_inference(both):
    def body(lib):
        x = lib.ones(3)
        with lib.inference_mode():
            a = lib.ones(3)
            made = [a.is_inference(), (a * 2).is_inference(), a.view(3).is_inference(), a[1:].is_inference(),
                    (x + 1).is_inference(), x.is_inference(), x[0].is_inference(), x.view(3).is_inference(),
                    lib.nn.functional.linear(x, lib.ones(2, 3)).is_inference()]
        with lib.inference_mode(False):
            off = lib.ones(1).is_inference()
        with lib.no_grad():
            ng = lib.ones(1).is_inference()
        return made, off, ng, a.is_inference(), (a + 1).is_inference(), a.view(3).is_inference()
    both(body)


def test_inference_mode_decorator_output(both):
    def body(lib):
        lin = lib.nn.Linear(2, 2)

        @lib.inference_mode()
        def predict(x):
            return lin(x)
        y = predict(lib.ones(1, 2))
        return y.is_inference(), y.requires_grad, lin.weight.is_inference()
    both(body)


# ---------------------------------------------------------------- autocast float32 losses
LOSSES = {
    'cross_entropy': lambda F, h, t, y, lib: F.cross_entropy(h, t),
    'cross_entropy_none': lambda F, h, t, y, lib: F.cross_entropy(h, t, reduction='none', label_smoothing=0.1),
    'cross_entropy_probs': lambda F, h, t, y, lib: F.cross_entropy(h, y.softmax(-1)),
    'nll_loss': lambda F, h, t, y, lib: F.nll_loss(F.log_softmax(h, -1), t),
    'mse_loss': lambda F, h, t, y, lib: F.mse_loss(h, y),
    'mse_half_both': lambda F, h, t, y, lib: F.mse_loss(h, h.detach() * 0.5),
    'l1_loss': lambda F, h, t, y, lib: F.l1_loss(h, y),
    'smooth_l1_loss': lambda F, h, t, y, lib: F.smooth_l1_loss(h, y),
    'huber_loss': lambda F, h, t, y, lib: F.huber_loss(h, y, delta=0.5),
    'bce_with_logits': lambda F, h, t, y, lib: F.binary_cross_entropy_with_logits(h, y),
    'bce': lambda F, h, t, y, lib: F.binary_cross_entropy(h.sigmoid(), y),
    'kl_div': lambda F, h, t, y, lib: F.kl_div(F.log_softmax(h, -1), y.softmax(-1), reduction='batchmean'),
    'soft_margin': lambda F, h, t, y, lib: F.soft_margin_loss(h, lib.ones(4, 3)),
    'triplet': lambda F, h, t, y, lib: F.triplet_margin_loss(h, h * 0.5, h * 2),
    'margin_ranking': lambda F, h, t, y, lib: F.margin_ranking_loss(h[:, 0], h[:, 1], lib.ones(4)),
    'cosine_embedding': lambda F, h, t, y, lib: F.cosine_embedding_loss(h, h * 2, lib.ones(4)),
    'hinge_embedding': lambda F, h, t, y, lib: F.hinge_embedding_loss(h, lib.ones(4, 3)),
    'multi_margin': lambda F, h, t, y, lib: F.multi_margin_loss(h, t),
    'poisson_nll': lambda F, h, t, y, lib: F.poisson_nll_loss(h, y),
    'module_mse': lambda F, h, t, y, lib: lib.nn.MSELoss()(h, y),
    'module_ce': lambda F, h, t, y, lib: lib.nn.CrossEntropyLoss()(h, t),
}


def _cpu_autocast_only():
    # a CPU autocast region leaves tensors on a CUDA device alone (torch's CUDA list is another)
    from conformance import DEVICE
    if DEVICE[0] != 'cpu':
        pytest.skip('CPU autocast: tensors on the CPU only')


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_autocast_float16_losses_run_in_float32(both, name):
    _cpu_autocast_only()

    def body(lib):
        F = lib.nn.functional
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.1, 0.2, 0.3], [-2.0, 1.0, 0.5]], requires_grad=True)
        t = lib.tensor([0, 2, 1, 2])
        y = lib.tensor([[0.2, 0.7, 0.1], [0.9, 0.05, 0.5], [0.3, 0.3, 0.4], [0.0, 1.0, 0.5]])
        with lib.autocast(device_type='cpu', dtype=lib.float16):
            h = F.linear(x, lib.eye(3))
            loss = LOSSES[name](F, h, t, y, lib)
        loss.sum().backward()
        return h.dtype, loss.dtype, loss.detach(), x.grad
    both(body, rtol=2e-3, atol=2e-3)


def test_autocast_losses_unchanged_outside_region_and_for_float16_inputs(both):
    _cpu_autocast_only()

    def body(lib):
        F = lib.nn.functional
        h = lib.tensor([[0.5, -1.0], [1.5, 0.25]], dtype=lib.float16)
        y = lib.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=lib.float16)
        out = [F.mse_loss(h, y).dtype, F.binary_cross_entropy_with_logits(h, y).dtype]
        with lib.autocast(device_type='cpu', dtype=lib.float16, enabled=False):
            out.append(F.mse_loss(h, y).dtype)
        with lib.autocast(device_type='cpu', dtype=lib.float16):
            out.append(F.mse_loss(h, y).dtype)
            out.append(F.mse_loss(h.double(), y.double()).dtype)
            out.append(F.cross_entropy(h, lib.tensor([0, 1]), weight=lib.tensor([1.0, 2.0])).dtype)
        return out
    both(body)


# ---------------------------------------------------------------- torch.nn.attention
def _attn(lib):
    return importlib.import_module(f'{lib.__name__}.nn.attention')


def test_sdp_backend_enum(both):
    def body(lib):
        B = _attn(lib).SDPBackend
        return (list(B.__members__), [int(getattr(B, n)) for n in B.__members__], repr(B.MATH), str(B.MATH),
                B.FLASH_ATTENTION.name, B.EFFICIENT_ATTENTION.value, B.__name__)
    both(body)


def test_sdpa_kernel_sets_and_restores_flags(both):
    def body(lib):
        A, c = _attn(lib), lib.backends.cuda
        flags = lambda: (c.flash_sdp_enabled(), c.mem_efficient_sdp_enabled(), c.math_sdp_enabled(),
                         c.cudnn_sdp_enabled())
        out = [flags()]
        with A.sdpa_kernel(A.SDPBackend.MATH) as r:
            out += [r, flags()]
        with A.sdpa_kernel([A.SDPBackend.FLASH_ATTENTION, A.SDPBackend.EFFICIENT_ATTENTION, A.SDPBackend.MATH]):
            out.append(flags())
        out.append(flags())
        c.enable_flash_sdp(False)
        out.append(flags())
        c.enable_flash_sdp(True)
        out.append(c.enable_math_sdp(True))
        return out
    both(body)


def test_sdpa_kernel_result_and_bad_backend(both):
    def body(lib, bad):
        A = _attn(lib)
        if bad:
            with A.sdpa_kernel('math'):
                pass
        lib.manual_seed(0)
        q = lib.randn(1, 2, 4, 8)
        with A.sdpa_kernel([A.SDPBackend.MATH]):
            return lib.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    cpu_random_only()
    both(body, False)
    both(body, True, match='Backend must be an instance of SDPBackend')


def test_nn_attention_is_an_attribute_of_nn(both):
    both(lambda lib: (hasattr(lib.nn, 'attention'), lib.nn.attention.SDPBackend.OVERRIDEABLE.value))


# ---------------------------------------------------------------- with torch.device(...)
def test_device_as_context_manager(both):
    def body(lib):
        before = lib.get_default_device()
        with lib.device('cpu') as d:
            inside = (d, lib.zeros(1).device, lib.nn.Linear(2, 2).weight.device, lib.get_default_device())
            with lib.device('cpu'):
                pass
            after_inner = lib.get_default_device()
        return before == lib.get_default_device(), inside, after_inner
    both(body)
