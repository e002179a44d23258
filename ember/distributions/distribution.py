"""``Distribution``: the base class of every distribution (``torch.distributions.Distribution``).

A distribution has a ``batch_shape`` (independent, differently parameterized copies) and an
``event_shape`` (the shape of one draw); ``sample(sample_shape)`` answers
``sample_shape + batch_shape + event_shape`` and ``log_prob(value)`` answers the broadcast
``sample_shape + batch_shape``.

Example:
    >>> d = Normal(ember.zeros(3), 1.0)       # batch_shape (3,), event_shape ()
    >>> d.sample((5,)).shape                  # torch.Size([5, 3])
"""
import warnings

import ember
from . import constraints
from .utils import lazy_property

__all__ = ['Distribution']


def _is_all_true(valid):
    return bool(valid.all())


class Distribution:
    """Abstract base class: subclasses define arg_constraints, support, and the methods they can."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument/sample validation on or off for distributions made without ``validate_args``."""
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=ember.Size(), event_shape=ember.Size(), validate_args=None):
        self._batch_shape = batch_shape
        self._event_shape = event_shape
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f'{self.__class__} does not define `arg_constraints`. Please set '
                              '`arg_constraints = {}` or initialize the distribution with `validate_args=False` '
                              'to turn off validation.', stacklevel=2)
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                    continue        # lazily-made parameters (probs from logits) are valid by construction
                value = getattr(self, param)
                if not _is_all_true(constraint.check(value)):
                    raise ValueError(f'Expected parameter {param} ({type(value).__name__} of shape '
                                     f'{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint '
                                     f'{constraint!r}, but found invalid values:\n{value}')
        super().__init__()

    def expand(self, batch_shape, _instance=None):
        """A new distribution with the parameters expanded (not copied) to ``batch_shape``."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def arg_constraints(self):
        raise NotImplementedError

    @property
    def support(self):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f'{self.__class__} does not implement mode')

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=ember.Size()):
        """A draw of shape ``sample_shape + batch_shape + event_shape``, without gradients."""
        with ember.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=ember.Size()):
        """A reparameterized draw: gradients flow back to the parameters."""
        raise NotImplementedError

    def sample_n(self, n):
        warnings.warn('`sample_n(n)` will be deprecated. Use `sample((n,))` instead.', FutureWarning, stacklevel=2)
        return self.sample(ember.Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return ember.exp(self.entropy())

    def _extended_shape(self, sample_shape=ember.Size()):
        if not isinstance(sample_shape, ember.Size):
            sample_shape = ember.Size(sample_shape)
        return ember.Size(sample_shape + self._batch_shape + self._event_shape)

    def _validate_sample(self, value):
        if not isinstance(value, ember.Tensor):
            raise ValueError('The value argument to log_prob must be a Tensor')
        event_dim_start = len(value.size()) - len(self._event_shape)
        if value.size()[event_dim_start:] != self._event_shape:
            raise ValueError(f'The right-most size of value must match event_shape: {value.size()} vs '
                             f'{self._event_shape}.')
        actual_shape = value.size()
        expected_shape = self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f'Value is not broadcastable with batch_shape+event_shape: {actual_shape} vs '
                                 f'{expected_shape}.')
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f'{self.__class__} does not define `support` to enable sample validation. Please '
                          'initialize the distribution with `validate_args=False` to turn off validation.',
                          stacklevel=2)
            return
        if not _is_all_true(support.check(value)):
            raise ValueError(f'Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) '
                             f'to be within the support ({support!r}) of the distribution {self!r}, but found '
                             f'invalid values:\n{value}')

    def _expand_params(self, cls, batch_shape, _instance, *names):
        """``expand`` for a distribution whose parameters ``names`` all have the batch shape: each
        parameter expanded (a view), the new instance set up without validating again (as each
        of torch's ``expand`` methods does)."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = ember.Size(batch_shape)
        for n in names:
            setattr(new, n, getattr(self, n).expand(batch_shape))
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f'Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom '
                                      '__init__ method must also define a custom .expand() method.')
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        param_names = [k for k in self.arg_constraints if k in self.__dict__]
        args_string = ', '.join(f'{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}'
                                for p in param_names)
        return self.__class__.__name__ + '(' + args_string + ')'
