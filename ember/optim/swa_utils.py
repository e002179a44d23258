"""Weight averaging: ``AveragedModel`` (SWA / EMA), the ``SWALR`` schedule, ``update_bn`` (``torch.optim.swa_utils``).

``AveragedModel`` keeps a deep copy of a model whose parameters are a running average of the
model's (equal weights by default, or EMA with ``multi_avg_fn=get_ema_multi_avg_fn(0.999)``);
``n_averaged`` counts the updates and is saved in the state_dict, as in torch.

Example:
    >>> swa = AveragedModel(model); sched = SWALR(opt, swa_lr=0.05)
    >>> for epoch ...: train(); swa.update_parameters(model); sched.step()
    >>> update_bn(loader, swa)       # recompute BatchNorm statistics for the averaged weights
"""
import itertools
import math
import warnings
from copy import deepcopy

from .. import no_grad, is_floating_point, is_complex
from .._ops.creation import tensor as _tensor
from .. import long as _long
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ['AveragedModel', 'update_bn', 'SWALR', 'get_ema_multi_avg_fn', 'get_swa_multi_avg_fn', 'get_ema_avg_fn',
           'get_swa_avg_fn']


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f'Invalid decay value {decay} provided. Please provide a value in [0,1] range.')


def get_ema_multi_avg_fn(decay=0.999):
    """The in-place EMA update of lists of averaged tensors: ``ema = lerp(ema, current, 1 - decay)``.

    Example:
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            if is_floating_point(ema_param_list[0]) or is_complex(ema_param_list[0]):
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.lerp_(p_model, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """The in-place equal-weight (SWA) update: ``avg += (current - avg) / (n + 1)``.

    Example:
        >>> swa = AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn())
    """
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            if is_floating_point(averaged_param_list[0]) or is_complex(averaged_param_list[0]):
                w = float(1 / (num_averaged + 1))
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.lerp_(p_model, w)
            elif hasattr(num_averaged, 'shape'):
                # torch's _foreach_addcdiv_ refuses integer tensors (BatchNorm's num_batches_tracked)
                raise RuntimeError('Integer division with addcdiv is no longer supported, and in a future  release '
                                   'addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv '
                                   'behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))'
                                   '.to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) '
                                   'for float inputs. The future addcdiv behavior is just the latter implementation: '
                                   '(input + value * tensor1 / tensor2), for all dtypes.')
            else:
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.add_(p_model - p_avg, alpha=1.0 / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The EMA of one tensor, ``decay * ema + (1 - decay) * current`` (returned, not in place).

    Example:
        >>> ema = AveragedModel(model, avg_fn=get_ema_avg_fn(0.99))
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The equal-weight average of one tensor, ``avg + (current - avg) / (n + 1)`` (returned).

    Example:
        >>> swa = AveragedModel(model, avg_fn=get_swa_avg_fn())
    """
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers=True``) are averaged
    over the models passed to :meth:`update_parameters`; calling it runs the copy.

    Example:
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
        >>> ema.update_parameters(model)     # after each optimizer step
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError('Only one of avg_fn and multi_avg_fn should be provided')
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer('n_averaged', _tensor(0, dtype=_long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters into the average (the first call copies them)."""
        self_param = itertools.chain(self.module.parameters(), self.module.buffers()) if self.use_buffers \
            else self.parameters()
        model_param = itertools.chain(model.parameters(), model.buffers()) if self.use_buffers \
            else model.parameters()
        self_detached, model_detached = [], []
        copy_param = bool(self.n_averaged == 0)
        for p_averaged, p_model in zip(self_param, model_param):
            p_model_ = p_model.detach().to(p_averaged.device)
            self_detached.append(p_averaged.detach())
            model_detached.append(p_model_)
            if copy_param:
                p_averaged.detach().copy_(p_model_)
        if self.n_averaged > 0:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                # torch calls the list function once per (device, dtype) group
                groups = {}
                for a, m in zip(self_detached, model_detached):
                    g = groups.setdefault((a.device, a.dtype), ([], []))
                    g[0].append(a)
                    g[1].append(m)
                for (device, _), (self_params, model_params) in groups.items():
                    if self.multi_avg_fn:
                        self.multi_avg_fn(self_params, model_params, self.n_averaged.to(device))
                    elif device.type == 'cuda':     # where torch has foreach kernels
                        get_swa_multi_avg_fn()(self_params, model_params, self.n_averaged.to(device))
                    else:
                        avg_fn, n_averaged = get_swa_avg_fn(), self.n_averaged.to(device)
                        for p_averaged, p_model in zip(self_params, model_params):
                            p_averaged.copy_(avg_fn(p_averaged, p_model, n_averaged))
            else:
                for p_averaged, p_model in zip(self_detached, model_detached):
                    n_averaged = self.n_averaged.to(p_averaged.device)
                    p_averaged.detach().copy_(self.avg_fn(p_averaged.detach(), p_model, n_averaged))
        if not self.use_buffers:
            # buffers (BatchNorm statistics) are not averaged: they follow the model's
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged += 1


def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running statistics with one pass of ``loader`` through ``model``
    (a cumulative average: momentum None during the pass).

    Example:
        >>> update_bn(train_loader, swa_model)
    """
    from ..nn.modules.batchnorm import _BatchNorm
    with no_grad():
        momenta = {}
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
        for bn_module in momenta:
            bn_module.momentum = momenta[bn_module]
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` ('cos' or 'linear'), then hold it.

    Example:
        >>> sched = SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy='linear')
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos', last_epoch=-1):
        swa_lrs = _format_param('swa_lr', optimizer, swa_lr)
        for swa_lr, group in zip(swa_lrs, optimizer.param_groups):
            group['swa_lr'] = swa_lr
        if anneal_strategy not in ['cos', 'linear']:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f'anneal_epochs must be equal or greater than 0, got {anneal_epochs}')
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn('To get the last learning rate computed by the scheduler, please use `get_last_lr()`.',
                          UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # the group's lr may have been changed by another scheduler since the last step: recover the
        # lr this schedule started from, then move alpha of the way to swa_lr
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group['lr'], group['swa_lr'], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group['swa_lr'] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == 'cos' else self._linear_anneal

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key not in ('optimizer', 'anneal_func')}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
