"""Conformance tests for the differences found by the tensor-API scripts
(tests/scripts/real_tensor_api/, tests/test_real_tensor_api_scripts.py)."""
import warnings

import pytest


def test_scatter_reduce_argument_with_tensor_src_warns(both):
    # torch deprecates scatter(..., reduce=) with a Tensor src (not with a scalar value)
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            lib.set_warn_always(True)
            try:
                a = lib.ones(2, 4).scatter(1, lib.tensor([[0, 1, 0, 1], [2, 2, 3, 3]]), lib.full((2, 4), 2.0),
                                           reduce='add')
                b = lib.ones(3).scatter(0, lib.tensor([0, 2]), 3.0, reduce='multiply')
            finally:
                lib.set_warn_always(False)
        return a, b, [str(m.message).split(' (Triggered')[0] for m in w]
    both(body)


def test_scatter_bad_reduce_message(both):
    both(lambda lib: lib.zeros(3).scatter(0, lib.tensor([0]), 1.0, reduce='mean'),
         match=r'^reduce argument must be either add or multiply\.$')


def test_storage_offset_of_empty_slice(both):
    # NumPy leaves an empty slice's pointer at its parent's; torch counts the slice's start
    def body(lib):
        x = lib.arange(24).view(2, 3, 4)
        return [v.storage_offset() for v in (x[:, 3:], x[1:, 3:], x[..., 4:], x[1, 2:2], x[:, 3:][1],
                                             x[:, 1:][:, 5:], x[1, :, 10:], x[-1:, 1:1, ::2])]
    both(body)


def test_as_strided_of_a_view(both):
    # sizes, strides and offset address the base's storage; the gradient lands on the view's elements
    def body(lib):
        base = lib.arange(9.)
        v = base[2:]
        a, b = v.as_strided((2,), (2,)), v.as_strided((2,), (2,), 0)
        w = lib.arange(12.).requires_grad_()
        y = w.view(3, 4).t().as_strided((2, 3), (1, 2), 1)
        (y * lib.arange(6.).view(2, 3)).sum().backward()
        t = lib.zeros(6)
        t[1:].as_strided((2,), (3,)).fill_(5)
        return a, a.storage_offset(), b, y, w.grad, t
    both(body)


def test_as_strided_of_a_view_out_of_bounds(both):
    both(lambda lib: lib.arange(9.)[1:].as_strided((3,), (4,)),
         match=r'setStorage: sizes \[3\], strides \[4\], storage offset 1, and itemsize 4 requiring a storage '
               r'size of 40 are out of bounds for storage of size 36')


def test_bool_mask_shape_mismatch_message(both):
    x = lambda lib: lib.arange(12.).view(3, 4)        # noqa: E731
    both(lambda lib: x(lib)[lib.tensor([True, False])],
         match=r'The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at '
               r'index 0')
    both(lambda lib: x(lib)[:, lib.tensor([True, False])], match=r'indexed tensor \[3, 4\] at index 1')
    both(lambda lib: x(lib)[lib.ones(3, 2, dtype=lib.bool)],
         match=r'The shape of the mask \[3, 2\] at index 1 does not match the shape of the indexed tensor \[3, 4\] '
               r'at index 1')


def test_zeros_negative_size_message(both):
    both(lambda lib: lib.zeros(2, -3), match=r'^zeros: Dimension size must be non-negative\.$')
    both(lambda lib: lib.ones(1).new_zeros(-2), match=r'Trying to create tensor with negative dimension -2: \[-2\]')


@pytest.mark.parametrize('op', ['masked_fill', 'masked_select', 'masked_scatter'])
def test_masked_ops_broadcast_message_names_the_mask_first(both, op):
    def body(lib):
        x, m = lib.zeros(3, 4), lib.ones(3, dtype=lib.bool)
        return x.masked_fill(m, 0.) if op == 'masked_fill' else x.masked_select(m) if op == 'masked_select' \
            else x.masked_scatter(m, x)
    both(body, match=r'The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1')


def test_quantile_checks_and_messages(both):
    both(lambda lib: lib.quantile(lib.ones(3), 1.5), match=r'^quantile\(\) q must be in the range \[0, 1\] but got 1\.5$')
    both(lambda lib: lib.nanquantile(lib.ones(3), -1), match=r'^quantile\(\) q must be in the range \[0, 1\] but got -1$')
    # the scalar q is checked before the dtype
    both(lambda lib: lib.quantile(lib.tensor([1, 2]), 2.0), match=r'but got 2$')
    both(lambda lib: lib.nanquantile(lib.tensor([1, 2]), 0.5),
         match=r'^quantile\(\) input tensor must be either float or double dtype$')
    both(lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5, interpolation='cubic'),
         match=r'^quantile\(\) interpolation must be one of linear, lower, higher, midpoint or nearest, but got cubic$')
    both(lambda lib: lib.quantile(lib.empty(0), lib.ones(2, 2)), match=r'^quantile\(\) input tensor must be non-empty$')
    both(lambda lib: lib.nanquantile(lib.ones(3), lib.tensor([float('nan')])),
         match=r'^quantile\(\) q values must be in the range \[0, 1\]$')


def test_diff_checks(both):
    both(lambda lib: lib.arange(3.).diff(n=-2), match=r'^order must be non-negative but got -2$')
    both(lambda lib: lib.diff(lib.ones(3, 4), prepend=lib.tensor(0.)),
         match=r'^diff expects prepend or append to be the same dimension as input$')
    both(lambda lib: lib.diff(lib.ones(3, 4), dim=0, append=lib.zeros(1, 3)),
         match=r'input\.size\(1\) = 4, but got tensor\.size\(1\) = 3$')
    both(lambda lib: lib.diff(lib.ones(3, 4), dim=0, prepend=lib.zeros(1, 4), append=lib.ones(2, 4)))


def test_tensordot_messages_name_dims_as_given(both):
    both(lambda lib: lib.tensordot(lib.ones(3, 4), lib.ones(5, 6), dims=1),
         match=r'first has size 4 in dim -1 and second has size 5 in dim 0$')
    both(lambda lib: lib.tensordot(lib.ones(3, 4), lib.ones(5, 6), dims=3),
         match=r'^tensordot expects dims < ndim_a or ndim_b, but got dims=3$')
    both(lambda lib: lib.tensordot(lib.ones(3, 4), lib.ones(5, 6), dims=([2], [0])))     # IndexError
    both(lambda lib: lib.tensordot(lib.ones(3, 4), lib.ones(4, 3), dims=([-1, 0], [0, -1])))


@pytest.mark.parametrize('eq, shapes, msg', [
    ('ij,jk->ik', [(3, 4), (5, 6)], r'subscript j has size 5 for operand 1 which does not broadcast with previously '
                                    r'seen size 4$'),
    ('ii->i', [(3, 4)], r"subscript i is repeated for operand 0 but the sizes don't match, 4 != 3$"),
    ('...ij,...jk->...ik', [(2, 3, 4), (5, 4, 6)], r'dimension 0 covered by ellipsis in operand 1has size 5 which '
                                                   r'does not broadcast with previously seen ellipsis with size 2'),
    ('i...,i...->i', [(2, 3), (2, 4)], r'dimension 1 covered by ellipsis in operand 1has size 4'),
    ('...ij,...jk->...ik', [(2, 1, 3, 4), (5, 4, 6)], None),
    ('ij,jk->ik', [(3, 1), (5, 6)], None),
])
def test_einsum_size_checks(both, eq, shapes, msg):
    both(lambda lib: lib.einsum(eq, *[lib.ones(*s) for s in shapes]), match=msg)


def test_tensor_flip_takes_varargs(both):
    def body(lib):
        x = lib.arange(6).view(2, 3)
        return x.flip(0, 1), x.flip(1), x.flip([0]), x.flip(dims=(1,))
    both(body)


@pytest.mark.parametrize('sections', [[-1], [-2, 4], [1, -1], 'tensor0d', 'tensor1d'])
def test_tensor_split_negative_indices_and_tensor_sections(both, sections):
    def body(lib):
        s = lib.tensor(4) if sections == 'tensor0d' else lib.tensor([1, -1]) if sections == 'tensor1d' else sections
        return lib.arange(6).tensor_split(s)
    both(body)


def test_tensor_split_errors(both):
    both(lambda lib: lib.tensor(1).tensor_split(2), match='tensor_split expected at least a 1-dimensional tensor')
    both(lambda lib: lib.ones(3).tensor_split(lib.tensor([1.0])),
         match=r'have dtype of long, but got Float$')
    both(lambda lib: lib.ones(3).tensor_split(lib.tensor([[1]])), match=r'but got a tensor with 2 dims$')
    both(lambda lib: lib.ones(3).tensor_split(0), match=r'^number of sections must be larger than 0, got 0$')


def test_split_of_empty_dim_and_negative_size(both):
    both(lambda lib: (lib.ones(0, 4).split(0), lib.ones(3, 0).split(0, dim=1)))
    both(lambda lib: lib.ones(3, 4).split(-1), match=r'^split expects split_size be non-negative, but got split_size=-1$')


def test_histc_checks(both):
    both(lambda lib: lib.histc(lib.ones(3), bins=0), match=r'^torch\.histogram\(\): bins must be > 0, but got 0 for '
                                                          r'dimension 0$')
    both(lambda lib: lib.histc(lib.ones(3), bins=3, min=2, max=1), match=r'^torch\.histc: max must be larger than min$')
    both(lambda lib: lib.histc(lib.tensor([1., float('inf')]), bins=3),
         match=r'^torch\.histc: range of \[1, inf\] is not finite$')
    both(lambda lib: lib.histc(lib.tensor([1., 2.]), bins=3, min=0, max=float('inf')), match='is not finite')


def test_histogram_checks(both):
    both(lambda lib: lib.histogram(lib.tensor([1, 2]), bins=2), match='"histogramdd" not implemented for \'Long\'')
    both(lambda lib: lib.histogram(lib.tensor([1, 2]), bins=lib.tensor([0, 1, 2])),
         match='"histogram_cpu" not implemented for \'Long\'')
    both(lambda lib: lib.histogram(lib.ones(2), bins=0), match=r'bins must be > 0, but got 0 for dimension 0')
    both(lambda lib: lib.histogram(lib.ones(2), bins=2, range=(2.5, 1.)),
         match=r'^torch\.histogramdd: min should not exceed max, but got min 2\.5 max 1 for dimension 0$')
    both(lambda lib: lib.histogram(lib.tensor([1., float('inf')]), bins=3),
         match=r"^torch\.histogramdd: dimension 0's range \[1, inf\] is not finite$")
    both(lambda lib: lib.histogram(lib.ones(2), bins=lib.tensor([0., 1., 2.]).double()),
         match=r'input with dtype float and bins for dimension 0 with dtype double$')
    both(lambda lib: lib.histogram(lib.ones(2), bins=lib.tensor([[0., 1.]])),
         match=r'but got 2 dimensions in the bins tensor for dimension 0$')


def test_index_add_checks(both):
    z = lambda lib: lib.zeros(3, 2)      # noqa: E731
    both(lambda lib: z(lib).index_add(0, lib.tensor([0, 1]), lib.ones(3, 2)),
         match=r'^index_add_\(\): Number of indices \(2\) should be equal to source\.size\(dim\): \(3\), for dim: 0$')
    both(lambda lib: z(lib).index_add(0, lib.tensor([0, 1]), lib.ones(2, 5)),
         match=r'^source tensor shape must match self tensor shape, excluding the specified dimension\. Got '
               r'self\.shape = \[3, 2\] source\.shape = \[2, 5\]$')
    both(lambda lib: z(lib).index_add(0, lib.tensor([-1]), lib.ones(1, 2)),       # no negative index
         match=r'^index -1 is out of bounds for dimension 0 with size 3$')
    both(lambda lib: z(lib).index_add(0, lib.tensor([0.]), lib.ones(1, 2)),
         match=r'Expected dtype int32/int64 for index but got: Float$')
    both(lambda lib: z(lib).index_add(0, lib.tensor([[1]]), lib.ones(1, 2)),
         match=r'Index is supposed to be a vector, but got dim: 2 with type: Long and size: \[1, 1\]$')
    both(lambda lib: z(lib).index_add(1, lib.tensor([0]), lib.ones(3)),
         match=r'Indexing dim 1 is out of bounds of the source tensor with dim 1$')
    both(lambda lib: lib.tensor(1.).index_add(0, lib.tensor([0]), lib.tensor([2.])), match='source tensor shape must')
    both(lambda lib: (z(lib).index_add(0, lib.tensor([2, 0], dtype=lib.int32), lib.ones(2, 2), alpha=3),
                      lib.tensor(1.).index_add(0, lib.tensor([0]), lib.tensor(2.))))


def test_index_copy_checks(both):
    z = lambda lib: lib.zeros(3, 2)      # noqa: E731
    both(lambda lib: z(lib).index_copy(0, lib.tensor([-1]), lib.ones(1, 2)),
         match=r'^index_copy_\(\): index -1 is out of bounds for dimension 0 with size 3$')
    both(lambda lib: z(lib).index_copy(0, lib.tensor([0], dtype=lib.int32), lib.ones(1, 2)),
         match=r'^index_copy_\(\): Expected a long tensor for index, but got Int$')
    both(lambda lib: z(lib).index_copy(0, lib.tensor([0, 1]), lib.ones(3, 2)),
         match=r'^index_copy_\(\): Number of indices \(2\) should be equal to source\.size\(dim\) \(3\)$')
    both(lambda lib: lib.zeros(3, 2, 4).index_copy(1, lib.tensor([1]), lib.ones(3, 1, 5)),
         match=r'Destination slice shape: 3 4 at dimension 1 and source slice shape: 3 5 at dimension 0\.$')
    both(lambda lib: lib.zeros(3, 2, 4).index_copy(1, lib.tensor([1]), lib.ones(3, 1)),
         match=r'Source dimensionality \(2\), destination dimensionality \(3\)$')
    both(lambda lib: lib.zeros(3).index_copy(0, lib.tensor([1, 2]), lib.tensor(2.)),
         match=r'When source is scalar, index should have one element \(got 2\)$')
    both(lambda lib: (lib.zeros(3).index_copy(0, lib.tensor([1]), lib.tensor(2.)),
                      lib.tensor(1.).index_copy(0, lib.tensor([0]), lib.tensor([2.]))))


def test_index_fill_and_select_checks(both):
    both(lambda lib: lib.zeros(3).index_fill(0, lib.tensor([0], dtype=lib.int32), 1.),
         match=r'^index_fill_\(\): Expected dtype int64 for index\.$')
    both(lambda lib: lib.zeros(3).index_fill(0, lib.tensor([[0]]), 1.), match=r'^Index has to be a vector/scalar$')
    both(lambda lib: lib.zeros(3, 2).index_fill(1, lib.tensor([5]), 1.),
         match=r'^index 5 is out of bounds for dimension 1 with size 2$')
    both(lambda lib: lib.zeros(3, 2).index_fill(0, lib.tensor([-1]), 1.))     # a negative index is fine here
    both(lambda lib: lib.zeros(3).index_select(0, lib.tensor([-1])), match='index out of range in self')


def test_movedim_repeated_dims_message(both):
    both(lambda lib: lib.ones(3, 4).movedim((0, -2), (0, 1)), match=r'^movedim: repeated dim in `source` \(\[0, -2\]\)$')
    both(lambda lib: lib.ones(3, 4).movedim((0, 1), (1, 1)), match=r'repeated dim in `destination` \(\[1, 1\]\)$')
    both(lambda lib: lib.ones(3, 4).movedim((0, 0), (0, 5)))        # dims are wrapped first: IndexError
    both(lambda lib: lib.tensor(1.).movedim(0, -1))


def test_repeat_interleave_non_integer_repeats(both):
    both(lambda lib: lib.repeat_interleave(lib.tensor([1.5, 2.0])),
         match='"repeat_interleave_cpu" not implemented for \'Float\'')
    both(lambda lib: lib.ones(2).repeat_interleave(lib.tensor(2.)),
         match='"repeat_interleave_cpu" not implemented for \'Float\'')
    both(lambda lib: lib.ones(2).repeat_interleave(lib.tensor([[1, 2]])), match='repeats must be 0-dim or 1-dim tensor')


def test_narrow_checks(both):
    both(lambda lib: lib.ones(3).narrow(0, 5, -1), match=r'^narrow\(\): length must be non-negative\.$')
    both(lambda lib: lib.ones(3).narrow(0, -4, 1),
         match=r'^start out of range \(expected to be in range of \[-3, 3\], but got -4\)$')
    both(lambda lib: lib.tensor(1.).narrow(0, 0, 1), match=r'^narrow\(\) cannot be applied to a 0-dim tensor\.$')
    both(lambda lib: lib.arange(5.).narrow(0, -2, 2))


@pytest.mark.parametrize('fn', ['std_mean', 'var_mean', 'std'])
def test_degrees_of_freedom_warning_names_the_op(both, fn):
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = getattr(lib, fn)(lib.ones(3, 4), dim=1, correction=5)
        return r, [str(m.message).split(' (Triggered')[0] for m in w]
    both(body)
