"""Hook plumbing for Modules (torch.utils.hooks): ``RemovableHandle`` and ``BackwardHook``.

``BackwardHook`` implements ``register_full_backward_hook``/``register_full_backward_pre_hook``:
the module's tensor inputs and outputs pass through an identity autograd Function
(``BackwardHookFunction``); a hook on the outputs' node sees ``grad_output`` (and runs the
backward pre-hooks), a hook on the inputs' node sees ``grad_input`` and runs the user's hooks,
which may replace ``grad_input``.
"""
import warnings
import weakref
from collections import OrderedDict

from ..._tensor import Tensor
from ...autograd import grad_mode

__all__ = ['RemovableHandle', 'BackwardHook']


class RemovableHandle:
    """A handle which provides the capability to remove a hook (``handle.remove()``)."""
    next_id = 0
    removed = 0         # handles removed so far (with next_id, ember.compile's guard on hooks)

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        RemovableHandle.removed += 1
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra_dict = ref()
            if extra_dict is not None and self.id in extra_dict:
                del extra_dict[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = () if len(state) < 3 or state[2] is None else \
            tuple(weakref.ref(d) for d in state[2])

    def __enter__(self):
        return self

    def __exit__(self, type, value, tb):
        self.remove()


class BackwardHook:
    """The full backward hooks of one module call (see the module docstring)."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.module = module
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    @staticmethod
    def _unpack_none(indices, values):
        return tuple(values[idx] for idx in indices)

    def _set_user_hook(self, grad_fn):
        def hook(grad_input, _):
            if self.grad_outputs is None:
                # no gradient reached the module's outputs through this call
                return None
            res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
            for h in self.user_hooks:
                out = h(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(res):
                    raise RuntimeError(f'Backward hook returned an invalid number of grad_input, got {len(out)}, '
                                       f'but expected {len(res)}')
                res = out
            self.grad_outputs = None
            return self._unpack_none(self.input_tensors_index, res)
        grad_fn.register_hook(hook)

    def _apply_on_tensors(self, fn, args):
        from ._functions import BackwardHookFunction
        tensors_idx = []
        tensors = []
        requires_grad = False
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tensors_idx.append(i)
                tensors.append(arg)
                requires_grad |= arg.requires_grad
        if not (requires_grad and grad_mode.state.enabled):
            return args, None
        new_tensors = BackwardHookFunction.apply(*tensors)
        if not isinstance(new_tensors, tuple):
            new_tensors = (new_tensors,)
        if len(new_tensors) == 0:
            raise RuntimeError('Cannot set Module backward hook for a Module with no input Tensors.')
        grad_fns = [t.grad_fn for t in new_tensors
                    if t.grad_fn is not None and t.grad_fn.name() == 'BackwardHookFunctionBackward']
        if len(grad_fns) == 0:
            raise RuntimeError('Error while setting up backward hooks. Please open an issue with a code sample to '
                               'reproduce this.')
        fn(grad_fns[0])
        arg_list = list(args)
        for idx, val in zip(tensors_idx, new_tensors):
            arg_list[idx] = val
        out = tuple(arg_list) if type(args) is tuple else type(args)(*arg_list)
        return out, tensors_idx

    def setup_input_hook(self, args):
        res, input_idx = self._apply_on_tensors(self._set_user_hook, args)
        self.n_inputs = len(args)
        self.input_tensors_index = input_idx
        return res

    def setup_output_hook(self, args):
        def fn(grad_fn):
            def hook(_, grad_output):
                # the engine passes the gradients that reached the node; pad to one per output
                grad_output = tuple(grad_output) + (None,) * (len(self.output_tensors_index) - len(grad_output))
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output, self.n_outputs)
                if self.user_pre_hooks:
                    expected_len = len(self.grad_outputs)
                    for user_pre_hook in self.user_pre_hooks:
                        hook_grad_outputs = user_pre_hook(self.module, self.grad_outputs)
                        if hook_grad_outputs is None:
                            continue
                        actual_len = len(hook_grad_outputs)
                        if actual_len != expected_len:
                            raise RuntimeError(f'Backward pre hook returned an invalid number of grad_output, got '
                                               f'{actual_len}, but expected {expected_len}')
                        self.grad_outputs = hook_grad_outputs
                local_grad_outputs = self.grad_outputs
                if self.input_tensors_index is None:
                    warnings.warn('Full backward hook is firing when gradients are computed with respect to module '
                                  'outputs since no inputs require gradients. See '
                                  'https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html'
                                  '#torch.nn.Module.register_full_backward_hook for more details.', stacklevel=5)
                    grad_inputs = self._pack_with_none([], [], self.n_inputs)
                    for user_hook in self.user_hooks:
                        res = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if res is not None and not (isinstance(res, tuple) and all(el is None for el in res)):
                            raise RuntimeError('Backward hook for Modules where no input requires gradient should '
                                               'always return None or None for all gradients.')
                    self.grad_outputs = None
                if local_grad_outputs is not None:
                    return tuple(local_grad_outputs[i] for i in self.output_tensors_index)
                return None
            grad_fn.register_hook(hook)

        is_tuple = True
        if not isinstance(args, tuple):
            args = (args,)
            is_tuple = False
        res, output_idx = self._apply_on_tensors(fn, args)
        self.n_outputs = len(args)
        self.output_tensors_index = output_idx
        if not is_tuple:
            res = res[0]
        return res
