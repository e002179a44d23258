"""torch.X for functions of torch.nn.functional that torch also exports at the top level."""
import numpy as np
import pytest

from conformance import run_both


def _a(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


CASES = {
    'conv2d': lambda lib, t: lib.conv2d(t(_a(2, 3, 6, 6)), t(_a(4, 3, 3, 3, seed=1)), None, 1, 1),
    'conv1d': lambda lib, t: lib.conv1d(t(_a(2, 3, 7)), t(_a(4, 3, 2, seed=1)), t(_a(4, seed=2)), 2),
    'conv_transpose2d': lambda lib, t: lib.conv_transpose2d(t(_a(1, 2, 4, 4)), t(_a(2, 3, 3, 3, seed=1)), None, 2, 1),
    'max_pool2d': lambda lib, t: lib.max_pool2d(t(_a(1, 2, 6, 6)), 2),
    'max_pool1d': lambda lib, t: lib.max_pool1d(t(_a(1, 2, 7)), 3, 2),
    'avg_pool1d': lambda lib, t: lib.avg_pool1d(t(_a(1, 2, 7)), 2),
    'adaptive_avg_pool1d': lambda lib, t: lib.adaptive_avg_pool1d(t(_a(1, 2, 7)), 3),
    'pairwise_distance': lambda lib, t: lib.pairwise_distance(t(_a(3, 4)), t(_a(3, 4, seed=1)), 1.5),
    'cosine_similarity': lambda lib, t: lib.cosine_similarity(t(_a(3, 4)), t(_a(3, 4, seed=1)), 1),
    'pixel_shuffle': lambda lib, t: lib.pixel_shuffle(t(_a(1, 8, 2, 3)), 2),
    'pixel_unshuffle': lambda lib, t: lib.pixel_unshuffle(t(_a(1, 2, 4, 6)), 2),
    'channel_shuffle': lambda lib, t: lib.channel_shuffle(t(_a(1, 6, 2, 2)), 3),
    'prelu': lambda lib, t: lib.prelu(t(_a(2, 3, 4)), t(np.array([0.1, 0.2, 0.3], np.float32))),
    'selu': lambda lib, t: lib.selu(t(_a(5))),
    'celu': lambda lib, t: lib.celu(t(_a(5)), 0.5),
    'hardshrink': lambda lib, t: lib.hardshrink(t(_a(5)), 0.3),
    'threshold': lambda lib, t: lib.threshold(t(_a(5)), 0.1, 20.0),
    'layer_norm': lambda lib, t: lib.layer_norm(t(_a(2, 5)), [5], t(_a(5, seed=1)), None, 1e-3),
    'group_norm': lambda lib, t: lib.group_norm(t(_a(2, 4, 3)), 2, t(_a(4, seed=1)), t(_a(4, seed=2))),
    'rms_norm': lambda lib, t: lib.rms_norm(t(_a(2, 5)), [5]),
    'bilinear': lambda lib, t: lib.bilinear(t(_a(2, 3)), t(_a(2, 4, seed=1)), t(_a(5, 3, 4, seed=2)), None),
    'dropout_eval': lambda lib, t: lib.dropout(t(_a(5)), 0.5, False),
    'dropout_p1': lambda lib, t: lib.dropout(t(_a(5)), 1.0, True),
    'alpha_dropout_eval': lambda lib, t: lib.alpha_dropout(t(_a(5)), 0.2, False),
    'feature_alpha_dropout_eval': lambda lib, t: lib.feature_alpha_dropout(t(_a(2, 3, 2)), 0.2, False),
}


@pytest.mark.parametrize('name', list(CASES))
def test_top_level_functional(both, name):
    def body(lib):
        xs = []

        def t(a):
            x = lib.tensor(a, requires_grad=True)
            xs.append(x)
            return x
        out = CASES[name](lib, t)
        out.sum().backward()
        return out, [x.grad for x in xs]
    both(body, rtol=1e-5, atol=1e-5)


def test_aliases_are_the_functional_ones():
    import ember
    assert ember.conv2d is ember.nn.functional.conv2d
    assert 'pairwise_distance' in dir(ember)
    with pytest.raises(TypeError):
        ember.dropout(ember.ones(2), p=0.5)           # torch: train is required
    run_both(lambda lib: lib.dropout(lib.ones(3), 0.0, train=True))
