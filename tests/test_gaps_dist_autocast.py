"""LowRankMultivariateNormal, ContinuousBernoulli (and their KL pairs), torch's Dirichlet/Beta
reparameterized gradient (``_dirichlet_grad``), ``binomial`` on torch's stream, and the autocast
float32 list outside the pointwise ops, against torch.

Each test body runs with torch and with ember (the ``both`` harness, tests/conformance.py) and
compares values, dtypes, shapes, requires_grad flags, gradients and error types. ember's CPU
generator draws torch's numbers, so seeded samples (and, for Dirichlet/Beta, their per-sample
gradients) compare directly.
"""

import numpy as np
import pytest

from conformance import cpu_random_only


@pytest.fixture(autouse=True)
def _validation_on():
    """Both libraries validate by default; put both defaults back around each test."""
    torch = pytest.importorskip('torch')
    import ember
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


# ---------------------------------------------------------------- LowRankMultivariateNormal
def _lowrank_params(lib, dtype='float64', batch=False):
    dt = getattr(lib, dtype)
    loc = _t(lib, [[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]] if batch else [0.5, -1.0, 2.0], dtype=dt)
    W = _t(lib, [[1.0, 0.2], [-0.5, 0.7], [0.3, -1.1]], dtype=dt)
    D = _t(lib, [0.4, 1.5, 0.8], dtype=dt)
    return loc, W, D


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('batch', [False, True])
def test_lowrank_mvn_quantities_and_gradients(both, dtype, batch):
    def body(lib):
        loc, W, D = _lowrank_params(lib, dtype, batch)
        d = lib.distributions.LowRankMultivariateNormal(loc, W, D)
        x = lib.tensor([[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0], [0.0, 0.0, 0.0]], dtype=loc.dtype)
        xs = x.unsqueeze(1) if batch else x
        out = {'batch_shape': d.batch_shape, 'event_shape': d.event_shape,
               'mean': d.mean, 'mode': d.mode, 'variance': d.variance, 'stddev': d.stddev,
               'cov': d.covariance_matrix, 'prec': d.precision_matrix, 'tril': d.scale_tril,
               'cap': d._capacitance_tril, 'cov_factor': d.cov_factor, 'cov_diag': d.cov_diag}
        for name, q in (('log_prob', d.log_prob(xs)), ('entropy', d.entropy()),
                        ('prec_grad', d.precision_matrix), ('tril_grad', d.scale_tril)):
            out[name] = _grads(lib, q, [loc, W, D])
        e = d.expand((4,) + tuple(d.batch_shape))
        out['expand'] = (e.batch_shape, e.log_prob(xs.unsqueeze(1)).detach(), e.entropy().detach())
        return out
    rtol = 2e-5 if dtype == 'float32' else 1e-10
    both(body, rtol=rtol, atol=rtol)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_lowrank_mvn_rsample_matches_torch(both, dtype):
    cpu_random_only()

    def body(lib):
        loc, W, D = _lowrank_params(lib, dtype, batch=True)
        lib.manual_seed(11)
        d = lib.distributions.LowRankMultivariateNormal(loc, W, D)
        s = d.rsample((5,))
        return [s.shape, s.dtype] + _grads(lib, (s * s).sum(-1), [loc, W, D]) + [d.sample().shape, lib.rand(2)]
    rtol = 1e-5 if dtype == 'float32' else 1e-12
    both(body, rtol=rtol, atol=rtol)


@pytest.mark.parametrize('case', ['loc_0d', 'factor_1d', 'factor_rows', 'diag_len', 'batch_mismatch',
                                  'negative_diag', 'bad_value'])
def test_lowrank_mvn_errors(both, case):
    def body(lib):
        loc, W, D = _lowrank_params(lib, 'float64')
        D = D.detach()
        if case == 'loc_0d':
            return lib.distributions.LowRankMultivariateNormal(lib.tensor(1.0), W, D)
        if case == 'factor_1d':
            return lib.distributions.LowRankMultivariateNormal(loc, lib.ones(3), D)
        if case == 'factor_rows':
            return lib.distributions.LowRankMultivariateNormal(loc, lib.ones(2, 2, dtype=loc.dtype), D)
        if case == 'diag_len':
            return lib.distributions.LowRankMultivariateNormal(loc, W, lib.ones(2, dtype=loc.dtype))
        if case == 'batch_mismatch':
            return lib.distributions.LowRankMultivariateNormal(loc.expand(2, 3), W.expand(3, 3, 2), D)
        if case == 'negative_diag':
            return lib.distributions.LowRankMultivariateNormal(loc, W, -D)
        d = lib.distributions.LowRankMultivariateNormal(loc, W, D)
        return d.log_prob(lib.tensor([1.0, float('nan'), 2.0], dtype=loc.dtype))
    both(body)


# ---------------------------------------------------------------- KL: (LowRank)MVN pairs
def _mvn(lib, dtype, batch):
    dt = getattr(lib, dtype)
    loc = _t(lib, [[1.0, 0.0, -0.5], [0.2, 0.1, 0.0]] if batch else [1.0, 0.0, -0.5], dtype=dt)
    L = _t(lib, [[1.2, 0.0, 0.0], [0.3, 0.9, 0.0], [-0.4, 0.2, 1.5]], dtype=dt)
    return loc, L


@pytest.mark.parametrize('pair', ['lr_lr', 'lr_mvn', 'mvn_lr'])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('batch', [False, True])
def test_kl_lowrank_pairs(both, pair, dtype, batch):
    def body(lib):
        D = lib.distributions
        loc, W, Dg = _lowrank_params(lib, dtype, batch)
        loc2, L = _mvn(lib, dtype, not batch)
        W2 = _t(lib, [[0.3], [0.1], [-0.6]], dtype=loc.dtype)
        D2 = _t(lib, [1.0, 0.6, 2.0], dtype=loc.dtype)
        lr = D.LowRankMultivariateNormal(loc, W, Dg)
        mvn = D.MultivariateNormal(loc2, scale_tril=L)
        lr2 = D.LowRankMultivariateNormal(loc2, W2, D2)
        p, q = {'lr_lr': (lr, lr2), 'lr_mvn': (lr, mvn), 'mvn_lr': (mvn, lr2)}[pair]
        kl = D.kl_divergence(p, q)
        return _grads(lib, kl, [loc, W, Dg, loc2, L, W2, D2])
    rtol = 5e-5 if dtype == 'float32' else 1e-10
    both(body, rtol=rtol, atol=rtol)


@pytest.mark.parametrize('pair', ['lr_lr', 'lr_mvn', 'mvn_lr'])
def test_kl_lowrank_event_shape_mismatch(both, pair):
    def body(lib):
        D = lib.distributions
        lr3 = D.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3))
        lr2 = D.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(2))
        m2 = D.MultivariateNormal(lib.zeros(2), scale_tril=lib.eye(2))
        p, q = {'lr_lr': (lr3, lr2), 'lr_mvn': (lr3, m2), 'mvn_lr': (m2, lr3)}[pair]
        return D.kl_divergence(p, q)
    both(body)


def test_kl_lowrank_equals_full_mvn(both):
    """The low-rank KL agrees with the full-covariance KL of the same Gaussians (in both libraries)."""
    def body(lib):
        D = lib.distributions
        loc, W, Dg = _lowrank_params(lib, 'float64')
        lr = D.LowRankMultivariateNormal(loc, W, Dg)
        full = D.MultivariateNormal(loc, covariance_matrix=lr.covariance_matrix)
        q = D.MultivariateNormal(lib.zeros(3, dtype=loc.dtype), covariance_matrix=2 * lib.eye(3, dtype=loc.dtype))
        return D.kl_divergence(lr, q), D.kl_divergence(full, q), lr.log_prob(loc) - full.log_prob(loc)
    both(body, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- ContinuousBernoulli
CB_PROBS = [0.02, 0.3, 0.4995, 0.5, 0.5005, 0.7, 0.999]


@pytest.mark.parametrize('param', ['probs', 'logits'])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_continuous_bernoulli_quantities_and_gradients(both, param, dtype):
    def body(lib):
        dt = getattr(lib, dtype)
        p = _t(lib, CB_PROBS, dtype=dt)
        arg = p if param == 'probs' else _t(lib, [-4.0, -0.8, -0.002, 0.0, 0.002, 0.8, 6.0], dtype=dt)
        d = lib.distributions.ContinuousBernoulli(**{param: arg})
        v = lib.tensor([0.0, 0.1, 0.5, 0.9, 1.0, 0.25, 0.75], dtype=dt)
        out = {'batch_shape': d.batch_shape, 'support': (d.support.lower_bound, d.support.upper_bound)}
        for name, q in (('mean', d.mean), ('variance', d.variance), ('stddev', d.stddev),
                        ('log_prob', d.log_prob(v)), ('cdf', d.cdf(v)), ('icdf', d.icdf(v)),
                        ('entropy', d.entropy()), ('log_norm', d._cont_bern_log_norm()),
                        ('log_normalizer', d._log_normalizer(d.logits)), ('probs', d.probs), ('logits', d.logits)):
            out[name] = _grads(lib, q, [arg])
        e = d.expand((2, 7))
        out['expand'] = (e.batch_shape, e.mean.detach(), e._lims)
        return out
    rtol = 2e-5 if dtype == 'float32' else 1e-10
    both(body, rtol=rtol, atol=rtol)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_continuous_bernoulli_rsample_matches_torch(both, dtype):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(4)
        p = _t(lib, CB_PROBS, dtype=getattr(lib, dtype))
        d = lib.distributions.ContinuousBernoulli(p)
        r = d.rsample((3,))
        s = d.sample((2,))
        return _grads(lib, r, [p]) + [s, s.requires_grad, lib.rand(2)]
    rtol = 2e-5 if dtype == 'float32' else 1e-10
    both(body, rtol=rtol, atol=rtol)


def test_continuous_bernoulli_number_param(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(6)
        d = lib.distributions.ContinuousBernoulli(0.2)
        s = d.sample((2,))
        return d.batch_shape, s, d.mean, d.log_prob(s), lib.rand(2)
    both(body, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize('case', ['both', 'neither', 'bad_probs_validated', 'bad_value', 'list'])
def test_continuous_bernoulli_errors(both, case):
    def body(lib):
        CB = lib.distributions.ContinuousBernoulli
        if case == 'both':
            return CB(probs=lib.tensor([0.3]), logits=lib.tensor([0.1]))
        if case == 'neither':
            return CB()
        if case == 'bad_probs_validated':
            return CB(lib.tensor([0.3, 1.5]), validate_args=True)
        if case == 'bad_value':
            return CB(lib.tensor([0.3])).log_prob(lib.tensor([1.5]))
        return CB([0.3])
    both(body)


@pytest.mark.parametrize('pair', ['cb_cb', 'beta_cb', 'cb_exp', 'cb_normal', 'cb_uniform', 'cb_uniform_inside',
                                  'exp_cb', 'gamma_cb', 'gumbel_cb', 'laplace_cb', 'normal_cb', 'uniform_cb',
                                  'uniform_cb_outside'])
def test_kl_continuous_bernoulli_pairs(both, pair):
    def body(lib):
        D = lib.distributions
        p = _t(lib, [0.1, 0.4999, 0.8])
        q = _t(lib, [0.6, 0.3, 0.5001])
        a = _t(lib, [0.5, 2.0, 3.0])
        b = _t(lib, [1.5, 0.7, 2.0])
        cb, cb2 = D.ContinuousBernoulli(p), D.ContinuousBernoulli(q)
        dists = {
            'cb_cb': (cb, cb2), 'beta_cb': (D.Beta(a, b), cb), 'cb_exp': (cb, D.Exponential(a)),
            'cb_normal': (cb, D.Normal(a, b)), 'cb_uniform': (cb, D.Uniform(-a, 1 + b)),
            'cb_uniform_inside': (cb, D.Uniform(lib.tensor([0.2, 0.0, -1.0]), lib.tensor([2.0, 0.9, 3.0]))),
            'exp_cb': (D.Exponential(a), cb), 'gamma_cb': (D.Gamma(a, b), cb),
            'gumbel_cb': (D.Gumbel(a, b), cb), 'laplace_cb': (D.Laplace(a, b), cb),
            'normal_cb': (D.Normal(a, b), cb),
            'uniform_cb': (D.Uniform(lib.tensor([0.1, 0.2, 0.3]), lib.tensor([0.5, 0.9, 0.95])), cb),
            'uniform_cb_outside': (D.Uniform(lib.tensor([0.0, -0.2, 0.3]), lib.tensor([0.5, 0.9, 1.0])), cb)}
        P, Q = dists[pair]
        kl = D.kl_divergence(P, Q)
        params = [t for t in (p, q, a, b)]
        if not kl.requires_grad:
            return kl
        return _grads(lib, kl.masked_fill(~kl.isfinite(), 0.0), params)
    both(body, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- _dirichlet_grad
def _dg_grid(dtype):
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(-4, 4, 4000))
    b = np.exp(rng.uniform(-4, 4, 4000))
    x = np.clip(rng.beta(a, b), 1e-30, 1 - 1e-7)
    extra = np.array([[0.5, 2.0, 3.0], [0.5, 7.0, 14.0], [0.45, 30.0, 70.0], [0.999, 40.0, 40.04],
                      [1e-3, 0.1, 2.0], [0.2, 7.5, 20.0], [0.6, 1.0, 2.5]])
    return [np.concatenate([v, extra[:, i]]).astype(dtype) for i, v in enumerate((x, a, a + b))]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_dirichlet_grad_matches_torch(both, dtype):
    """Every region of ATen's dirichlet_grad_one (near 0, near 1, the saddle point for large
    alpha and beta, the rational correction) over a spread of (x, alpha, total)."""
    x, a, t = _dg_grid(dtype)

    def body(lib):
        X, A, T = (lib.tensor(v) for v in (x, a, t))
        g = lib._dirichlet_grad(X, A, T)
        bc = lib._dirichlet_grad(X[:6].reshape(2, 3), A[:3], lib.tensor(40.0, dtype=X.dtype))   # broadcasting
        return g, bc
    rtol = 1e-6 if dtype == 'float32' else 1e-10
    both(body, rtol=rtol, atol=0)


@pytest.mark.parametrize('case', ['dtype_mismatch', 'half', 'int', 'not_tensor', 'grad_fn'])
def test_dirichlet_grad_errors(both, case):
    def body(lib):
        x, a, t = lib.tensor([0.3, 0.7]), lib.tensor([1.0, 2.0]), lib.tensor([3.0, 3.0])
        if case == 'dtype_mismatch':
            return lib._dirichlet_grad(x.double(), a, t)
        if case == 'half':
            return lib._dirichlet_grad(x.half(), a.half(), t.half())
        if case == 'int':
            return lib._dirichlet_grad(x.long(), a.long(), t.long())
        if case == 'not_tensor':
            return lib._dirichlet_grad([0.3], a, t)
        g = lib._dirichlet_grad(x, a.requires_grad_(), t)
        return g, g.requires_grad
    both(body)


# ---------------------------------------------------------------- Dirichlet / Beta rsample gradients
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_dirichlet_rsample_values_and_gradients_match_torch(both, dtype):
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(3)
        c = _t(lib, [[0.3, 2.0, 7.5], [0.05, 1.0, 40.0]], dtype=dt)
        d = lib.distributions.Dirichlet(c)
        x = d.rsample((50,))
        w = lib.arange(3, dtype=dt) + 1
        y = (x * w + x.pow(2)).sum(-1)
        gx, = lib.autograd.grad(y.sum(), [c])
        return x.detach(), type(x.grad_fn).__name__, gx, lib.rand(2)
    rtol = 1e-5 if dtype == 'float32' else 1e-11
    both(body, rtol=rtol, atol=rtol)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_beta_rsample_values_and_gradients_match_torch(both, dtype):
    cpu_random_only()

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(8)
        a = _t(lib, [0.5, 3.0, 9.0, 0.1, 60.0], dtype=dt)
        b = _t(lib, [2.0, 0.2, 9.0, 0.1, 80.0], dtype=dt)
        s = lib.distributions.Beta(a, b).rsample((40,))
        per_sample = [lib.autograd.grad(s[i, j], [a, b], retain_graph=True) for i, j in ((0, 0), (3, 1), (7, 4))]
        ga, gb = lib.autograd.grad((s ** 2).sum(), [a, b])
        scalar = lib.distributions.Beta(2.0, 3.0)
        return s.detach(), per_sample, ga, gb, scalar.rsample((3,)), scalar.batch_shape
    rtol = 1e-5 if dtype == 'float32' else 1e-11
    both(body, rtol=rtol, atol=rtol)


def test_dirichlet_rsample_expanded_and_double_backward(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(1)
        c = _t(lib, [1.5, 0.5, 4.0])
        d = lib.distributions.Dirichlet(c).expand((4,))
        x = d.rsample((2,))
        g, = lib.autograd.grad(x[..., 0].sum(), [c], create_graph=True)
        try:
            g.sum().backward()
            second = 'ok'
        except RuntimeError:
            second = 'RuntimeError'
        return x.detach(), g.detach(), second
    both(body, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- binomial
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_binomial_matches_torch_stream(both, dtype):
    cpu_random_only()
    rng = np.random.default_rng(1)
    n = np.concatenate([rng.integers(0, 200, 150).astype(float), [0, 5, 1e4, 1e6, 37, 1000, 3, 100, 20, 50]])
    p = np.concatenate([rng.uniform(0, 1, 150), [0.5, 1.0, 0.3, 0.999, 0.5, 0.01, 0.0, 0.9, 0.5, 0.2]])
    p[:30] = np.round(p[:30], 1)

    def body(lib):
        dt = getattr(lib, dtype)
        lib.manual_seed(5)
        a = lib.binomial(lib.tensor(n, dtype=dt).expand(2, -1), lib.tensor(p, dtype=dt))
        b = lib.binomial(lib.tensor([[10.0, 40.0], [300.0, 7.0]], dtype=dt).t(), lib.tensor([0.5], dtype=dt))
        return a, b, lib.rand(3)
    both(body, rtol=0, atol=0)


def test_binomial_distribution_sample_matches_torch(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(9)
        d = lib.distributions.Binomial(lib.tensor([5.0, 30.0, 200.0]), probs=lib.tensor([0.3, 0.6, 0.95]))
        s = d.sample((4,))
        d2 = lib.distributions.Binomial(20, logits=lib.tensor([-1.0, 2.0], dtype=lib.float64))
        return s, d2.sample((3,)), lib.rand(2)
    both(body, rtol=0, atol=0)


@pytest.mark.parametrize('case', ['long_count', 'dtype_mismatch', 'half', 'nan_prob', 'grad', 'generator'])
def test_binomial_edge_cases(both, case):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(2)
        c, p = lib.tensor([10.0, 20.0]), lib.tensor([0.5, 0.2])
        if case == 'long_count':
            return lib.binomial(c.long(), p)
        if case == 'dtype_mismatch':
            return lib.binomial(c.double(), p)
        if case == 'half':
            return lib.binomial(c.half(), p.half())
        if case == 'nan_prob':
            return lib.binomial(lib.tensor([5.0, 5.0, 0.0]), lib.tensor([float('nan'), -0.5, 0.5]))
        if case == 'grad':
            s = lib.binomial(c.requires_grad_(), p)
            return s, s.requires_grad
        g = lib.Generator().manual_seed(4)
        return lib.binomial(c, p, generator=g), lib.rand(2)
    both(body, rtol=0, atol=0)


# ---------------------------------------------------------------- autocast: the float32 list
AUTOCAST_OPS = {
    'cdist': lambda lib, x: lib.cdist(x, x),
    'cdist_mixed': lambda lib, x: lib.cdist(x.float(), x),
    'prod': lambda lib, x: lib.prod(x),
    'prod_dim': lambda lib, x: x.prod(1, keepdim=True),
    'prod_dtype': lambda lib, x: lib.prod(x, dtype=lib.float16),
    'prod_dtype64': lambda lib, x: lib.prod(x, 1, dtype=lib.float64),
    'cumsum': lambda lib, x: lib.cumsum(x, 1),
    'cumsum_method': lambda lib, x: x.cumsum(0),
    'cumprod': lambda lib, x: lib.cumprod(x, 1),
    'logsumexp': lambda lib, x: lib.logsumexp(x, 1),
    'norm': lambda lib, x: lib.norm(x),
    'norm_method': lambda lib, x: x.norm(1, dim=1),
    'vector_norm': lambda lib, x: lib.linalg.vector_norm(x),
    'linalg_norm': lambda lib, x: lib.linalg.norm(x, dim=1),
    'layer_norm': lambda lib, x: lib.nn.functional.layer_norm(x, (5,)),
    'layer_norm_affine': lambda lib, x: lib.nn.functional.layer_norm(x, (5,), lib.ones(5, dtype=lib.float16)),
    'group_norm': lambda lib, x: lib.nn.functional.group_norm(x.reshape(2, 2, 5), 2),
    'softmax': lambda lib, x: lib.nn.functional.softmax(x, 1),
    'softmax_torch': lambda lib, x: lib.softmax(x, -1),
    'softmax_method': lambda lib, x: x.softmax(1),
    'softmax_dtype': lambda lib, x: lib.nn.functional.softmax(x, 1, dtype=lib.float64),
    'log_softmax': lambda lib, x: lib.nn.functional.log_softmax(x, 1),
    'log_softmax_method': lambda lib, x: x.log_softmax(0),
}


@pytest.mark.parametrize('region', ['float16', 'default', 'disabled'])
@pytest.mark.parametrize('op', sorted(AUTOCAST_OPS))
def test_autocast_float32_list(both, op, region):
    """Inside an enabled CPU autocast region, float16 inputs of cdist and prod run in float32
    (torch's CPU list); the others keep float16, as torch's CPU autocast does."""
    import warnings
    import conformance
    if conformance.DEVICE[0] != 'cpu':
        pytest.skip("a CPU autocast region leaves CUDA tensors alone (torch's CPU run is the reference here)")

    def body(lib):
        x = ((lib.arange(20, dtype=lib.float32).reshape(4, 5) % 7) / 5 + 0.5).to(lib.float16).requires_grad_()
        kw = {'float16': dict(dtype=lib.float16), 'default': {}, 'disabled': dict(dtype=lib.float16, enabled=False)}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with lib.autocast('cpu', **kw[region]):
                y = AUTOCAST_OPS[op](lib, x)
        w = lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape) / y.numel() + 0.5
        g, = lib.autograd.grad((y.float() * w).sum(), [x])
        if 'norm' in op and '_' in op and y.dtype == lib.float16 and op.split('_')[0] in ('layer', 'group'):
            return y.dtype, y.float().detach(), g.dtype      # (float16 backward of the norms: rounding differs)
        return y.dtype, y.float().detach(), g.dtype, g.float()
    both(body, rtol=2e-3, atol=2e-3)


def test_autocast_cpu_region_leaves_other_ops_and_float32_alone(both):
    def body(lib):
        x = lib.rand(3, 4)
        with lib.autocast('cpu', dtype=lib.float16):
            return (lib.prod(x).dtype, lib.cdist(x, x).dtype, lib.prod(lib.tensor([2, 3])).dtype,
                    lib.prod(x.double()).dtype, x.half().sum().dtype, x.half().mean().dtype)
    both(body)
