"""ember.distributions against torch.distributions: log_prob, entropy, cdf/icdf, moments, KL and
their gradients by the conformance harness (same parameters, same values); samples by shape,
dtype and statistics; validation errors by type."""
import math

import numpy as np
import pytest

import conformance
import ember


@pytest.fixture(autouse=True)
def _validation_on():
    """Both libraries validate by default (``__debug__``). torch.compile's first use turns torch's
    validation off for the whole process (torch/_dynamo/eval_frame.py), and test_compile.py may
    have run in this worker: put both defaults back around each test."""
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
    """Values of ``out`` and d sum(out) / d each parameter (None where it does not depend on one)."""
    gs = lib.autograd.grad(out.sum(), params, allow_unused=True)
    return [out.detach()] + [g for g in gs]


LOC = [0.3, -1.2, 2.0]
SCALE = [0.5, 1.5, 2.5]
X = [0.1, -0.7, 3.2]
U = [0.1, 0.5, 0.9]


# ---------------------------------------------------------------- univariate continuous
def _loc_scale_body(name, methods=('log_prob', 'cdf', 'entropy', 'mean', 'variance', 'stddev', 'mode', 'icdf')):
    def body(lib):
        loc, scale = _t(lib, LOC), _t(lib, SCALE)
        d = getattr(lib.distributions, name)(loc, scale)
        out = {'batch': d.batch_shape, 'event': d.event_shape, 'repr': repr(d).split('(')[0]}
        for m in methods:
            if m == 'log_prob':
                v = d.log_prob(lib.tensor(X))
            elif m == 'cdf':
                v = d.cdf(lib.tensor(X))
            elif m == 'icdf':
                v = d.icdf(lib.tensor(U))
            elif m == 'entropy':
                v = d.entropy()
            else:
                v = getattr(d, m)
            out[m] = _grads(lib, v, [loc, scale]) if v.requires_grad else v
        return out
    return body


@pytest.mark.parametrize('name', ['Normal', 'Laplace', 'Cauchy'])
def test_loc_scale_families(both, name):
    both(_loc_scale_body(name) if name != 'Cauchy' else
         _loc_scale_body(name, ('log_prob', 'cdf', 'entropy', 'mean', 'variance', 'mode', 'icdf')), rtol=1e-5)


def test_lognormal(both):
    both(_loc_scale_body('LogNormal', ('log_prob', 'cdf', 'entropy', 'mean', 'variance', 'mode', 'icdf')),
         rtol=1e-5)


def test_uniform(both):
    def body(lib):
        low, high = _t(lib, [0.0, -1.0, 2.0]), _t(lib, [1.0, 3.0, 2.5])
        d = lib.distributions.Uniform(low, high)
        v = lib.tensor([0.5, 2.9, 2.2])
        return {k: _grads(lib, f, [low, high]) for k, f in
                dict(lp=d.log_prob(v), cdf=d.cdf(v), ent=d.entropy(), mean=d.mean, var=d.variance,
                     sd=d.stddev, icdf=d.icdf(lib.tensor(U))).items()} | {'mode': d.mode.detach()}
    both(body)


def test_exponential(both):
    def body(lib):
        rate = _t(lib, [0.5, 1.0, 3.0])
        d = lib.distributions.Exponential(rate)
        v = lib.tensor([0.2, 1.0, 4.0])
        return {k: _grads(lib, f, [rate]) for k, f in
                dict(lp=d.log_prob(v), cdf=d.cdf(v), ent=d.entropy(), mean=d.mean, var=d.variance,
                     icdf=d.icdf(lib.tensor(U))).items()} | {'mode': d.mode}
    both(body)


def test_scalar_parameters(both):
    def body(lib):
        D = lib.distributions
        out = []
        for d in (D.Normal(0.0, 1.0), D.Uniform(0.0, 2.0), D.Exponential(2.0), D.Laplace(1.0, 2.0),
                  D.Bernoulli(0.3), D.Gamma(2.0, 3.0), D.Beta(2.0, 3.0), D.LogNormal(0.0, 1.0)):
            s = d.sample()
            out.append((d.batch_shape, d.event_shape, s.shape, s.dtype, d.sample((4, 2)).shape,
                        d.log_prob(lib.tensor(0.5)), d.entropy()))
        return out
    both(body, rtol=1e-5)


def test_float64_parameters(both):
    def body(lib):
        loc = lib.tensor([0.0, 1.0], dtype=lib.float64)
        d = lib.distributions.Normal(loc, 1.0)
        return d.scale.dtype, d.rsample((3,)).dtype, d.log_prob(lib.tensor([0.5, 0.5], dtype=lib.float64))
    both(body)


# ---------------------------------------------------------------- discrete
def test_bernoulli(both):
    def body(lib):
        out = {}
        for kind in ('probs', 'logits'):
            p = _t(lib, [0.2, 0.5, 0.9] if kind == 'probs' else [-1.0, 0.0, 2.5])
            d = lib.distributions.Bernoulli(**{kind: p})
            v = lib.tensor([1.0, 0.0, 1.0])
            out[kind] = {k: _grads(lib, f, [p]) for k, f in
                         dict(lp=d.log_prob(v), ent=d.entropy(), mean=d.mean, var=d.variance,
                              other=d.logits if kind == 'probs' else d.probs).items()}
            out[kind]['mode'] = d.mode.detach()
            out[kind]['support'] = d.enumerate_support()
            s = d.sample((5,))
            out[kind]['sample'] = (s.shape, s.dtype, bool(((s == 0) | (s == 1)).all()))
        return out
    both(body, rtol=1e-5)


def test_categorical(both):
    def body(lib):
        out = {}
        for kind in ('probs', 'logits'):
            p = _t(lib, [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]] if kind == 'probs' else [[1.0, -1.0, 0.5], [0.0, 2.0, 0.1]])
            d = lib.distributions.Categorical(**{kind: p})
            v = lib.tensor([[2, 0], [1, 1]])
            out[kind] = {k: _grads(lib, f, [p]) for k, f in
                         dict(lp=d.log_prob(v), ent=d.entropy(), probs=d.probs, logits=d.logits).items()}
            out[kind]['mean'] = d.mean
            out[kind]['mode'] = d.mode
            out[kind]['shapes'] = (d.batch_shape, d.event_shape, d.param_shape)
            s = d.sample((7,))
            out[kind]['sample'] = (s.shape, s.dtype, bool(((s >= 0) & (s < 3)).all()))
            out[kind]['enum'] = d.enumerate_support()
            out[kind]['perplexity'] = d.perplexity().detach()
        return out
    both(body, rtol=1e-5)


def test_one_hot_categorical(both):
    def body(lib):
        p = _t(lib, [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
        d = lib.distributions.OneHotCategorical(probs=p)
        v = lib.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
        s = d.sample((4,))
        return (_grads(lib, d.log_prob(v), [p]), _grads(lib, d.entropy(), [p]), d.mode, d.mean.detach(),
                d.variance.detach(), s.shape, s.dtype, bool((s.sum(-1) == 1).all()), d.batch_shape, d.event_shape,
                d.enumerate_support())
    both(body, rtol=1e-5)


def test_geometric(both):
    def body(lib):
        p = _t(lib, [0.2, 0.5, 0.9])
        d = lib.distributions.Geometric(probs=p)
        v = lib.tensor([0.0, 3.0, 1.0])
        s = d.sample((3,))
        return (_grads(lib, d.log_prob(v), [p]), _grads(lib, d.entropy(), [p]), _grads(lib, d.mean, [p]),
                _grads(lib, d.variance, [p]), s.shape, s.dtype)
    both(body, rtol=1e-5)


def test_poisson(both):
    def body(lib):
        r = _t(lib, [0.5, 2.0, 10.0])
        d = lib.distributions.Poisson(r)
        v = lib.tensor([0.0, 3.0, 8.0])
        s = d.sample((3,))
        return _grads(lib, d.log_prob(v), [r]), d.mean.detach(), d.mode.detach(), s.shape, s.dtype
    both(body, rtol=1e-5)


def test_binomial(both):
    def body(lib):
        p = _t(lib, [0.2, 0.5, 0.9])
        d = lib.distributions.Binomial(10, probs=p)
        v = lib.tensor([0.0, 3.0, 8.0])
        s = d.sample((3,))
        dl = lib.distributions.Binomial(lib.tensor([5.0, 6.0, 7.0]), logits=lib.tensor([0.0, 1.0, -1.0]))
        return (_grads(lib, d.log_prob(v), [p]), _grads(lib, d.entropy(), [p]), d.mean.detach(), d.mode.detach(),
                d.variance.detach(), s.shape, s.dtype, bool(((s >= 0) & (s <= 10)).all()),
                dl.log_prob(lib.tensor([1.0, 2.0, 3.0])), dl.probs)
    both(body, rtol=1e-5)


# ---------------------------------------------------------------- gamma family
def test_gamma_chi2(both):
    def body(lib):
        c, r = _t(lib, [0.5, 2.0, 7.5]), _t(lib, [1.0, 0.5, 3.0])
        d = lib.distributions.Gamma(c, r)
        v = lib.tensor([0.3, 2.0, 1.5])
        df = _t(lib, [1.0, 3.0, 10.0])
        chi = lib.distributions.Chi2(df)
        return ({k: _grads(lib, f, [c, r]) for k, f in dict(lp=d.log_prob(v), ent=d.entropy(), mean=d.mean,
                                                            var=d.variance, mode=d.mode).items()},
                _grads(lib, chi.log_prob(v), [df]), _grads(lib, chi.entropy(), [df]), chi.df.detach(),
                d.rsample((2,)).shape)
    both(body, rtol=2e-5)


def test_beta_dirichlet(both):
    def body(lib):
        a, b = _t(lib, [0.5, 2.0, 7.5]), _t(lib, [1.0, 0.5, 3.0])
        d = lib.distributions.Beta(a, b)
        v = lib.tensor([0.3, 0.9, 0.5])
        conc = _t(lib, [[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]])
        dd = lib.distributions.Dirichlet(conc)
        dv = lib.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
        return ({k: _grads(lib, f, [a, b]) for k, f in dict(lp=d.log_prob(v), ent=d.entropy(), mean=d.mean,
                                                            var=d.variance).items()},
                {k: _grads(lib, f, [conc]) for k, f in dict(lp=dd.log_prob(dv), ent=dd.entropy(), mean=dd.mean,
                                                            var=dd.variance).items()},
                dd.mode.detach(), d.mode.detach(), dd.batch_shape, dd.event_shape, dd.rsample((4,)).shape,
                d.rsample((4,)).shape)
    both(body, rtol=2e-5)


def test_student_t(both):
    def body(lib):
        df, loc, scale = _t(lib, [0.8, 1.5, 5.0]), _t(lib, LOC), _t(lib, SCALE)
        d = lib.distributions.StudentT(df, loc, scale)
        return (_grads(lib, d.log_prob(lib.tensor(X)), [df, loc, scale]),
                _grads(lib, d.entropy(), [df, loc, scale]), d.mean.detach(), d.variance.detach(),
                d.rsample((3,)).shape)
    both(body, rtol=2e-5)


# ---------------------------------------------------------------- multivariate
_COV = [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]]


@pytest.mark.parametrize('param', ['covariance_matrix', 'precision_matrix', 'scale_tril'])
def test_multivariate_normal(both, param):
    def body(lib):
        loc = _t(lib, [[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]])
        cov = lib.tensor(_COV)
        m = cov if param != 'scale_tril' else lib.linalg.cholesky(cov)
        m = m.clone().requires_grad_()
        d = lib.distributions.MultivariateNormal(loc, **{param: m})
        v = lib.tensor([[0.3, 0.2, -0.4], [1.0, 0.0, 2.0]])
        s = d.rsample((5,))
        return ({k: _grads(lib, f, [loc, m]) for k, f in dict(
                    lp=d.log_prob(v), ent=d.entropy(), var=d.variance, cov=d.covariance_matrix,
                    prec=d.precision_matrix, tril=d.scale_tril).items()},
                d.batch_shape, d.event_shape, s.shape, s.requires_grad, d.mean.shape)
    both(body, rtol=2e-5, atol=2e-5)


def test_independent_normal(both):
    def body(lib):
        loc, scale = _t(lib, [[0.0, 1.0], [2.0, 3.0]]), _t(lib, [[1.0, 2.0], [0.5, 0.1]])
        d = lib.distributions.Independent(lib.distributions.Normal(loc, scale), 1)
        v = lib.tensor([[0.1, 0.2], [2.0, 3.5]])
        return (_grads(lib, d.log_prob(v), [loc, scale]), _grads(lib, d.entropy(), [loc, scale]),
                d.batch_shape, d.event_shape, d.rsample((3,)).shape, d.has_rsample, repr(d).split('(')[0],
                d.support.event_dim)
    both(body)


# ---------------------------------------------------------------- transforms
def test_transformed_distribution(both):
    def body(lib):
        D, T = lib.distributions, lib.distributions.transforms
        loc, scale = _t(lib, LOC), _t(lib, SCALE)
        base = D.Normal(loc, scale)
        t = T.ComposeTransform([T.AffineTransform(1.0, 2.0), T.SigmoidTransform()])
        d = D.TransformedDistribution(base, [t])
        v = lib.tensor([0.2, 0.5, 0.7])
        tanh = D.TransformedDistribution(base, [T.TanhTransform(cache_size=1)])
        x = tanh.rsample((4,))
        ex = D.TransformedDistribution(base, [T.ExpTransform(), T.AffineTransform(0.0, -1.0)])
        return (_grads(lib, d.log_prob(v), [loc, scale]), _grads(lib, tanh.log_prob(lib.tensor([0.1, -0.5, 0.9])),
                [loc, scale]), x.shape, x.requires_grad, bool((x.abs() <= 1).all()),
                _grads(lib, ex.cdf(lib.tensor([-0.5, -1.0, -3.0])), [loc, scale]),
                ex.icdf(lib.tensor(U)).detach(), d.batch_shape, d.event_shape, repr(d.support))
    both(body, rtol=1e-5)


def test_transforms(both):
    def body(lib):
        T = lib.distributions.transforms
        x = _t(lib, [-2.0, 0.3, 1.5])
        out = []
        for t in (T.ExpTransform(), T.AffineTransform(1.0, -3.0), T.SigmoidTransform(), T.TanhTransform(),
                  T.AffineTransform(lib.tensor([1.0, 2.0, 3.0]), lib.tensor([0.5, 1.0, 2.0])),
                  T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)]), T.PowerTransform(2.0)):
            if isinstance(t, T.PowerTransform):
                xx = x.exp()
            else:
                xx = x
            y = t(xx)
            out.append((_grads(lib, y, [x]), t.inv(y).detach(), _grads(lib, t.log_abs_det_jacobian(xx, y), [x]),
                        repr(t).replace('\n', ''), t.sign if isinstance(t.sign, int) else t.sign.detach(),
                        repr(t.domain), repr(t.codomain), t.bijective))
        t = T.AffineTransform(0.0, lib.ones(2, 3), event_dim=1)
        out.append((t.log_abs_det_jacobian(lib.ones(2, 3), lib.ones(2, 3)), t.forward_shape((4, 1, 3))))
        return out
    both(body, rtol=1e-5)


def test_lognormal_is_transformed(both):
    def body(lib):
        D = lib.distributions
        d = D.LogNormal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 0.5]))
        return (isinstance(d, D.TransformedDistribution), type(d.transforms[0]).__name__, repr(d.support),
                d.sample((3,)).shape, bool((d.sample((10,)) > 0).all()))
    both(body)


# ---------------------------------------------------------------- KL
def _kl_pairs(lib):
    D = lib.distributions
    a, b = _t(lib, [0.5, 1.0, 2.0]), _t(lib, [1.5, 0.7, 3.0])
    p2, q2 = _t(lib, [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]), _t(lib, [[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    cov = lib.tensor(_COV)
    return {
        'normal': ([a, b], lambda: (D.Normal(a, b), D.Normal(b, a))),
        'laplace': ([a, b], lambda: (D.Laplace(a, b), D.Laplace(b, a))),
        'cauchy': ([a, b], lambda: (D.Cauchy(a, b), D.Cauchy(b, a))),
        'exponential': ([a, b], lambda: (D.Exponential(a), D.Exponential(b))),
        'uniform': ([a, b], lambda: (D.Uniform(a - 1, a + b), D.Uniform(a - 2, a + 2 * b))),
        'uniform_inf': ([a, b], lambda: (D.Uniform(a - 1, a + b), D.Uniform(a, a + b))),
        'bernoulli': ([a], lambda: (D.Bernoulli(probs=a / 3), D.Bernoulli(logits=a - 1))),
        'categorical': ([p2, q2], lambda: (D.Categorical(probs=p2), D.Categorical(logits=q2))),
        'onehot': ([p2, q2], lambda: (D.OneHotCategorical(probs=p2), D.OneHotCategorical(probs=q2))),
        'mvn': ([a, b], lambda: (D.MultivariateNormal(a, covariance_matrix=cov),
                                 D.MultivariateNormal(b, scale_tril=lib.linalg.cholesky(cov) * 2))),
        'independent': ([a, b], lambda: (D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(b, a), 1))),
        'lognormal': ([a, b], lambda: (D.LogNormal(a, b), D.LogNormal(b, a))),
        'gamma': ([a, b], lambda: (D.Gamma(a, b), D.Gamma(b, a))),
        'beta': ([a, b], lambda: (D.Beta(a, b), D.Beta(b, a))),
        'dirichlet': ([p2, q2], lambda: (D.Dirichlet(p2 * 3), D.Dirichlet(q2 * 2))),
        'poisson': ([a, b], lambda: (D.Poisson(a), D.Poisson(b))),
        'geometric': ([a], lambda: (D.Geometric(probs=a / 3), D.Geometric(probs=a / 4))),
        'binomial': ([a], lambda: (D.Binomial(5, probs=a / 3), D.Binomial(5, probs=a / 4))),
    }


@pytest.mark.parametrize('pair', list(_kl_pairs(ember)))
def test_kl_divergence(both, pair):
    def body(lib):
        params, make = _kl_pairs(lib)[pair]
        p, q = make()
        return _grads(lib, lib.distributions.kl_divergence(p, q), params)
    both(body, rtol=2e-5, atol=2e-5)


def test_kl_not_implemented(both):
    both(lambda lib: lib.distributions.kl_divergence(lib.distributions.Categorical(logits=lib.zeros(2)),
                                                     lib.distributions.Normal(0.0, 1.0)))


def test_register_kl(both):
    def body(lib):
        D = lib.distributions

        class MyNormal(D.Normal):
            pass

        @D.register_kl(MyNormal, D.Normal)
        def _kl(p, q):
            return lib.tensor(42.0)
        try:
            return (D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(0.0, 1.0)),
                    D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0)))
        finally:
            D.kl.__dict__['_KL_REGISTRY'].pop((MyNormal, D.Normal))
            D.kl.__dict__['_KL_MEMOIZE'].clear()
    both(body)


# ---------------------------------------------------------------- shapes, expand, repr, constraints
def test_sample_shapes_and_expand(both):
    def body(lib):
        D = lib.distributions
        loc = lib.zeros(3)
        out = []
        for d in (D.Normal(loc, 1.0), D.Uniform(loc, 1.0), D.Exponential(loc + 1), D.Laplace(loc, 1.0),
                  D.Cauchy(loc, 1.0), D.Bernoulli(logits=loc), D.Categorical(logits=lib.zeros(3, 4)),
                  D.OneHotCategorical(logits=lib.zeros(3, 4)), D.Geometric(probs=loc + 0.5),
                  D.Poisson(loc + 1), D.Binomial(3, probs=loc + 0.5), D.Gamma(loc + 1, 1.0),
                  D.Beta(loc + 1, 2.0), D.Dirichlet(lib.ones(3, 4)), D.Chi2(loc + 2), D.StudentT(loc + 3),
                  D.LogNormal(loc, 1.0), D.MultivariateNormal(lib.zeros(3, 2), scale_tril=lib.eye(2)),
                  D.Independent(D.Normal(lib.zeros(3, 2), 1.0), 1)):
            e = d.expand((2, 3))
            s, es = d.sample((4,)), e.sample()
            out.append((type(d).__name__, d.batch_shape, d.event_shape, s.shape, s.dtype, e.batch_shape,
                        e.event_shape, es.shape, d.has_rsample, d.has_enumerate_support,
                        repr(d.support) if type(d).__name__ not in ('Independent',) else None,
                        e.log_prob(es).shape))
        return out
    both(body)


def test_repr(both):
    def body(lib):
        D = lib.distributions
        return [repr(d) for d in (D.Normal(lib.zeros(3), 1.0), D.Normal(lib.tensor(0.5), lib.tensor(2.0)),
                                  D.Bernoulli(probs=lib.tensor([0.5])), D.Categorical(logits=lib.zeros(2, 3)),
                                  D.Uniform(0.0, 1.0), D.Independent(D.Normal(lib.zeros(3), 1.0), 1),
                                  D.MultivariateNormal(lib.zeros(2), lib.eye(2)))]
    both(body)


def test_arg_constraints_and_support(both):
    def body(lib):
        D, C = lib.distributions, lib.distributions.constraints
        out = [repr(c) for c in (C.real, C.positive, C.unit_interval, C.simplex, C.boolean, C.nonnegative_integer,
                                 C.real_vector, C.lower_cholesky, C.positive_definite, C.interval(0.0, 2.0),
                                 C.greater_than(1.0), C.integer_interval(0, 3), C.half_open_interval(0.0, 1.0),
                                 C.greater_than_eq(0.5), C.less_than(1.0), C.one_hot, C.independent(C.real, 2))]
        for d in (D.Normal, D.Bernoulli, D.Categorical, D.Exponential, D.Gamma, D.Beta, D.Dirichlet,
                  D.MultivariateNormal, D.Binomial, D.Poisson, D.Laplace):
            out.append({k: repr(v) for k, v in d.arg_constraints.items()})
        v = lib.tensor([-1.0, 0.0, 0.5, 1.0, 2.5, float('nan')])
        out += [C.real.check(v), C.positive.check(v), C.unit_interval.check(v), C.nonnegative_integer.check(v),
                C.boolean.check(v), C.simplex.check(lib.tensor([[0.5, 0.5], [0.6, 0.6]])),
                C.positive_definite.check(lib.tensor([[[2.0, 0.1], [0.1, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])),
                C.lower_cholesky.check(lib.tensor([[1.0, 0.0], [1.0, 1.0]])),
                C.independent(C.positive, 1).check(lib.tensor([[1.0, 2.0], [1.0, -1.0]])),
                C.is_dependent(D.Uniform.support), C.is_dependent(C.real)]
        return out
    both(body)


@pytest.mark.parametrize('case', [
    'normal_scale', 'bernoulli_probs', 'categorical_probs', 'uniform_bounds', 'exponential_rate',
    'both_probs_logits', 'mvn_none', 'mvn_not_pd', 'dirichlet_0d', 'gamma_conc', 'sample_outside',
    'sample_event_shape', 'sample_not_broadcastable', 'sample_not_tensor', 'categorical_value', 'beta_value',
    'independent_ndims', 'validate_off', 'geometric_zero', 'set_default_bad'])
def test_validation_errors(both, case):
    def body(lib):
        D = lib.distributions
        if case == 'normal_scale':
            return D.Normal(lib.zeros(2), lib.tensor([1.0, -1.0]))
        if case == 'bernoulli_probs':
            return D.Bernoulli(probs=lib.tensor([1.5]))
        if case == 'categorical_probs':
            return D.Categorical(probs=lib.tensor([0.5, -0.5]))
        if case == 'uniform_bounds':
            return D.Uniform(lib.tensor([1.0]), lib.tensor([0.0]))
        if case == 'exponential_rate':
            return D.Exponential(lib.tensor(0.0))
        if case == 'both_probs_logits':
            return D.Bernoulli(probs=lib.tensor(0.5), logits=lib.tensor(0.0))
        if case == 'mvn_none':
            return D.MultivariateNormal(lib.zeros(2))
        if case == 'mvn_not_pd':
            return D.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]]))
        if case == 'dirichlet_0d':
            return D.Dirichlet(lib.tensor(1.0))
        if case == 'gamma_conc':
            return D.Gamma(lib.tensor([-1.0]), 1.0)
        if case == 'sample_outside':
            return D.Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-1.0]))
        if case == 'sample_event_shape':
            return D.MultivariateNormal(lib.zeros(3), lib.eye(3)).log_prob(lib.zeros(2))
        if case == 'sample_not_broadcastable':
            return D.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2))
        if case == 'sample_not_tensor':
            return D.Normal(lib.zeros(3), 1.0).log_prob(0.5)
        if case == 'categorical_value':
            return D.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor(3))
        if case == 'beta_value':
            return D.Beta(2.0, 2.0).log_prob(lib.tensor(1.5))
        if case == 'independent_ndims':
            return D.Independent(D.Normal(lib.zeros(3), 1.0), 2)
        if case == 'validate_off':
            return D.Normal(lib.zeros(2), lib.tensor([1.0, -1.0]), validate_args=False).log_prob(lib.zeros(2))
        if case == 'geometric_zero':
            return D.Geometric(probs=lib.tensor([0.0, 0.5]))
        if case == 'set_default_bad':
            return D.Distribution.set_default_validate_args(3)
    both(body)


def test_validation_message(both):
    both(lambda lib: lib.distributions.Normal(lib.zeros(2), lib.tensor([1.0, -1.0])),
         match=r'Expected parameter scale \(Tensor of shape \(2,\)\) of distribution Normal\(loc: '
               r'torch.Size\(\[2\]\), scale: torch.Size\(\[2\]\)\) to satisfy the constraint GreaterThan\('
               r'lower_bound=0.0\), but found invalid values')
    # (the message shows the parameter's repr: on the cuda axis it names its device)
    dev = '' if conformance.DEVICE[0] == 'cpu' else r", device='cuda:0'"
    both(lambda lib: lib.distributions.Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-1.0])),
         match=r'Expected value argument \(Tensor of shape \(1,\)\) to be within the support '
               r'\(GreaterThanEq\(lower_bound=0.0\)\) of the distribution Exponential\(rate: tensor\(\[1.\]'
               + dev + r'\)\)')


def test_set_default_validate_args(both):
    def body(lib):
        D = lib.distributions
        D.Distribution.set_default_validate_args(False)
        try:
            d = D.Normal(lib.zeros(1), lib.tensor([-1.0]))
            return d.scale, d.log_prob(lib.tensor([0.0]))
        finally:
            D.Distribution.set_default_validate_args(True)
    both(body)


# ---------------------------------------------------------------- sampling: statistics, gradients, seeds
N = 40000


def _stats(sample):
    s = np.asarray(sample.detach().numpy(), dtype=np.float64)
    return s.mean(0), s.var(0)


@pytest.mark.parametrize('make,mean,var', [
    (lambda D: D.Normal(ember.tensor([0.0, 3.0]), ember.tensor([1.0, 0.5])), [0.0, 3.0], [1.0, 0.25]),
    (lambda D: D.Uniform(ember.tensor([0.0, -2.0]), ember.tensor([1.0, 2.0])), [0.5, 0.0], [1 / 12, 16 / 12]),
    (lambda D: D.Exponential(ember.tensor([1.0, 4.0])), [1.0, 0.25], [1.0, 1 / 16]),
    (lambda D: D.Laplace(ember.tensor([1.0, 0.0]), ember.tensor([1.0, 2.0])), [1.0, 0.0], [2.0, 8.0]),
    (lambda D: D.Bernoulli(probs=ember.tensor([0.2, 0.7])), [0.2, 0.7], [0.16, 0.21]),
    (lambda D: D.Geometric(probs=ember.tensor([0.3, 0.8])), [7 / 3, 0.25], [(1 / 0.3 - 1) / 0.3, 0.3125]),
    (lambda D: D.Poisson(ember.tensor([0.5, 6.0])), [0.5, 6.0], [0.5, 6.0]),
    (lambda D: D.Binomial(10, probs=ember.tensor([0.2, 0.6])), [2.0, 6.0], [1.6, 2.4]),
    (lambda D: D.Gamma(ember.tensor([0.5, 3.0]), ember.tensor([1.0, 2.0])), [0.5, 1.5], [0.5, 0.75]),
    (lambda D: D.Beta(ember.tensor([0.5, 2.0]), ember.tensor([0.5, 5.0])), [0.5, 2 / 7], [1 / 8, 10 / 392]),
    (lambda D: D.LogNormal(ember.tensor([0.0]), ember.tensor([0.5])), [math.exp(0.125)],
     [(math.exp(0.25) - 1) * math.exp(0.25)]),
    (lambda D: D.Chi2(ember.tensor([3.0])), [3.0], [6.0]),
    (lambda D: D.StudentT(ember.tensor([10.0]), 1.0, 2.0), [1.0], [4 * 10 / 8]),
    (lambda D: D.Categorical(probs=ember.tensor([0.2, 0.3, 0.5])), [1.3], [0.61]),
    (lambda D: D.OneHotCategorical(probs=ember.tensor([0.2, 0.8])), [[0.2, 0.8]], [[0.16, 0.16]]),
    (lambda D: D.Dirichlet(ember.tensor([1.0, 2.0, 3.0])), [[1 / 6, 2 / 6, 3 / 6]],
     [[5 / 252, 8 / 252, 9 / 252]]),
])
def test_sample_statistics(make, mean, var):
    import ember.distributions as D
    ember.manual_seed(0)
    d = make(D)
    s = d.sample((N,))
    assert s.shape == (N,) + tuple(d.batch_shape) + tuple(d.event_shape)
    m, v = _stats(s)
    np.testing.assert_allclose(m.reshape(-1), np.ravel(mean), rtol=0.05, atol=0.02)
    np.testing.assert_allclose(v.reshape(-1), np.ravel(var), rtol=0.08, atol=0.02)


def test_mvn_sample_covariance():
    import ember.distributions as D
    ember.manual_seed(1)
    cov = np.array(_COV, dtype=np.float32)
    d = D.MultivariateNormal(ember.tensor([1.0, 0.0, -1.0]), covariance_matrix=ember.tensor(cov))
    s = d.sample((N,)).numpy().astype(np.float64)
    np.testing.assert_allclose(s.mean(0), [1.0, 0.0, -1.0], atol=0.03)
    np.testing.assert_allclose(np.cov(s.T), cov, atol=0.05)


def test_seeded_sampling_is_reproducible():
    import ember.distributions as D
    out = []
    for _ in range(2):
        ember.manual_seed(123)
        out.append([D.Normal(ember.zeros(3), 1.0).sample((2,)), D.Categorical(logits=ember.zeros(4)).sample((5,)),
                    D.Gamma(ember.ones(3), 1.0).sample(), D.Poisson(ember.ones(2)).sample()])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize('make,expect', [
    # d E[x] / d params, by reparameterization: loc + scale * eps
    (lambda D, p: D.Normal(p[0], p[1]), lambda p: [1.0, 0.0]),
    (lambda D, p: D.Uniform(p[0], p[1]), lambda p: [0.5, 0.5]),
    (lambda D, p: D.Laplace(p[0], p[1]), lambda p: [1.0, 0.0]),
    (lambda D, p: D.Exponential(p[1]), lambda p: [0.0, -1 / p[1] ** 2]),
    (lambda D, p: D.LogNormal(p[0], p[1] / 4), lambda p: [math.exp(p[0] + p[1] ** 2 / 32),
                                                           p[1] / 16 * math.exp(p[0] + p[1] ** 2 / 32)]),
    (lambda D, p: D.Gamma(p[1], 1.0), lambda p: [0.0, 1.0]),
    (lambda D, p: D.Gamma(p[1] - 1.5, 2.0), lambda p: [0.0, 0.5]),      # concentration < 1
    (lambda D, p: D.Beta(p[1], 1.0), lambda p: [0.0, 1 / (p[1] + 1) ** 2]),
])
def test_rsample_gradients(make, expect):
    import ember.distributions as D
    ember.manual_seed(2)
    p = [0.3, 2.0]
    a, b = ember.tensor(p[0], requires_grad=True), ember.tensor(p[1], requires_grad=True)
    d = make(D, [a, b])
    assert d.has_rsample
    x = d.rsample((N,))
    assert x.requires_grad
    x.mean().backward()
    got = [0.0 if a.grad is None else a.grad.item(), 0.0 if b.grad is None else b.grad.item()]
    np.testing.assert_allclose(got, expect(p), rtol=0.06, atol=0.02)


def test_rsample_multivariate_gradients():
    import ember.distributions as D
    loc = ember.tensor([1.0, 2.0], requires_grad=True)
    tril = ember.tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=tril).rsample((10,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [10.0, 10.0])
    assert tril.grad is not None and tril.grad.shape == (2, 2)
    conc = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    D.Dirichlet(conc).rsample((5,))[:, 0].sum().backward()
    assert conc.grad is not None and conc.grad.shape == (3,)


def test_sample_has_no_grad():
    import ember.distributions as D
    loc = ember.zeros(2, requires_grad=True)
    assert not D.Normal(loc, 1.0).sample().requires_grad
    assert D.Normal(loc, 1.0).rsample().requires_grad
    with pytest.raises(NotImplementedError):
        D.Bernoulli(probs=ember.tensor(0.5)).rsample()


def test_import_forms():
    import ember.distributions
    from ember.distributions import Normal
    assert ember.distributions.Normal is Normal
    import ember.distributions.constraints as C
    assert C.positive is ember.distributions.constraints.positive
