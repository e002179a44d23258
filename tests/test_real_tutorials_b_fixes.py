"""Conformance tests for the differences found by the PyTorch-tutorial scripts
(tests/scripts/real_tutorials_b/, tests/test_real_tutorials_b_scripts.py)."""
import re

import pytest

from conformance import cpu_random_only


def _edges(node):
    return [None if f is None else f.name() for f, _ in node.next_functions]


# ------------------------------------------------------------- print(type(x))
def test_tensor_classes_print_as_torch_classes(both):
    # the "Introduction to PyTorch" tensors video: print(type(x)) -> <class 'torch.Tensor'>
    def body(lib):
        class Mine(lib.Tensor):
            pass
        mine = repr(Mine).replace('ember', 'torch')     # a script's own subclass keeps Python's repr
        return (repr(type(lib.empty(3, 4))), repr(lib.nn.Parameter), repr(type(lib.zeros(2).shape)),
                repr(lib.nn.Buffer), 'test_tensor_classes_print_as_torch_classes' in mine,
                isinstance(lib.nn.Buffer(lib.ones(1)), lib.nn.Buffer))
    both(body)


# ------------------------------------------------------------- 2 * b records b first
def test_reflected_mul_and_add_record_the_tensor_first(both):
    # autograd video: c = 2 * b; c.grad_fn.next_functions == ((SinBackward0, 0), (None, 0))
    def body(lib):
        b = lib.linspace(0., 3., 4, requires_grad=True).sin()
        c, d, e = 2 * b, 2 + b, 2. * b + 1
        (c + d + e).sum().backward()
        return _edges(c.grad_fn), _edges(d.grad_fn), _edges(e.grad_fn.next_functions[0][0]), c, d
    both(body)


# ------------------------------------------------------------- inference tensors
def test_inference_tensor_cannot_be_saved_for_backward(both):
    def body(lib):
        a = lib.ones(3, requires_grad=True)
        with lib.inference_mode():
            z = lib.ones(3) * 3
        ok = (z + a, a - z, lib.cat([z, a]), lib.lerp(a, z, 0.25))    # these save no inference tensor
        lib.lerp(a, z, 0.25).sum().backward()
        return ok, a.grad, z.is_inference(), (a * 2).is_inference()
    both(body)
    both(lambda lib: _inference(lib) * lib.ones(3, requires_grad=True),
         match=r'^Inference tensors cannot be saved for backward\. Please do not use Tensors created in inference')
    both(lambda lib: lib.ones(3, requires_grad=True).exp() @ _inference(lib), match='cannot be saved for backward')


def _inference(lib):
    with lib.inference_mode():
        return lib.ones(3) * 3


@pytest.mark.parametrize('op', ['add_', 'setitem', 'view_mul_', 'out', 'copy_', 'zero_', 'no_grad_add_'])
def test_inplace_on_inference_tensor_outside_inference_mode(both, op):
    def body(lib):
        z = _inference(lib)
        if op == 'add_':
            z.add_(1)
        elif op == 'setitem':
            z[0] = 1.
        elif op == 'view_mul_':
            z.view(3).mul_(2)
        elif op == 'out':
            lib.mul(lib.ones(3), 2, out=z)
        elif op == 'copy_':
            z.copy_(lib.zeros(3))
        elif op == 'zero_':
            z.zero_()
        else:
            with lib.no_grad():
                z.add_(1)
        return z
    both(body, match=r'^Inplace update to inference tensor outside InferenceMode is not allowed\.You can make a clone')


def test_inplace_on_inference_tensor_inside_inference_mode(both):
    def body(lib):
        with lib.inference_mode():
            z = lib.ones(3)
            z.add_(1)
            z.view(3).mul_(2)
            z[0] = 7.
        w = z.clone()
        w.add_(1)
        return z, w, z.is_inference(), w.is_inference()
    both(body)


# ------------------------------------------------------------- meta tensors
def test_meta_tensors_print_and_keep_their_shape(both):
    # model ensembling tutorial: base_model = copy.deepcopy(models[0]).to('meta')
    def body(lib):
        t = lib.empty(2, 3, device='meta')
        w = lib.nn.Linear(2, 3).to('meta').weight
        i = lib.ones(2, dtype=lib.int64, device='meta')
        return (repr(t), repr(w), repr(i), repr(lib.zeros(0, device='meta')), t.is_meta, lib.ones(1).is_meta,
                str(w.device), w.shape, str((t + 1).device), i.dtype)
    both(body)
    both(lambda lib: lib.empty(2, device='meta').cpu(), match='^Cannot copy out of meta tensor; no data!$')


def test_meta_module_init_does_not_draw_from_the_cpu_generator(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 4, device='meta')
        with lib.device('meta'):
            m2 = lib.nn.Conv2d(1, 2, 3)
        r = lib.rand(3)
        m.to_empty(device='cpu')
        return r, str(m.weight.device), m.weight.shape, str(m2.weight.device), m2.weight.is_meta
    both(body)


# ------------------------------------------------------------- vmap randomness='error'
def test_vmap_refuses_random_ops_in_error_mode(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        x = lib.ones(3, 4)
        try:
            lib.vmap(lambda r: lib.nn.functional.dropout(r, 0.5, training=True))(x)
        except RuntimeError:
            pass
        after = lib.rand(2)          # the refused draw consumed nothing
        same = lib.vmap(lambda r: lib.nn.functional.dropout(r, 0.5, training=True), randomness='same')(x)
        off = lib.vmap(lambda r: lib.nn.functional.dropout(r, 0.5, training=False))(x)
        return after, bool((same[0] == same[1]).all()), off
    both(body)
    both(lambda lib: lib.vmap(lambda r: r + lib.rand(4))(lib.ones(3, 4)),
         match=re.escape("vmap: called random operation while in randomness error mode. Please either use the "
                         "'same' or 'different' randomness flags on vmap"))
