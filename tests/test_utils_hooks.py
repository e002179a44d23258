"""ember.utils.hooks against torch.utils.hooks: the handles that module, optimizer and global
registrations return are its RemovableHandle; unserializable_hook and warn_if_has_hooks."""
import warnings

import pytest

import ember

torch = pytest.importorskip('torch')
import torch.utils.hooks  # noqa: E402


def _handles(lib):
    m = lib.nn.Linear(2, 2)
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    return [m.register_forward_hook(lambda *a: None), m.register_full_backward_hook(lambda *a: None),
            opt.register_step_post_hook(lambda *a: None),
            lib.nn.modules.module.register_module_forward_pre_hook(lambda *a: None)]


def test_handles_are_utils_hooks_removable_handles():
    for lib in (torch, ember):
        hs = _handles(lib)
        assert all(isinstance(h, lib.utils.hooks.RemovableHandle) for h in hs)
        for h in hs:
            h.remove()
    assert ember.utils.hooks.BackwardHook is ember.nn.modules._hooks.BackwardHook


def test_removing_an_optimizer_hook_through_the_shared_handle():
    calls = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        h = opt.register_step_pre_hook(lambda o, a, k: calls.append(lib.__name__))
        p.grad = lib.ones(2)
        opt.step()
        with h:
            pass                        # leaving the with-block removes the hook
        opt.step()
        assert p.detach().tolist() == pytest.approx([0.8, 0.8])
    assert calls == ['torch', 'ember']


def _warned(lib, hook):
    t = lib.ones(2, requires_grad=True)
    t.register_hook(hook)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        lib.utils.hooks.warn_if_has_hooks(t)
    return [str(x.message).replace(repr(hook), 'HOOK') for x in w]


def test_warn_if_has_hooks_and_unserializable_hook():
    def plain(g):
        return g

    def marked(g):
        return g
    for lib in (torch, ember):
        assert lib.utils.hooks.unserializable_hook(marked) is marked and marked.__torch_unserializable__
    assert _warned(ember, plain) == _warned(torch, plain) and len(_warned(ember, plain)) == 1
    assert _warned(ember, marked) == _warned(torch, marked) == []
