"""ember.poisson, ember._standard_gamma, ember._sample_dirichlet and the FisherSnedecor,
InverseGamma and NegativeBinomial distributions against torch.

Each test body runs with torch and with ember (the ``both`` harness, tests/conformance.py) and
compares values, dtypes, shapes, requires_grad flags, gradients and error types. ember's CPU
generator draws torch's numbers, so seeded samples compare exactly (poisson: ATen's
``sample_poisson``; gamma/Dirichlet: ATen's ``sample_gamma``). The gamma reparameterized
gradient is ember's own (Marsaglia-Tsang differentiated with its normal held fixed) where torch
differentiates the CDF implicitly: per-sample gradients differ, so those are compared with the
analytic derivative of the mean, with a tolerance from the sample size.
"""
import math

import numpy as np
import pytest

import ember
from conformance import cpu_random_only


@pytest.fixture(autouse=True)
def _validation_on():
    """Both libraries validate by default (``__debug__``); put both defaults back around each
    test (torch.compile elsewhere in the process turns torch's off)."""
    torch = pytest.importorskip('torch')
    saved = torch.distributions.Distribution._validate_args, ember.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(True)
    ember.distributions.Distribution.set_default_validate_args(True)
    yield
    torch.distributions.Distribution.set_default_validate_args(saved[0])
    ember.distributions.Distribution.set_default_validate_args(saved[1])


def _t(lib, values, grad=True, dtype=None):
    return lib.tensor(values, requires_grad=grad, dtype=dtype)


def _grads(lib, out, params):
    """``out`` and d sum(out) / d each parameter (None where it does not depend on one)."""
    return [out.detach()] + list(lib.autograd.grad(out.sum(), params, allow_unused=True))


def _grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# ---------------------------------------------------------------- poisson
RATES = [0.0, 0.3, 2.5, 9.99, 10.0, 37.0, 1000.0, 1e6]


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16'])
def test_poisson_matches_torch_stream(both, dtype):
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(7)
        r = lib.tensor(RATES, dtype=dt)
        a = lib.poisson(r.expand(40, len(RATES)))           # an expanded (stride 0) input
        b = lib.poisson(lib.tensor([[1.0, 20.0, 3.0], [40.0, 0.5, 12.0]], dtype=dt).t())   # not contiguous
        after = lib.rand(4)                                  # the stream advanced by the same draws
        return a, b, after
    both(body, rtol=0, atol=0)


def test_poisson_generator(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(5)
        r = lib.tensor([2.0, 30.0, 0.7])
        a = lib.poisson(r, generator=g)
        b = lib.poisson(r, g)                 # (positional, as torch's signature allows)
        return a, b, lib.rand(3), lib.rand(2, generator=g)    # the default generator untouched
    both(body, rtol=0, atol=0)


def test_poisson_shapes_and_dtypes(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(1)
        out = []
        for r in (lib.tensor(3.0), lib.empty(0, 3), lib.full((2, 0, 3), 1.0), lib.full((2, 1, 3), 4.0,
                                                                                      dtype=lib.float64)):
            s = lib.poisson(r)
            out.append((s.shape, s.dtype, s))
        return out
    both(body, rtol=0, atol=0)


def test_poisson_gradient_is_zero(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(2)
        r = _t(lib, [0.5, 3.0, 15.0])
        s = lib.poisson(r)
        (s * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        with lib.no_grad():
            s2 = lib.poisson(r)
        return s, _grad_fn_name(s), r.grad, s2.requires_grad, lib.poisson(r.detach()).requires_grad
    both(body, rtol=0, atol=0)


@pytest.mark.parametrize('case', ['negative', 'nan', 'negative_after_good', 'long', 'bool', 'list', 'int32'])
def test_poisson_errors(both, case):
    def body(lib):
        r = {'negative': lambda: lib.tensor([1.0, -1.0]), 'nan': lambda: lib.tensor([float('nan')]),
             'negative_after_good': lambda: lib.tensor([30.0, 2.0, -0.5]), 'long': lambda: lib.tensor([1, 2]),
             'bool': lambda: lib.tensor([True]), 'list': lambda: [1.0, 2.0],
             'int32': lambda: lib.tensor([1], dtype=lib.int32)}[case]()
        return lib.poisson(r)
    both(body)


def test_poisson_error_message(both):
    both(lambda lib: lib.poisson(lib.tensor([-1.0])), match='invalid Poisson rate, expected rate to be non-negative')
    both(lambda lib: lib.poisson(lib.tensor([1, 2])), match='"poisson_cpu" not implemented for \'Long\'')


@pytest.mark.parametrize('rate', [0.5, 4.0, 12.0, 50.0])
def test_poisson_statistics(rate):
    """Sample mean and variance of ember.poisson near the rate, to within 5 standard errors
    (Var(mean) = rate / N; Var(sample variance) ~ (mu4 - sigma^4) / N = (rate + 2 rate^2) / N)."""
    n = 40000
    ember.manual_seed(3)
    s = ember.poisson(ember.full((n,), rate)).numpy().astype(np.float64)
    assert s.dtype == np.float64 and s.shape == (n,)
    assert (s == np.floor(s)).all() and (s >= 0).all()
    assert abs(s.mean() - rate) < 5 * math.sqrt(rate / n)
    assert abs(s.var() - rate) < 5 * math.sqrt((rate + 2 * rate ** 2) / n)


# ---------------------------------------------------------------- _standard_gamma
@pytest.mark.parametrize('dtype,rtol', [('float32', 0), ('float64', 1e-13)])
def test_standard_gamma_matches_torch_stream(both, dtype, rtol):
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(3)
        a = lib.tensor([0.05, 0.3, 1.0, 2.5, 7.0, 150.0], dtype=dt)
        x = lib._standard_gamma(a.expand(5, 6))
        y = lib._standard_gamma(lib.tensor([[0.5, 3.0], [1.5, 0.2]], dtype=dt).t())
        z = lib._standard_gamma(lib.tensor(2.0, dtype=dt))
        return x, y, z, lib.rand(3)
    both(body, rtol=rtol, atol=0)


def test_standard_gamma_generator_and_grad_flag(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(9)
        a = _t(lib, [0.4, 2.0, 5.0])
        x = lib._standard_gamma(a, generator=g)
        y = lib._standard_gamma(a.detach(), g)
        return x, y, lib.rand(2), lib.empty(0).shape, lib._standard_gamma(lib.ones(0, 2)).shape
    both(body, rtol=0, atol=0)


@pytest.mark.parametrize('case', ['long', 'half', 'bool', 'list'])
def test_standard_gamma_errors(both, case):
    def body(lib):
        a = {'long': lambda: lib.tensor([1, 2]), 'half': lambda: lib.tensor([1.0], dtype=lib.float16),
             'bool': lambda: lib.tensor([True]), 'list': lambda: [1.0]}[case]()
        return lib._standard_gamma(a)
    both(body)


@pytest.mark.parametrize('alpha', [
    0.4,
    1.0,
    3.5, 8.0])
def test_standard_gamma_gradient_statistics(alpha):
    """d E[x] / d alpha = 1 for x ~ Gamma(alpha, 1): the mean of the per-sample reparameterized
    gradients (torch's and ember's: different estimators of it) is 1 to within 5 standard
    errors, and torch's and ember's means agree within the sum of theirs."""
    import torch
    n = 20000
    means = []
    for lib in (torch, ember):
        lib.manual_seed(4)
        a = lib.full((n,), alpha, dtype=lib.float64, requires_grad=True)
        lib._standard_gamma(a).sum().backward()
        g = a.grad.numpy()
        assert g.shape == (n,) and np.isfinite(g).all()
        se = g.std() / math.sqrt(n)
        assert abs(g.mean() - 1.0) < 5 * se + 1e-3, (lib.__name__, g.mean(), se)
        means.append((g.mean(), se))
    assert abs(means[0][0] - means[1][0]) < 5 * (means[0][1] + means[1][1]) + 1e-3


@pytest.mark.parametrize('dtype,rtol', [('float32', 2e-6), ('float64', 1e-10)])
def test_standard_gamma_and_rsample_gradients_match_torch(both, dtype, rtol):
    """The same seeded samples in both libraries, so torch's implicit reparameterized gradient
    (-(dF/dalpha) / pdf, three approximations by region) is compared per sample, through
    _standard_gamma and Gamma.rsample. (Beta/Dirichlet rsample: torch differentiates them with
    its own Beta approximations, _dirichlet_grad; ember through the gammas: other per-sample
    values, both unbiased.)"""
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(5)
        a = lib.tensor([0.05, 0.3, 0.9, 1.7, 4.0, 7.9, 8.5, 12.0, 40.0, 300.0], dtype=dt, requires_grad=True)
        x = lib._standard_gamma(a)
        x.sum().backward()
        conc = lib.tensor([0.5, 2.0, 9.0], dtype=dt, requires_grad=True)
        rate = lib.tensor([1.5, 0.5, 2.0], dtype=dt, requires_grad=True)
        y = lib.distributions.Gamma(conc, rate).rsample((4,))
        (y * lib.arange(1, 13, dtype=dt).reshape(4, 3)).sum().backward()
        return x, a.grad, y, conc.grad, rate.grad
    both(body, rtol=rtol, atol=1e-12)


# ---------------------------------------------------------------- _sample_dirichlet
@pytest.mark.parametrize('dtype,rtol', [('float32', 0), ('float64', 1e-13)])
def test_sample_dirichlet_matches_torch_stream(both, dtype, rtol):
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(3)
        c = lib.tensor([[0.3, 1.0, 4.0], [2.0, 0.01, 1.0]], dtype=dt)
        x = lib._sample_dirichlet(c)
        y = lib._sample_dirichlet(c.expand(4, 2, 3))
        z = lib._sample_dirichlet(c.t())                 # not contiguous; normalized along its last dim
        w = lib._sample_dirichlet(lib.tensor(2.0, dtype=dt))          # 0-d: 1 - ulp, as torch clamps
        v = lib._sample_dirichlet(lib.tensor([[5.0], [0.5]], dtype=dt))
        return x, y, z, w, v, lib.rand(3), x.sum(-1)
    both(body, rtol=rtol, atol=0)


def test_sample_dirichlet_generator_and_backward(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(6)
        c = _t(lib, [2.0, 1.0, 0.5])
        x = lib._sample_dirichlet(c, generator=g)
        out = [x, lib.rand(2), lib._sample_dirichlet(c.detach(), g)]
        try:
            x.sum().backward()
        except RuntimeError as e:
            out.append(('backward raised', 'not implemented' in str(e)))
        return out
    both(body, rtol=0, atol=0)


@pytest.mark.parametrize('case', ['long', 'half', 'bool', 'list'])
def test_sample_dirichlet_errors(both, case):
    def body(lib):
        a = {'long': lambda: lib.tensor([1, 2]), 'half': lambda: lib.tensor([1.0], dtype=lib.float16),
             'bool': lambda: lib.tensor([True]), 'list': lambda: [1.0]}[case]()
        return lib._sample_dirichlet(a)
    both(body)


# ---------------------------------------------------------------- FisherSnedecor
def test_fisher_snedecor(both):
    cpu_random_only()

    def body(lib):
        df1, df2 = _t(lib, [0.5, 3.0, 10.0, 1.5]), _t(lib, [1.0, 4.5, 20.0, 3.0])
        d = lib.distributions.FisherSnedecor(df1, df2)
        v = lib.tensor([0.2, 1.0, 3.0, 0.01])
        lib.manual_seed(11)
        rs = d.rsample((4,))
        s = d.sample()
        return (_grads(lib, d.log_prob(v), [df1, df2]), _grads(lib, d.mean, [df1, df2]),
                _grads(lib, d.variance, [df1, df2]), _grads(lib, d.mode, [df1, df2]),
                rs, s, rs.requires_grad, s.requires_grad, d.batch_shape, d.event_shape, d.has_rsample,
                d.df1, d.df2)
    both(body, rtol=2e-6, atol=1e-6)


def test_fisher_snedecor_scalar_and_float64(both):
    cpu_random_only()

    def body(lib):
        d = lib.distributions.FisherSnedecor(3.0, 8.0)
        d64 = lib.distributions.FisherSnedecor(_t(lib, [2.0, 6.0], dtype=lib.float64), 5.0)
        lib.manual_seed(2)
        return (d.batch_shape, d.log_prob(lib.tensor(1.5)), d.mean, d.variance, d.sample((3,)),
                _grads(lib, d64.log_prob(lib.tensor([0.5, 2.0], dtype=lib.float64)), [d64.df1]),
                d64.rsample((2,)))
    both(body, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- InverseGamma
def test_inverse_gamma(both):
    cpu_random_only()

    def body(lib):
        c, r = _t(lib, [0.5, 2.5, 4.0, 1.5]), _t(lib, [1.0, 2.0, 0.3, 5.0])
        d = lib.distributions.InverseGamma(c, r)
        v = lib.tensor([0.2, 1.0, 3.0, 0.05])
        lib.manual_seed(13)
        rs = d.rsample((3,))
        s = d.sample((2,))
        return ({k: _grads(lib, f, [c, r]) for k, f in dict(lp=d.log_prob(v), ent=d.entropy(), mean=d.mean,
                                                            var=d.variance, mode=d.mode).items()},
                # (cdf's gradient in rate only: gammainc has none in its first argument, and ember's
                # autograd.grad would still run that branch, raising where torch skips it)
                _grads(lib, lib.distributions.InverseGamma(c.detach(), r).cdf(v), [r]), rs, s, rs.requires_grad, d.batch_shape, d.event_shape,
                d.concentration, d.rate, d.has_rsample, type(d.base_dist).__name__)
    both(body, rtol=2e-6, atol=1e-6)


def test_inverse_gamma_cdf_no_concentration_grad(both):
    def body(lib):
        c = _t(lib, [2.0, 3.0])
        return lib.distributions.InverseGamma(c, 1.0).cdf(lib.tensor([0.5, 2.0])).sum().backward()
    both(body)


def test_inverse_gamma_scalar_and_float64(both):
    cpu_random_only()

    def body(lib):
        d = lib.distributions.InverseGamma(3.0, 2.0)
        d64 = lib.distributions.InverseGamma(_t(lib, [2.0, 6.0], dtype=lib.float64), 5.0)
        lib.manual_seed(4)
        return (d.batch_shape, d.log_prob(lib.tensor(0.7)), d.mean, d.variance, d.entropy(), d.sample((3,)),
                _grads(lib, d64.log_prob(lib.tensor([0.5, 2.0], dtype=lib.float64)), [d64.concentration]),
                d64.rsample((2,)))
    both(body, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- NegativeBinomial
def test_negative_binomial_probs(both):
    cpu_random_only()

    def body(lib):
        tc, p = _t(lib, [0.0, 2.0, 5.5, 1.0]), _t(lib, [0.3, 0.5, 0.9, 0.0])
        d = lib.distributions.NegativeBinomial(tc, probs=p)
        k = lib.tensor([0.0, 3.0, 7.0, 0.0])
        lib.manual_seed(17)
        s = d.sample((5,))
        return (_grads(lib, d.log_prob(k), [tc, p]), _grads(lib, d.mean, [tc, p]), _grads(lib, d.variance, [tc, p]),
                d.mode, s, s.requires_grad, d.batch_shape, d.event_shape, d.param_shape, d.has_rsample,
                d.logits, d.total_count.dtype)
    both(body, rtol=2e-6, atol=1e-6)


def test_negative_binomial_logits(both):
    cpu_random_only()

    def body(lib):
        lg = _t(lib, [-1.0, 0.0, 2.0])
        d = lib.distributions.NegativeBinomial(3.0, logits=lg)
        k = lib.tensor([1.0, 4.0, 30.0])
        lib.manual_seed(19)
        s = d.sample((2,))
        d64 = lib.distributions.NegativeBinomial(lib.tensor([2.0, 7.0], dtype=lib.float64),
                                                 logits=lib.tensor([0.5, -0.5], dtype=lib.float64))
        return (_grads(lib, d.log_prob(k), [lg]), d.probs, d.mean, d.variance, d.mode, s, d.total_count,
                d64.log_prob(lib.tensor([3.0, 1.0], dtype=lib.float64)), d64.sample((3,)))
    both(body, rtol=2e-6, atol=1e-6)


def test_negative_binomial_sample_statistics():
    """ember's samples (Poisson of Gamma) have the distribution's mean and variance to within 5
    standard errors (the variance's from the sample's own fourth moment)."""
    n = 40000
    ember.manual_seed(5)
    d = ember.distributions.NegativeBinomial(ember.tensor([2.0, 6.5]), probs=ember.tensor([0.3, 0.6]))
    s = d.sample((n,)).numpy().astype(np.float64)
    assert s.shape == (n, 2) and (s == np.floor(s)).all() and (s >= 0).all()
    mean, var = d.mean.numpy(), d.variance.numpy()
    m4 = ((s - s.mean(0)) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(s.mean(0) - mean), 5 * np.sqrt(var / n))
    np.testing.assert_array_less(np.abs(s.var(0) - var), 5 * np.sqrt((m4 - s.var(0) ** 2) / n))


# ---------------------------------------------------------------- shared: constraints, validation, expand, KL
def test_constraints_and_support(both):
    def body(lib):
        D = lib.distributions
        out = []
        for cls in (D.FisherSnedecor, D.InverseGamma, D.NegativeBinomial):
            out.append((cls.__name__, {k: repr(v) for k, v in cls.arg_constraints.items()}, repr(cls.support),
                        cls.support.is_discrete, cls.support.event_dim, cls.has_rsample,
                        cls.has_enumerate_support, issubclass(cls, D.TransformedDistribution),
                        cls.__name__ in D.__all__))
        return out
    both(body)


@pytest.mark.parametrize('case', [
    'f_df1', 'f_df2', 'f_value', 'ig_conc', 'ig_rate', 'ig_value', 'ig_cdf_value', 'nb_probs_one', 'nb_total_neg',
    'nb_neither', 'nb_both', 'nb_value_frac', 'nb_value_neg', 'f_not_tensor', 'nb_enumerate', 'f_cdf',
    'ig_icdf', 'f_entropy', 'nb_entropy', 'nb_rsample'])
def test_validation_and_unsupported(both, case):
    def body(lib):
        D = lib.distributions
        return {
            'f_df1': lambda: D.FisherSnedecor(lib.tensor([0.0, 1.0]), 1.0),
            'f_df2': lambda: D.FisherSnedecor(1.0, lib.tensor([-2.0])),
            'f_value': lambda: D.FisherSnedecor(1.0, 2.0).log_prob(lib.tensor([-1.0])),
            'ig_conc': lambda: D.InverseGamma(lib.tensor([-1.0]), 1.0),
            'ig_rate': lambda: D.InverseGamma(1.0, lib.tensor([0.0])),
            'ig_value': lambda: D.InverseGamma(2.0, 1.0).log_prob(lib.tensor(0.0)),
            'ig_cdf_value': lambda: D.InverseGamma(2.0, 1.0).cdf(lib.tensor(-1.0)),
            'nb_probs_one': lambda: D.NegativeBinomial(1.0, probs=lib.tensor([1.0])),
            'nb_total_neg': lambda: D.NegativeBinomial(lib.tensor([-1.0]), probs=lib.tensor([0.5])),
            'nb_neither': lambda: D.NegativeBinomial(1.0),
            'nb_both': lambda: D.NegativeBinomial(1.0, probs=lib.tensor(0.5), logits=lib.tensor(0.0)),
            'nb_value_frac': lambda: D.NegativeBinomial(2.0, probs=lib.tensor([0.5])).log_prob(lib.tensor([0.5])),
            'nb_value_neg': lambda: D.NegativeBinomial(2.0, probs=lib.tensor([0.5])).log_prob(lib.tensor([-1.0])),
            'f_not_tensor': lambda: D.FisherSnedecor(lib.zeros(2) + 1, 1.0).log_prob(0.5),
            'nb_enumerate': lambda: D.NegativeBinomial(2.0, probs=lib.tensor(0.3)).enumerate_support(),
            'f_cdf': lambda: D.FisherSnedecor(2.0, 3.0).cdf(lib.tensor(0.5)),
            'ig_icdf': lambda: D.InverseGamma(2.0, 1.0).icdf(lib.tensor(0.5)),
            'f_entropy': lambda: D.FisherSnedecor(2.0, 3.0).entropy(),
            'nb_entropy': lambda: D.NegativeBinomial(2.0, probs=lib.tensor(0.3)).entropy(),
            'nb_rsample': lambda: D.NegativeBinomial(2.0, probs=lib.tensor(0.3)).rsample(),
        }[case]()
    both(body)


def test_validation_messages(both):
    both(lambda lib: lib.distributions.NegativeBinomial(lib.tensor([1.0]), probs=lib.tensor([1.0])),
         match=r'Expected parameter probs \(Tensor of shape \(1,\)\) of distribution NegativeBinomial\(total_count: '
               r"tensor\(\[1.\](, device='cuda:0')?\), probs: tensor\(\[1.\](, device='cuda:0')?\)\) to satisfy the "
               r'constraint HalfOpenInterval\('
               r'lower_bound=0.0, upper_bound=1.0\), but found invalid values')
    both(lambda lib: lib.distributions.InverseGamma(2.0, 1.0).log_prob(lib.tensor(-1.0)),
         match=r'Expected value argument \(Tensor of shape \(\)\) to be within the support '
               r'\(GreaterThan\(lower_bound=0.0\)\) of the distribution InverseGamma\(\)')


def test_validate_args_off(both):
    def body(lib):
        D = lib.distributions
        f = D.FisherSnedecor(lib.tensor([-1.0, 2.0]), 3.0, validate_args=False)
        ig = D.InverseGamma(lib.tensor([2.0]), lib.tensor([-1.0]), validate_args=False)
        nb = D.NegativeBinomial(lib.tensor([-0.5, 2.0]), probs=lib.tensor([0.5, 1.0]), validate_args=False)
        out = [f.log_prob(lib.tensor([0.5, -1.0])), ig.log_prob(lib.tensor([-0.5])),
               nb.log_prob(lib.tensor([0.5, 3.0])), nb.mean]
        D.Distribution.set_default_validate_args(False)
        try:
            out.append(D.NegativeBinomial(2.0, probs=lib.tensor([1.5])).log_prob(lib.tensor([1.0])))
        finally:
            D.Distribution.set_default_validate_args(True)
        return out
    both(body, rtol=1e-6)


def test_expand_and_shapes(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(23)
        out = []
        for d in (D.FisherSnedecor(lib.tensor([2.0, 3.0]), 4.0), D.InverseGamma(lib.tensor([2.0, 3.0]), 1.0),
                  D.NegativeBinomial(lib.tensor([2.0, 3.0]), logits=lib.tensor([0.1, 0.2])),
                  D.NegativeBinomial(lib.tensor([2.0, 3.0]), probs=lib.tensor([0.1, 0.2]))):
            e = d.expand((4, 2))
            s = e.sample((3,))
            out.append((type(e).__name__, e.batch_shape, e.event_shape, s, e._validate_args,
                        e.log_prob(s[0]), d.sample((2,)).shape))
        return out
    both(body, rtol=2e-6, atol=1e-6)


def test_kl_divergence(both):
    def body(lib):
        D = lib.distributions
        c1, r1 = _t(lib, [2.0, 3.0]), _t(lib, [1.0, 0.5])
        p, q = D.InverseGamma(c1, r1), D.InverseGamma(lib.tensor([3.0, 1.5]), lib.tensor([2.0, 0.7]))
        out = [_grads(lib, D.kl_divergence(p, q), [c1, r1])]      # through the TransformedDistribution pair
        for pair in ((D.FisherSnedecor(2.0, 3.0), D.FisherSnedecor(3.0, 4.0)),
                     (D.NegativeBinomial(2.0, probs=lib.tensor(0.3)), D.NegativeBinomial(3.0, probs=lib.tensor(0.4))),
                     (D.InverseGamma(2.0, 3.0), D.Gamma(2.0, 3.0))):
            try:
                out.append(D.kl_divergence(*pair))
            except NotImplementedError:
                out.append('NotImplementedError')
        return out
    both(body, rtol=2e-6)


@pytest.mark.parametrize('name', ['FisherSnedecor', 'InverseGamma', 'NegativeBinomialProbs',
                                  'NegativeBinomialLogits'])
def test_log_prob_gradcheck(both, name):
    """log_prob (and entropy where there is one) pass each library's gradcheck in float64."""
    def body(lib):
        D = lib.distributions
        f64 = dict(dtype=lib.float64)
        if name == 'FisherSnedecor':
            params = (_t(lib, [0.7, 3.0, 9.0], **f64), _t(lib, [1.5, 5.0, 12.0], **f64))
            v = lib.tensor([0.3, 1.2, 2.5], **f64)
            fns = [lambda a, b: D.FisherSnedecor(a, b).log_prob(v), lambda a, b: D.FisherSnedecor(a, b).mean]
        elif name == 'InverseGamma':
            params = (_t(lib, [0.7, 3.0, 9.0], **f64), _t(lib, [1.5, 0.4, 12.0], **f64))
            v = lib.tensor([0.3, 1.2, 2.5], **f64)
            fns = [lambda a, b: D.InverseGamma(a, b).log_prob(v), lambda a, b: D.InverseGamma(a, b).entropy(),
                   lambda a, b: D.InverseGamma(a, b).variance]
        elif name == 'NegativeBinomialProbs':
            params = (_t(lib, [0.7, 3.0, 9.0], **f64), _t(lib, [0.2, 0.5, 0.8], **f64))
            v = lib.tensor([0.0, 4.0, 11.0], **f64)
            fns = [lambda a, b: D.NegativeBinomial(a, probs=b).log_prob(v),
                   lambda a, b: D.NegativeBinomial(a, probs=b).variance]
        else:
            params = (_t(lib, [0.7, 3.0, 9.0], **f64), _t(lib, [-1.2, 0.3, 2.0], **f64))
            v = lib.tensor([0.0, 4.0, 11.0], **f64)
            fns = [lambda a, b: D.NegativeBinomial(a, logits=b).log_prob(v)]
        return [lib.autograd.gradcheck(fn, params, eps=1e-6, atol=1e-6, rtol=1e-4) for fn in fns]
    both(body)


@pytest.mark.parametrize('make,grad_expect', [
    # d E[Y] / d params for Y ~ F(df1, df2): E = df2 / (df2 - 2)
    (lambda D, a, b: D.FisherSnedecor(a, b), lambda a, b: (0.0, -2.0 / (b - 2) ** 2)),
    # Y ~ InverseGamma(c, r): E = r / (c - 1)
    (lambda D, a, b: D.InverseGamma(a, b), lambda a, b: (-b / (a - 1) ** 2, 1.0 / (a - 1))),
])
def test_rsample_gradient_statistics(make, grad_expect):
    """The per-sample reparameterized gradients of rsample average to d E[Y] / d params, to within
    6 standard errors, in torch and in ember (parameters of shape (N,) all equal, so that each
    element's gradient is one sample's)."""
    import torch
    n, a0, b0 = 20000, 9.0, 12.0
    for lib in (torch, ember):
        lib.manual_seed(6)
        a = lib.full((n,), a0, dtype=lib.float64, requires_grad=True)
        b = lib.full((n,), b0, dtype=lib.float64, requires_grad=True)
        y = make(lib.distributions, a, b).rsample()
        assert y.shape == (n,) and y.requires_grad
        y.sum().backward()
        for g, want in zip((a.grad.numpy(), b.grad.numpy()), grad_expect(a0, b0)):
            se = g.std() / math.sqrt(n)
            assert abs(g.mean() - want) < 6 * se + 1e-4, (lib.__name__, g.mean(), want, se)


def test_standard_gamma_grad_formula_matches_torch():
    """ember's implicit gamma gradient against torch._standard_gamma_grad over a grid crossing
    the three regions (x < 0.8; alpha > 8, near and away from x = alpha; the rational fit)."""
    import torch
    from ember.distributions.utils import standard_gamma_grad
    a = np.exp(np.linspace(-4, 6, 61))[:, None] * np.ones((1, 57))
    x = a * np.exp(np.linspace(-3, 1.5, 57))[None, :]
    x[:, :4] = [1e-6, 0.3, 0.79, 0.81]
    want = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    got = standard_gamma_grad(a, x)
    fin = np.isfinite(want)
    assert (np.isfinite(got) == fin).all()
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-11, atol=1e-300)


def test_poisson_distribution_sample_is_torch_stream(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(3)
        d = lib.distributions.Poisson(lib.tensor([[0.5, 3.0, 20.0], [0.0, 11.0, 1e3]]))
        return d.sample(), d.sample((2,)), lib.rand(2)
    both(body, rtol=0, atol=0)
