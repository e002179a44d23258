"""Conformance tests for the differences found by the real NLP/tensor scripts
(tests/scripts/real_nlp/, tests/test_real_nlp_scripts.py)."""
import pytest

from conformance import cpu_random_only


def test_single_element_augmented_assignment(both):
    # makemore: N[stoi[ch1], stoi[ch2]] += 1 on an int32 count matrix
    def body(lib):
        N = lib.zeros((3, 3), dtype=lib.int32)
        for a, b in [(0, 1), (1, 2), (0, 1), (2, 2)]:
            N[a, b] += 1
        x = lib.zeros(4)
        x[2] *= 3
        x[1] += x[1]
        return N, x
    both(body)


@pytest.mark.parametrize('name', ['sum', 'mean', 'amax', 'max', 'std', 'var', 'prod', 'logsumexp', 'all', 'any',
                                  'argmax', 'nansum', 'median', 'min', 'amin'])
def test_numpy_keepdims_and_axis(both, name):
    def body(lib):
        x = lib.tensor([[1.0, 5.0, 2.0], [4.0, 0.5, 3.0]])
        return (getattr(x, name)(dim=1, keepdims=True), getattr(lib, name)(x, axis=0),
                getattr(x, name)(axis=1, keepdims=True))
    both(body)


def test_numpy_axis_for_dim_functions(both):
    def body(lib):
        x = lib.arange(6.0).view(2, 3)
        return (lib.cat([x, x], axis=1), lib.stack([x, x], axis=0), x.softmax(axis=1), x.cumsum(axis=0),
                lib.softmax(x, axis=0), x.sum(axis=(0, 1)), lib.count_nonzero(x, axis=0))
    both(body)


def test_numpy_axis_and_dim_together_is_an_error(both):
    both(lambda lib: lib.ones(2, 2).sum(dim=0, axis=1))


@pytest.mark.parametrize('dt', ['float32', 'float16', 'float64', None])
def test_finfo(both, dt):
    def body(lib):
        f = lib.finfo(getattr(lib, dt)) if dt else lib.finfo()
        return (f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype, repr(f), str(f),
                f == lib.finfo(getattr(lib, dt or 'float32')))
    both(body)


@pytest.mark.parametrize('dt', ['int8', 'uint8', 'int16', 'int32', 'int64'])
def test_iinfo(both, dt):
    def body(lib):
        i = lib.iinfo(getattr(lib, dt))
        return i.bits, i.min, i.max, i.dtype, repr(i)
    both(body)


@pytest.mark.parametrize('call', ['iinfo_float', 'finfo_int', 'iinfo_bool'])
def test_finfo_iinfo_errors(both, call):
    def body(lib):
        if call == 'iinfo_float':
            return lib.iinfo(lib.float32)
        if call == 'finfo_int':
            return lib.finfo(lib.int32)
        return lib.iinfo(lib.bool)
    _, e = both(body)
    assert 'torch.' in str(e)


def test_finfo_min_as_mask_value(both):
    def body(lib):
        s = lib.tensor([[1.0, 2.0, 3.0]])
        m = lib.tensor([[True, False, True]])
        return s.masked_fill(~m, lib.finfo(s.dtype).min).softmax(-1)
    both(body)


@pytest.mark.parametrize('dt', ['int64', 'int32', 'float32', 'uint8'])
def test_masked_fill_non_bool_mask_message(both, dt):
    def body(lib):
        return lib.ones(2).masked_fill(lib.ones(2, dtype=getattr(lib, dt)), 0.0)
    t, e = both(body)
    assert str(t) == str(e)


def test_zero_dim_integer_tensor_index_selects_a_view(both):
    def body(lib):
        N = lib.zeros(3, 3)
        i, j = lib.tensor(1), lib.tensor(2, dtype=lib.int32)
        N[i][j] += 1            # a write through the view N[i]
        N[j][i] = 5
        row = N[i]
        row[0] = -1             # N[i] is a view: the write reaches N
        x = lib.arange(12.0).view(3, 4).requires_grad_()
        names = [x[k].grad_fn.name() for k in (i, (i,), (i, 2), (slice(None), i), (i, [0, 1]), (i, i))]
        y = x[lib.tensor(2)][1:] * 2
        y.sum().backward()
        return N, names, x.grad, x[(i, [0, 1])], x[lib.tensor(True)].shape
    both(body)


def test_zero_dim_index_out_of_range(both):
    both(lambda lib: lib.arange(6).view(3, 2)[lib.tensor(7)])


@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
def test_embedding_bag_grad_fn_name(both, mode):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        bag = lib.nn.EmbeddingBag(10, 3, mode=mode)
        out = bag(lib.tensor([1, 2, 4, 5, 4, 3]), lib.tensor([0, 2]))
        out.sum().backward()
        return out.grad_fn.name(), out, bag.weight.grad
    both(body)


def test_einsum_sublist_form(both):
    def body(lib):
        a, b = lib.arange(6.0).view(2, 3), lib.arange(3.0)
        return (lib.einsum(a, [0, 1], b, [1], [0]), lib.einsum(a, [0, 1], b, [1]),
                lib.einsum(a, [Ellipsis, 1], [1]), lib.einsum(a, [0, 1], a, [0, 1], []))
    both(body)
