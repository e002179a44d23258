"""Conformance tests for the differences found by the real RL / graph / tabular / probabilistic
scripts (tests/scripts/real_rl_graph/, tests/test_real_rl_graph_scripts.py)."""
import numpy as np
import pytest

from conformance import cpu_random_only


def test_setitem_drops_the_values_leading_size_one_dims(both):
    # PPO rollout buffers: dones[step] = next_done, with next_done = torch.Tensor([float(d)])
    def body(lib):
        dones = lib.zeros(4)
        dones[1] = lib.Tensor([1.0])
        obs = lib.zeros(3, 2)
        obs[0] = lib.ones(1, 1, 2)
        obs[lib.tensor([1, 2])] = lib.full((1, 1, 2), 3.0)
        w = lib.ones(1, requires_grad=True)
        x = lib.zeros(3).clone()
        x[2] = w * 2
        x.sum().backward()
        return dones, obs, x, w.grad
    both(body)


def test_setitem_stripped_value_still_has_to_fit(both):
    def body(lib):
        x = lib.zeros(3)
        x[0:2] = lib.ones(1, 3)
    both(body)


def test_copyslices_prints_its_short_name(both):
    # DQN targets: targets = q.clone(); targets[0] = ...; print(targets)
    def body(lib):
        q = lib.ones(2, 2, requires_grad=True) * 1
        t = q.clone()
        t[0] = lib.tensor([2.0, 3.0])
        return repr(t), t.grad_fn.name()
    both(body)


def test_object_array_error_names_numpy_scalar_type(both):
    # torch.tensor(pd.get_dummies(df).values): an object array of bools, ints and floats
    def body(lib):
        errors = []
        for arr in (np.array([1, True, 0.5], dtype=object), np.array(['a', 'b'])):
            for fn in (lib.tensor, lib.from_numpy):
                try:
                    fn(arr)
                except TypeError as e:
                    errors.append(str(e))
        return errors
    both(body)


@pytest.mark.parametrize('reduce', ['prod', 'mean', 'amax', 'amin'])
def test_index_reduce(both, reduce):
    # graph readout: torch.zeros(B, F).index_reduce_(0, batch, h, 'amax', include_self=False)
    def body(lib):
        h = lib.tensor([[1., -2., 3.], [4., 5., -6.], [0.5, 2., 1.], [-1., 0., 2.]], requires_grad=True)
        batch = lib.tensor([0, 0, 1, 1])
        a = lib.ones(2, 3).index_reduce(0, batch, h, reduce)
        b = lib.zeros(2, 3).index_reduce_(0, batch, h.detach(), reduce, include_self=False)
        c = lib.index_reduce(lib.ones(3, 2), 1, lib.tensor([1, 1]), h[:3, :2], reduce, include_self=False)
        (a.sum() + c.sum()).backward()
        return a, b, c, h.grad, a.grad_fn.name()
    both(body)


def test_index_reduce_errors(both):
    both(lambda lib: lib.zeros(3).index_reduce_(0, lib.tensor([0]), lib.ones(1), 'sum'))
    both(lambda lib: lib.zeros(3).index_reduce_(0, lib.tensor([5]), lib.ones(1), 'amax'))
    both(lambda lib: lib.zeros(3, 2).index_reduce_(0, lib.tensor([0, 1]), lib.ones(2, 3), 'amax'))


def test_index_reduce_int_mean(both):
    both(lambda lib: (lib.zeros(3, dtype=lib.long).index_reduce_(0, lib.tensor([0, 0]), lib.tensor([1, 2]), 'mean'),
                      lib.zeros(3, dtype=lib.long).index_reduce_(0, lib.tensor([0, 0]), lib.tensor([1, 2]), 'mean',
                                                                 include_self=False)))


def test_mixture_same_family(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(0)
        mix = D.MixtureSameFamily(D.Categorical(logits=lib.tensor([0.1, 0.5, -0.2])),
                                  D.Independent(D.Normal(lib.tensor([[0., 1.], [2., -1.], [-2., 0.5]]),
                                                         lib.tensor([[1., .5], [.3, 1.], [2., 1.]])), 1))
        x = lib.tensor([[0.3, 0.2], [1.5, -0.5]])
        one = D.MixtureSameFamily(D.Categorical(lib.ones(2, 3)), D.Normal(lib.zeros(2, 3), lib.ones(2, 3)))
        return (repr(mix), mix.batch_shape, mix.event_shape, mix.log_prob(x), mix.mean, mix.variance,
                mix.sample((4,)), one.cdf(lib.tensor([0.5, -0.5])), one.expand((3, 2)).batch_shape,
                one.sample().shape)
    both(body)


def test_mixture_same_family_checks(both):
    D = lambda lib: lib.distributions     # noqa: E731
    both(lambda lib: D(lib).MixtureSameFamily(D(lib).Categorical(lib.ones(2)), D(lib).Normal(lib.zeros(3), 1.0)))
    both(lambda lib: D(lib).MixtureSameFamily(D(lib).Normal(0.0, 1.0), D(lib).Normal(lib.zeros(3), 1.0)))


def test_gumbel(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(1)
        g = D.Gumbel(lib.zeros(3), lib.tensor([1.0, 2.0, 0.5]))
        g2 = D.Gumbel(0.0, 1.0)
        v = lib.tensor([0.1, -0.5, 2.0])
        return (repr(g), g.sample(), g.rsample((2,)), g.log_prob(v), g.mean, g.mode, g.stddev, g.variance,
                g.entropy(), g2.sample((3,)), g2.log_prob(lib.tensor(0.5)), g2.expand((2,)).sample(), g.cdf(v))
    both(body)


def test_half_normal(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(2)
        s = lib.tensor([1.0, 2.0], requires_grad=True)
        h = D.HalfNormal(s)
        h.rsample().sum().backward()
        v = lib.tensor([0.5, 1.5])
        return (repr(h), h.sample((2,)), h.log_prob(v), h.mean, h.mode, h.variance, h.entropy(), h.cdf(v),
                h.icdf(lib.tensor([0.3, 0.9])), s.grad, D.HalfNormal(1.0).log_prob(lib.tensor(0.2)),
                D.transforms.AbsTransform()(lib.tensor([-1.0, 2.0])), h.expand((3, 2)).batch_shape)
    both(body)


def test_half_normal_validates(both):
    both(lambda lib: lib.distributions.HalfNormal(lib.tensor([1.0, -1.0])))
    both(lambda lib: lib.distributions.HalfNormal(1.0).log_prob(lib.tensor(-0.5)))


def test_multinomial(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(3)
        m = D.Multinomial(10, probs=lib.tensor([0.2, 0.3, 0.5]))
        m2 = D.Multinomial(5, logits=lib.tensor([[0.1, -1.0, 0.5, 2.0], [0., 0., 0., 0.]]))
        s = m2.sample((3,))
        return (repr(m), m.sample(), m.sample((2,)), m.log_prob(lib.tensor([2., 3., 5.])), m.mean, m.variance,
                m.entropy(), s, m2.log_prob(s), m2.batch_shape, m2.event_shape, m2.entropy(),
                m2.expand((3, 2)).sample().shape, D.Multinomial(probs=lib.tensor([0.5, 0.5])).sample((4,)))
    both(body)


def test_multinomial_validates_counts(both):
    both(lambda lib: lib.distributions.Multinomial(3, probs=lib.tensor([0.5, 0.5])).log_prob(lib.tensor([1., 1.])))
    both(lambda lib: lib.distributions.Multinomial(lib.tensor(3), probs=lib.tensor([0.5, 0.5])))


def test_relaxed_one_hot_categorical_and_bernoulli(both):
    cpu_random_only()

    def body(lib):
        D = lib.distributions
        lib.manual_seed(4)
        lg = lib.tensor([[0.1, 1.0, -0.5], [0., 0., 0.]], requires_grad=True)
        r = D.RelaxedOneHotCategorical(lib.tensor(0.5), logits=lg)
        y = r.rsample()
        y[:, 0].sum().backward()
        rb = D.RelaxedBernoulli(lib.tensor(0.3), probs=lib.tensor([0.2, 0.9]))
        z = rb.rsample((3,))
        return (y.detach(), r.log_prob(y).detach(), r.temperature, r.probs.detach(), r.batch_shape, r.event_shape,
                r.sample((2,)).shape, lg.grad, z, rb.log_prob(z), rb.logits, rb.expand((4, 2)).sample().shape)
    both(body, rtol=1e-5)


def test_foreach_polyak_updates(both):
    # torchrl / SB3 soft target updates: torch._foreach_lerp_, _foreach_mul_ + _foreach_add_(alpha=)
    def body(lib):
        target = [lib.ones(2, 3), lib.zeros(3)]
        online = [lib.full((2, 3), 3.0), lib.tensor([1.0, -2.0, 4.0])]
        r1 = lib._foreach_lerp_(target, online, 0.25)
        a = [t.clone() for t in target]
        lib._foreach_mul_(target, 0.9)
        lib._foreach_add_(target, online, alpha=0.1)
        lib._foreach_add_(target, [1.0, 2.0])
        out = (lib._foreach_sub(online, target), lib._foreach_mul(target, lib.tensor(2.0)),
               lib._foreach_norm(target), lib._foreach_sqrt(lib._foreach_abs(target)),
               lib._foreach_addcmul(target, online, online, value=0.5), lib._foreach_maximum(target, online),
               lib._foreach_clamp_min(target, 0.5), lib._foreach_max(target))
        lib._foreach_maximum_(target, online)
        r2 = lib._foreach_zero_([lib.ones(2)])
        return r1 is target, a, target, out, r2, type(lib._foreach_exp_((lib.zeros(1),))).__name__
    both(body)


def test_foreach_list_checks(both):
    both(lambda lib: lib._foreach_add_([lib.ones(2), lib.ones(3)], [lib.ones(2)]))
    both(lambda lib: lib._foreach_mul_([], 2.0))


def test_ragged_numpy_rows_and_strings_in_tensor_data(both):
    # a replay batch with one truncated observation; action names where numbers were expected
    both(lambda lib: lib.tensor([np.zeros(4, dtype=np.float32), np.zeros(3, dtype=np.float32)]))
    both(lambda lib: lib.tensor([[1.0, 2.0], np.array([3.0])]))
    both(lambda lib: lib.tensor([np.ones((2, 1)), np.ones((1, 2))]))
    both(lambda lib: lib.tensor(['left', 'right']), match="too many dimensions 'str'")
    both(lambda lib: lib.tensor([['a']]), match="too many dimensions 'str'")
    both(lambda lib: lib.tensor([1, 'a']), match='invalid data type')


@pytest.mark.parametrize('which', ['transform_to', 'biject_to'])
def test_constraint_registry(both, which):
    # constrained parameters through unconstrained ones: transform_to(Normal.arg_constraints['scale'])(raw)
    def body(lib):
        D = lib.distributions
        C = D.constraints
        reg = getattr(D, which)
        x = lib.tensor([[0.3, -1.2, 2.0], [0.0, 0.5, -0.7]], requires_grad=True)
        out = []
        for c in [C.positive, C.nonnegative, C.real, C.real_vector, C.greater_than(2.), C.less_than(1.),
                  C.unit_interval, C.interval(-1., 3.), C.half_open_interval(0., 2.), C.simplex,
                  C.independent(C.positive, 1), D.Normal.arg_constraints['scale']]:
            t = reg(c)
            y = t(x)
            out.append((repr(t), y, t.inv(y), t.log_abs_det_jacobian(x, y) if t.bijective else None,
                        t.forward_shape((2, 3)), t.domain.event_dim, t.codomain.event_dim))
        out[-3][1].sum().backward()
        return out, x.grad
    both(body, rtol=1e-5)


def test_constraint_registry_unregistered(both):
    both(lambda lib: lib.distributions.transform_to(lib.distributions.constraints.boolean))
    both(lambda lib: lib.distributions.biject_to(lib.distributions.constraints.lower_triangular))


def test_stick_breaking_transformed_distribution(both):
    def body(lib):
        D = lib.distributions
        td = D.TransformedDistribution(D.Normal(lib.zeros(3), 1.0), [D.transforms.StickBreakingTransform()])
        return td.batch_shape, td.event_shape, td.log_prob(lib.tensor([0.2, 0.3, 0.1, 0.4]))
    both(body)


def test_bernoulli_log_prob_of_integer_labels_is_torchs_error(both):
    # Bernoulli(logits).log_prob(torch.from_numpy(df['y'].values)): torch's BCE-with-logits refuses int64
    both(lambda lib: lib.distributions.Bernoulli(logits=lib.zeros(3)).log_prob(lib.tensor([1, 0, 1])),
         match="can't be cast to the desired output type Long")
    both(lambda lib: lib.distributions.Bernoulli(probs=lib.full((2,), 0.3)).log_prob(
        lib.tensor([1, 0], dtype=lib.int32)))
    both(lambda lib: lib.distributions.Bernoulli(logits=lib.tensor([0.3, -2.0])).log_prob(lib.tensor([1.0, 0.0])))
