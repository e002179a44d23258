"""Conformance tests for the differences found by the probabilistic-programming scripts of
tests/scripts/real_probabilistic/ (tests/test_real_probabilistic_scripts.py)."""
import pytest


def test_gamma_cdf_is_regularized_lower_incomplete_gamma(both):
    # a Gamma-Poisson posterior's cdf (credible mass below a rate); Chi2 inherits it
    def body(lib):
        D = lib.distributions
        a = lib.tensor([2.0, 0.5, 30.0], requires_grad=True)
        g = D.Gamma(a, lib.tensor([1.0, 2.0, 0.5]))
        c = g.cdf(lib.tensor([1.5, 0.1, 60.0]))
        c.sum().backward()
        return c, a.grad, D.Chi2(lib.tensor([3.0, 4.0])).cdf(lib.tensor([2.0, 5.0])), D.Gamma(2.0, 1.0).cdf(lib.tensor(1.0))
    both(body)


def test_bernoulli_geometric_entropy_is_bce_with_logits(both):
    # printing a Bernoulli policy's entropy shows grad_fn=<BinaryCrossEntropyWithLogitsBackward0>
    def body(lib):
        D = lib.distributions
        p = lib.tensor([0.3, -0.2, 0.0, 25.0], requires_grad=True)
        b = D.Bernoulli(logits=p)
        h = b.entropy()
        lp = b.log_prob(lib.tensor([1.0, 0.0, 1.0, 0.0]))
        ge = D.Geometric(logits=p).entropy()
        (h.sum() + lp.sum() + ge.sum()).backward()
        return (h, type(h.grad_fn).__name__, lp, type(lp.grad_fn.next_functions[0][0]).__name__,
                ge, type(ge.grad_fn.next_functions[0][0]).__name__, p.grad)
    both(body)


def test_format_of_0d_parameter_is_its_str(both):
    # print(Normal(nn.Parameter(tensor(0.3)), 1.0)): the repr's f'{p}' of a 0-d Parameter is
    # 'Parameter containing:\ntensor(...)' (only a plain Tensor formats as its number), and a
    # format spec on it is a TypeError
    def body(lib):
        p = lib.nn.Parameter(lib.tensor(0.3))
        d = lib.distributions.Normal(p, p + 1.5)
        try:
            spec = f'{p:.3f}'
        except TypeError as e:
            spec = str(e)
        return repr(d), f'{p}', spec, f'{p.detach():.3f}', f'{p * 2:.2f}', f'{lib.tensor(3):d}'
    both(body)


@pytest.mark.parametrize('dt', ['float16', 'bfloat16'])
def test_reduced_float_times_number_in_float32(both, dt):
    # half-precision Normal.cdf divides by math.sqrt(2): torch's CPU kernel multiplies/divides a
    # float16/bfloat16 tensor by a number (or a 0-d wider tensor as the second operand) in float32
    # with the number's float32 value, rounding once; addcmul likewise
    def body(lib):
        x = lib.tensor([-1.3, -0.2, 0.4, 2.5, 7.77, 1000.3, 0.001, 3.3, 5.1, 9.9], dtype=getattr(lib, dt))
        s = 1.4142135623730951
        ts = lib.tensor(s)
        y = x.clone()
        y /= s
        return (x / s, s / x, x * s, s * x, x * ts, ts * x, x / ts, x * lib.tensor(s, dtype=lib.float64),
                x.clone().mul_(ts), x.clone().div_(ts), y, x + s, x - ts, lib.addcmul(x, x, x, value=0.1),
                lib.addcdiv(x, x, x + 20, value=0.3))
    both(body)


@pytest.mark.parametrize('dt', ['float16', 'bfloat16'])
def test_reduced_float_laplace_geometric_samples(both, dt):
    # Laplace draws like.new(shape).uniform_(finfo(dtype).eps - 1, 1) with bfloat16's own eps;
    # Geometric uniform_(tiny, 1); Normal.cdf in half precision
    def body(lib):
        lib.manual_seed(3)
        D = lib.distributions
        z = lib.zeros(6, dtype=getattr(lib, dt))
        return (D.Laplace(z, 1.0).sample(), D.Geometric(z + 0.3).sample(), D.Laplace(z, 2.0).rsample((2,)),
                D.Normal(z, 1.0).cdf(lib.linspace(-2, 2, 6).to(getattr(lib, dt))))
    both(body)


@pytest.mark.parametrize('dt', ['float16', 'bfloat16'])
def test_reduced_float_gamma_and_cholesky_raise_torch_errors(both, dt):
    def body(lib):
        D = lib.distributions
        t = getattr(lib, dt)
        out = []
        for f in (lambda: D.Gamma(lib.ones(2, dtype=t), 1.0).sample(), lambda: D.StudentT(lib.ones(2, dtype=t)).sample(),
                  lambda: D.MultivariateNormal(lib.zeros(2, dtype=t), lib.eye(2, dtype=t)),
                  lambda: lib.linalg.cholesky(lib.eye(2, dtype=t)), lambda: lib.linalg.inv(lib.eye(2, dtype=t)),
                  lambda: lib.linalg.solve(lib.eye(2, dtype=t), lib.eye(2, dtype=t)),
                  lambda: lib.linalg.eigh(lib.eye(2, dtype=t)), lambda: lib.linalg.qr(lib.eye(2, dtype=t))):
            try:
                f()
                out.append('ok')
            except (NotImplementedError, RuntimeError) as e:
                out.append((type(e).__name__, str(e)))
        return out
    both(body)


@pytest.mark.parametrize('dt', ['float16', 'bfloat16'])
def test_reduced_float_bce_with_logits_rounds_each_step(both, dt):
    # a half-precision Bernoulli's log_prob / entropy: torch's composite
    # (1 - t).mul_(x).sub_(log_sigmoid(x)) rounds each step to the dtype
    def body(lib):
        t = getattr(lib, dt)
        F = lib.nn.functional
        x = lib.tensor([-15.94, -0.85, 0.0, 0.3, 2.5, 15.94], dtype=t)
        y = lib.tensor([0.0, 0.3, 0.5, 1.0, 2.0, -1.0], dtype=t)
        D = lib.distributions
        b = D.Bernoulli(probs=lib.tensor([0.0, 0.3, 1.0], dtype=t))
        return (F.binary_cross_entropy_with_logits(x, y, reduction='none'),
                F.binary_cross_entropy_with_logits(x, y, pos_weight=lib.full((6,), 3.0, dtype=t), reduction='none'),
                F.binary_cross_entropy_with_logits(x, y), b.entropy(), b.log_prob(lib.zeros(3, dtype=t)),
                D.Geometric(lib.tensor([0.3, 1.0], dtype=t)).entropy(),
                D.ContinuousBernoulli(lib.tensor([0.2, 0.9], dtype=t)).log_prob(lib.zeros(2, dtype=t)))
    both(body)


@pytest.mark.parametrize('dt', ['float16', 'bfloat16'])
def test_reduced_float_logsumexp_and_xlogy_round_as_torch(both, dt):
    # a bfloat16 Poisson.log_prob (value.xlogy(rate): log rounded to the dtype before the product)
    # and a mixture's logsumexp ((x - max).exp_() summed in float32, .log_().add_(max), each step
    # rounded)
    def body(lib):
        t = getattr(lib, dt)
        D = lib.distributions
        v = lib.tensor([0.0, 3., 26., 5., 35., 1., 28.], dtype=t)
        r = lib.tensor([1.0, 3., 30., 3., 30., 3., 30.], dtype=t)
        x = lib.tensor([[-9.0, -1.53125], [-2.421875, -3.75], [-2.71875, -3.09375]], dtype=t)
        mix = D.MixtureSameFamily(D.Categorical(lib.tensor([0.3, 0.7], dtype=t)),
                                  D.Normal(lib.tensor([0.0, 3.0], dtype=t), lib.tensor([1.0, 1.0], dtype=t)))
        return (v.xlogy(r), lib.xlogy(2, r), lib.special.xlogy(v, 3.0), D.Poisson(r).log_prob(v),
                lib.logsumexp(x, -1), lib.logsumexp(x, 0, keepdim=True), lib.logsumexp(x, (0, 1)),
                lib.logsumexp(lib.tensor([float('-inf'), float('-inf')], dtype=t), 0),
                mix.log_prob(lib.tensor([3.7188, 0.7812, 1.0938], dtype=t)))
    both(body)


def test_xlogy_number_operand_node_and_float32_log(both):
    # a Poisson/Binomial log-likelihood written value.xlogy(rate) or xlogy(x, 2.0): a number other
    # is cast to the tensor's dtype before the log (float32 log), and the nodes are torch's
    # XlogyBackward1 (number self) / XlogyBackward2 (number other)
    def body(lib):
        x = lib.tensor([0.0, 1.0, 2.0, 3.7], requires_grad=True)
        a, b, c = lib.xlogy(x, 3.0), lib.xlogy(2, x + 1), lib.special.xlogy(x, x + 1)
        (a.sum() + b.sum() + c.sum()).backward()
        return (a, b, c, type(a.grad_fn).__name__, type(b.grad_fn).__name__, type(c.grad_fn).__name__,
                x.grad, lib.xlogy(lib.tensor([0, 2, 3]), 2.5), x.detach().xlogy(7))
    both(body)
