"""Views (shared storage and version counter, strides, offsets, data_ptr), shape ops,
indexing and ``__setitem__``, cat/stack, in-place ops and their errors."""
import numpy as np
import pytest

from conformance import run_both
import ember

# torch's (and ember's) deprecation warnings for list and uint8 indices: checked in
# test_indexing_deprecation_warnings, silenced elsewhere
pytestmark = pytest.mark.filterwarnings('ignore:Using a non-tuple sequence', 'ignore:indexing with dtype torch.uint8')

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']


def _dt(lib, name):
    return getattr(lib, name)


# base tensors: contiguous, transposed, sliced (non-contiguous)
BASES = {
    'contig': lambda lib: lib.arange(24.).reshape(2, 3, 4),
    'transposed': lambda lib: lib.arange(24.).reshape(4, 3, 2).permute(2, 1, 0),
    'sliced': lambda lib: lib.arange(48.).reshape(2, 6, 4)[:, ::2],
}


def _layout(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t.is_contiguous())


# ---------------------------------------------------------------- views: values, layout, shared memory
VIEW_OPS = {
    'view': lambda lib, t: t.view(6, 4) if t.is_contiguous() else t.view(t.shape),
    'view_-1': lambda lib, t: t.view(-1) if t.is_contiguous() else t.view(2, -1, 4),
    'reshape': lambda lib, t: t.reshape(4, 6),
    'reshape_same': lambda lib, t: t.reshape(2, 3, 4),
    'flatten': lambda lib, t: t.flatten(),
    'flatten_1': lambda lib, t: t.flatten(1),
    'flatten_noop': lambda lib, t: t.flatten(1, 1),
    'unflatten': lambda lib, t: t.unflatten(2, (2, 2)),
    'unflatten_-1': lambda lib, t: t.unflatten(-1, (-1, 2)),
    'squeeze': lambda lib, t: t[:, :1].squeeze(),
    'squeeze_dim': lambda lib, t: t[:, :1].squeeze(1),
    'squeeze_dims': lambda lib, t: t[:1, :1].squeeze((0, 1)),
    'squeeze_non1': lambda lib, t: t.squeeze(0),
    'unsqueeze0': lambda lib, t: t.unsqueeze(0),
    'unsqueeze-1': lambda lib, t: t.unsqueeze(-1),
    'unsqueeze2': lambda lib, t: t.unsqueeze(2),
    'permute': lambda lib, t: t.permute(2, 0, 1),
    'permute_tuple': lambda lib, t: t.permute((1, 2, 0)),
    'permute_neg': lambda lib, t: t.permute(-1, -2, -3),
    'transpose': lambda lib, t: t.transpose(0, 2),
    'transpose_neg': lambda lib, t: t.transpose(-1, 1),
    'swapaxes': lambda lib, t: t.swapaxes(0, 1),
    't': lambda lib, t: t[0].t(),
    'expand': lambda lib, t: t[:, :1].expand(2, 5, 4),
    'expand_-1': lambda lib, t: t[:, :1].expand(3, -1, 2, -1),
    'expand_as': lambda lib, t: t[:1].expand_as(t),
    'broadcast_to': lambda lib, t: t[:, :, :1].broadcast_to((2, 3, 7)),
    'narrow': lambda lib, t: t.narrow(2, 1, 2),
    'narrow_neg': lambda lib, t: t.narrow(-1, -3, 2),
    'select': lambda lib, t: t.select(1, 2),
    'select_neg': lambda lib, t: t.select(-1, -1),
    'unbind0': lambda lib, t: t.unbind()[1],
    'unbind2': lambda lib, t: t.unbind(2)[3],
    'split': lambda lib, t: t.split(2, dim=2)[1],
    'split_uneven': lambda lib, t: t.split(2, dim=1)[1],
    'split_sizes': lambda lib, t: t.split([1, 3], dim=2)[1],
    'chunk': lambda lib, t: t.chunk(2, dim=2)[1],
    'chunk_uneven': lambda lib, t: t.chunk(2, dim=1)[1],
    'tensor_split': lambda lib, t: t.tensor_split(3, dim=2)[2],
    'getitem_int': lambda lib, t: t[1],
    'getitem_slice': lambda lib, t: t[:, 1:3],
    'getitem_step': lambda lib, t: t[..., ::2],
    'getitem_neg': lambda lib, t: t[-1, -2],
    'getitem_none': lambda lib, t: t[None, :, None, 1],
    'getitem_ellipsis': lambda lib, t: t[..., 1],
    'getitem_all': lambda lib, t: t[...],
    'getitem_mixed': lambda lib, t: t[1, None, 1:, ..., ::3],
    'detach': lambda lib, t: t.detach(),
    'view_as': lambda lib, t: t.view_as(t),
    'T': lambda lib, t: t[0].T,
    'mT': lambda lib, t: t.mT,
    'H': lambda lib, t: t[1].H,
    'diagonal-ish narrow': lambda lib, t: t.narrow(0, 1, 1).narrow(1, 0, 2),
}


@pytest.mark.parametrize('base', BASES)
@pytest.mark.parametrize('op', VIEW_OPS)
def test_view_values_and_layout(both, base, op):
    def body(lib):
        t = BASES[base](lib)
        v = VIEW_OPS[op](lib, t)
        return v, _layout(v)
    both(body)


@pytest.mark.parametrize('base', BASES)
@pytest.mark.parametrize('op', [o for o in VIEW_OPS if o != 'reshape'] + ['reshape'])
def test_view_shares_storage_and_version(both, base, op):
    def body(lib):
        t = BASES[base](lib)
        v = VIEW_OPS[op](lib, t)
        isz = v.element_size()
        shares = v.numel() > 0 and v.untyped_storage().data_ptr() == t.untyped_storage().data_ptr()
        ptr_rel = v.data_ptr() == t.untyped_storage().data_ptr() + v.storage_offset() * isz if shares else None
        v0, t0 = v._version, t._version
        t.add_(1)                       # a change of the base shows through the view
        after_base = (v._version - v0, t._version - t0)
        if shares and op not in ('expand', 'expand_-1', 'expand_as', 'broadcast_to'):
            v.mul_(2)                   # and a change of the view shows in the base
        return (shares, ptr_rel, v._is_view() if shares else None, after_base, v._version - v0, t._version - t0,
                t, v)
    both(body)


@pytest.mark.parametrize('op', ['view', 'reshape_same', 'permute', 'transpose', 'unsqueeze0', 'select', 'narrow',
                                'getitem_slice', 'getitem_step', 'expand', 'unbind0', 'split', 'chunk'])
def test_view_of_view_offsets_and_base(both, op):
    def body(lib):
        t = lib.arange(48.).reshape(2, 6, 4)
        v1 = t[1:, 2:]
        v2 = VIEW_OPS[op](lib, v1) if op not in ('view', 'reshape_same') else v1.reshape(1, 4, 4)
        return (v2._base is t, v1._base is t, v2.storage_offset(), v2.stride(),
                v2.data_ptr() - t.data_ptr() == v2.storage_offset() * 4, v2)
    both(body)


def test_reshape_copies_when_it_must(both):
    def body(lib):
        t = lib.arange(6.).reshape(2, 3)
        r = t.t().reshape(6)
        r2 = t.reshape(3, 2)
        return (r, r._base is None, r.data_ptr() != t.data_ptr(), r2._base is t, r.is_contiguous(),
                t.t().flatten()._base is None, t.flatten()._base is t)
    both(body)


@pytest.mark.parametrize('make', [
    lambda lib: lib.arange(12.).reshape(3, 4).t().view(12),
    lambda lib: lib.arange(12.).reshape(3, 4).t().view(-1),
    lambda lib: lib.arange(24.).reshape(2, 3, 4).permute(1, 0, 2).view(6, 4),
    lambda lib: lib.arange(24.).reshape(2, 3, 4)[:, ::2].view(2, 8),
], ids=range(4))
def test_view_incompatible_layout_error(both, make):
    _, e = run_both(make)
    assert str(e) == ("view size is not compatible with input tensor's size and stride (at least one dimension spans "
                      "across two contiguous subspaces). Use .reshape(...) instead.")


@pytest.mark.parametrize('make', [
    lambda lib: lib.arange(12.).reshape(3, 4).t().view(4, 3),
    lambda lib: lib.arange(12.).reshape(3, 4).t().view(4, 1, 3),
    lambda lib: lib.arange(24.).reshape(2, 3, 4).permute(1, 0, 2).view(3, 2, 2, 2),
    lambda lib: lib.arange(24.).reshape(2, 3, 4)[:, ::2].view(4, 4),
    lambda lib: lib.arange(24.).reshape(2, 3, 4)[:, :, ::2].view(12),
    lambda lib: lib.arange(48.).reshape(2, 6, 4)[1:, 2:].view(4, 1, 4),
    lambda lib: lib.arange(48.).reshape(2, 6, 4)[1:, 2:].view(1, 4, 4),
    lambda lib: lib.arange(24.).reshape(4, 3, 2).permute(2, 1, 0).view(2, 1, 3, 1, 4),
    lambda lib: lib.zeros(3, 1, 4)[:, :, ::2].view(3, 2, 1),
], ids=range(9))
def test_view_compatible_noncontiguous(both, make):
    both(lambda lib: (make(lib), _layout(make(lib))))


@pytest.mark.parametrize('shape', [(5,), (2, -1, 5), (-1, -1), (7, -1), (-2, 6), (0, -1)], ids=repr)
def test_view_shape_errors(both, shape):
    both(lambda lib: lib.arange(12).view(*shape))


def test_view_shape_error_message(both):
    _, e = run_both(lambda lib: lib.arange(12).view(5))
    assert str(e) == "shape '[5]' is invalid for input of size 12"


def test_view_dtype_same_size(both):
    both(lambda lib: (lib.tensor([1., -2.]).view(lib.int32), lib.tensor([1, 2], dtype=lib.int16).view(lib.float16)))


@pytest.mark.parametrize('name', DTYPES)
def test_views_keep_dtype(both, name):
    def body(lib):
        t = (lib.arange(12) % 3).to(_dt(lib, name)).reshape(3, 4)
        return t.t(), t[1:, ::2], t.view(2, 6), t.unsqueeze(1).expand(3, 2, 4), t.t().contiguous()
    both(body)


# ---------------------------------------------------------------- shape-op details and errors
@pytest.mark.parametrize('make', [
    lambda lib, x: x.expand(3, 5), lambda lib, x: x.expand(4), lambda lib, x: x.expand(-1, 3, 4),
    lambda lib, x: x.narrow(1, 3, 2), lambda lib, x: x.narrow(1, 5, 0), lambda lib, x: x.narrow(3, 0, 1),
    lambda lib, x: x.select(2, 0), lambda lib, x: x.select(0, 3), lambda lib, x: x.select(0, -4),
    lambda lib, x: x.squeeze(3), lambda lib, x: x.unsqueeze(3), lambda lib, x: x.unsqueeze(-4),
    lambda lib, x: x.permute(0), lambda lib, x: x.permute(0, 0), lambda lib, x: x.transpose(0, 2),
    lambda lib, x: x.split(0), lambda lib, x: x.split([1, 1]), lambda lib, x: x.chunk(0),
    lambda lib, x: x.unflatten(1, (3, 2)), lambda lib, x: x.flatten(1, 0), lambda lib, x: x.t().t().view(2, 6),
    lambda lib, x: x.reshape(-1, 5), lambda lib, x: x.t().reshape(2, 6),
    lambda lib, x: lib.tensor(1.).select(0, 0), lambda lib, x: lib.tensor(1.).unbind(),
    lambda lib, x: x.unbind(2),
], ids=range(26))
def test_shape_op_errors_and_edges(both, make):
    both(lambda lib: make(lib, lib.arange(12).reshape(3, 4)))


@pytest.mark.parametrize('n,chunks', [(6, 4), (5, 3), (0, 2), (1, 3), (7, 7), (3, 5)])
def test_chunk_sizes(both, n, chunks):
    both(lambda lib: [c.shape for c in lib.arange(n).chunk(chunks)])


@pytest.mark.parametrize('n,size', [(6, 4), (5, 2), (0, 2), (3, 5)])
def test_split_sizes(both, n, size):
    both(lambda lib: [c.shape for c in lib.arange(n).split(size)])


@pytest.mark.parametrize('arg', [3, 4, [1, 4], (2, 3, 5), [0]])
def test_tensor_split(both, arg):
    both(lambda lib: list(lib.arange(7).tensor_split(arg)))


def test_squeeze_unsqueeze_zero_dim(both):
    both(lambda lib: (lib.tensor(1.).squeeze(), lib.tensor(1.).squeeze(0), lib.tensor(1.).unsqueeze(0),
                      lib.tensor(1.).unsqueeze(-1), lib.tensor(1.).flatten(), lib.tensor(1.).view(1, 1),
                      lib.tensor(1.).reshape(()), lib.tensor(1.).expand(3), lib.tensor(1.).permute(),
                      lib.zeros(1, 1).squeeze(-1)))


def test_expand_writes_error(both):
    def body(lib):
        e = lib.zeros(1, 3).expand(2, 3)
        e.add_(1)
    both(body)


# ---------------------------------------------------------------- version counter
def test_seed_S10_add_inplace_changes_tensor_and_version(both):
    def body(lib):
        t = lib.tensor([1, 2, 3])
        v0 = t._version
        r = t.add_(5)
        return r is t, t, v0, t._version
    both(body)


INPLACE = {
    'add_': lambda lib, t: t.add_(2),
    'add_alpha': lambda lib, t: t.add_(lib.ones_like(t), alpha=3),
    'sub_': lambda lib, t: t.sub_(1),
    'mul_': lambda lib, t: t.mul_(3),
    'div_': lambda lib, t: t.div_(2),
    'iadd': lambda lib, t: t.__iadd__(1),
    'imul_tensor': lambda lib, t: t.__imul__(lib.full_like(t, 2)),
    'neg_': lambda lib, t: t.neg_(),
    'abs_': lambda lib, t: t.abs_(),
    'clamp_': lambda lib, t: t.clamp_(1, 5),
    'fill_': lambda lib, t: t.fill_(7),
    'zero_': lambda lib, t: t.zero_(),
    'copy_': lambda lib, t: t.copy_(lib.ones_like(t)),
    'copy_bcast': lambda lib, t: t.copy_(lib.tensor(3.)),
    'setitem': lambda lib, t: t.__setitem__(0, 9),
    'setitem_mask': lambda lib, t: t.__setitem__(t > 2, 0),
    'masked_fill_': lambda lib, t: t.masked_fill_(t > 2, -1),
    'index_put_': lambda lib, t: t.index_put_((lib.tensor([0]),), lib.tensor(5.)),
    'pow_': lambda lib, t: t.pow_(2),
    'floor_': lambda lib, t: t.floor_(),
    'exp_': lambda lib, t: t.exp_(),
    'sqrt_': lambda lib, t: t.sqrt_(),
    'squeeze_': lambda lib, t: t.unsqueeze_(0),
    'transpose_': lambda lib, t: t.t_() if t.dim() <= 2 else t.transpose_(0, 1),
}


@pytest.mark.parametrize('op', INPLACE)
@pytest.mark.parametrize('base', ['contig', 'transposed', 'sliced'])
def test_inplace_ops_values_and_versions(both, op, base):
    def body(lib):
        t = {'contig': lambda: lib.arange(6.).reshape(2, 3), 'transposed': lambda: lib.arange(6.).reshape(3, 2).t(),
             'sliced': lambda: lib.arange(12.).reshape(2, 6)[:, ::2]}[base]()
        b = t._base
        vb = b._version if b is not None else None
        v0 = t._version
        r = INPLACE[op](lib, t)
        return (r is t if r is not None else None, t, t._version - v0,
                (b._version - vb) if b is not None else None, b)
    both(body)


@pytest.mark.parametrize('op', ['add_', 'mul_', 'fill_', 'zero_', 'copy_', 'setitem', 'clamp_', 'masked_fill_'])
def test_inplace_through_view_bumps_every_alias(both, op):
    def body(lib):
        base = lib.arange(12.).reshape(3, 4)
        v1, v2 = base[1], base.t()
        INPLACE[op](lib, v1)
        return base, v2, base._version, v1._version, v2._version
    both(body)


def test_version_counts_accumulate(both):
    def body(lib):
        t = lib.zeros(3)
        out = [t._version]
        t.add_(1)
        out.append(t._version)
        t[0] = 2
        out.append(t._version)
        t[1:] += 1
        out.append(t._version)
        t.mul_(2).add_(1)
        out.append(t._version)
        t += 1
        out.append(t._version)
        return out, t
    both(body)


def test_out_of_place_ops_leave_version(both):
    def body(lib):
        t = lib.zeros(2, 3)
        _ = t + 1, t * 2, t.t(), t.clone(), t.sum(), t[0], t.view(6), t.to(lib.float64), t.contiguous()
        return t._version, t.clone()._version, (t + 1)._version
    both(body)


def test_fresh_tensors_version_zero(both):
    both(lambda lib: [lib.zeros(2)._version, lib.tensor([1])._version, lib.arange(3)[1:]._version,
                      lib.ones(2).detach()._version])


def test_numpy_write_does_not_bump_version(both):
    def body(lib):
        t = lib.zeros(3)
        t.numpy()[0] = 1
        return t, t._version
    both(body)


# ---------------------------------------------------------------- in-place errors leave things unchanged
@pytest.mark.parametrize('src,op,other', [
    ('int64', 'add_', 1.5), ('int64', 'mul_', 'float_tensor'), ('int32', 'sub_', 0.5), ('int64', 'div_', 2),
    ('bool', 'add_', 1), ('uint8', 'mul_', 2.5), ('int16', 'add_', 'float_tensor'), ('bool', 'mul_', 'int_tensor'),
    ('float16', 'add_', 'float64_tensor'), ('int64', 'add_', True),
])
def test_inplace_result_type_cast_errors(both, src, op, other):
    def body(lib):
        t = lib.tensor([1, 0, 1]).to(_dt(lib, src))
        o = {'float_tensor': lib.tensor([1.5]), 'int_tensor': lib.tensor([2]),
             'float64_tensor': lib.tensor([1.5], dtype=lib.float64)}.get(other, other) if isinstance(other, str) \
            else other
        v0 = t._version
        try:
            getattr(t, op)(o)
        except RuntimeError as e:
            return 'error', str(e), t, t._version - v0
        return 'ok', t, t._version - v0
    both(body)


def test_inplace_cast_error_message(both):
    _, e = run_both(lambda lib: lib.tensor([1, 2]).add_(1.5))
    assert str(e) == "result type Float can't be cast to the desired output type Long"


@pytest.mark.parametrize('a,b', [((3,), (2, 3)), ((2, 1), (2, 3)), ((1,), (4,)), ((), (2,))], ids=repr)
def test_inplace_broadcast_output_shape_error(both, a, b):
    def body(lib):
        t = lib.zeros(a)
        v0 = t._version
        try:
            t.add_(lib.ones(b))
        except RuntimeError as e:
            return str(e), t, t._version - v0
        return t
    both(body)


@pytest.mark.parametrize('sa,sb', [((3,), (4,)), ((2, 3), (3, 2)), ((2, 3, 4), (3, 5)), ((5, 1, 2), (4, 3)),
                                   ((0,), (2,))], ids=repr)
@pytest.mark.parametrize('op', ['add', 'mul', 'sub', 'div', 'eq', 'maximum', 'where'])
def test_broadcast_mismatch_errors(both, sa, sb, op):
    def body(lib):
        a, b = lib.ones(sa), lib.ones(sb)
        if op == 'where':
            return lib.where(a > 0, a, b)
        return getattr(lib, op)(a, b)
    _, e = run_both(body)
    assert 'must match the size of tensor b' in str(e) and 'at non-singleton dimension' in str(e)


@pytest.mark.parametrize('sa,sb', [((3,), (4,)), ((2, 3), (3, 2)), ((2, 3, 4), (3, 5))], ids=repr)
def test_broadcast_mismatch_message(both, sa, sb):
    both(lambda lib: lib.ones(sa) + lib.ones(sb), match=r'The size of tensor a \(\d+\) must match the size of tensor b '
                                                         r'\(\d+\) at non-singleton dimension \d+')
    t, e = run_both(lambda lib: lib.ones(sa) + lib.ones(sb))
    assert str(e) == str(t)


@pytest.mark.parametrize('sa,sb', [((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((), (2, 2)), ((0, 1), (3,)), ((1,), (0,))],
                         ids=repr)
def test_broadcast_ok(both, sa, sb):
    both(lambda lib: (lib.ones(sa) + lib.ones(sb), lib.ones(sa) * lib.ones(sb, dtype=lib.int64)))


def test_failed_binary_op_leaves_inputs_unchanged(both):
    def body(lib):
        a, b = lib.arange(3.), lib.arange(4.)
        va, vb = a._version, b._version
        try:
            a.add_(b)
        except RuntimeError:
            pass
        try:
            a.mul_(lib.ones(2, 3))
        except RuntimeError:
            pass
        return a, b, a._version - va, b._version - vb
    both(body)


def test_failed_setitem_leaves_tensor_unchanged(both):
    def body(lib):
        t = lib.arange(6.).reshape(2, 3)
        v0 = t._version
        errs = []
        for idx, val in (((0,), lib.ones(2)), ((5,), 1.), ((slice(None), 0), lib.ones(3)), ((0,), [1, 2, 3]),
                         ((0, 0, 0), 1.), (([0],), lib.tensor(1))):
            try:
                t[idx] = val
            except (RuntimeError, IndexError, TypeError) as e:
                errs.append(type(e).__name__)
        return errs, t, t._version - v0
    both(body)


# ---------------------------------------------------------------- indexing (reading)
X = lambda lib: lib.arange(24).reshape(2, 3, 4)   # noqa: E731

INDICES = {
    'int': 1, 'neg': -1, 'slice': slice(1, None), 'slice_neg': slice(-2, None), 'slice_step': slice(None, None, 2),
    'slice_oob': slice(1, 100), 'slice_empty': slice(5, 7), 'tuple2': (1, 2), 'tuple3': (1, 2, 3),
    'neg3': (-1, -1, -1), 'ellipsis': Ellipsis, 'ellipsis_last': (Ellipsis, 1), 'ellipsis_mid': (0, Ellipsis, 1),
    'none': None, 'none_mid': (slice(None), None, 1), 'none_many': (None, 0, None, Ellipsis, None),
    'list': [0, 1, 0], 'list_neg': [-1, 0], 'nested_list': [[0, 1], [1, 0]], 'tuple_of_lists': ([0, 1], [2, 0]),
    'list_and_slice': ([1, 0], slice(None), 2), 'adv_separated': ([0, 1], slice(None), [1, 3]),
    'adv_broadcast': ([[0], [1]], [0, 2]), 'bool_list': [True, False], 'empty_list': [],
    'int_and_list': (1, [0, 2]), 'slice_list_slice': (slice(None), [2, 0], slice(1, 3)),
    'True': True, 'False': False, 'bool_mixed': (0, True),
}


XS = {
    'contig': X,
    'sliced': lambda lib: lib.arange(48).reshape(2, 6, 4)[:, ::2],
    'permuted': lambda lib: lib.arange(24).reshape(4, 3, 2).permute(2, 1, 0),
}


@pytest.mark.parametrize('idx', INDICES)
@pytest.mark.parametrize('xs', XS)
def test_getitem(both, idx, xs):
    def body(lib):
        x = XS[xs](lib)
        r = x[INDICES[idx]]
        return (r, r.stride() if r._base is not None else None,
                r.storage_offset() if r.numel() else None)     # empty views: see the xfail below
    both(body)


def test_storage_offset_of_empty_slice(both):
    # NumPy points an empty slice at the start of its base; torch keeps start * stride (ember
    # recomputes it from the index: Tensor.storage_offset)
    both(lambda lib: (X(lib)[5:7].storage_offset(), X(lib)[:, 3:].storage_offset()))


@pytest.mark.parametrize('name', ['int64', 'int32', 'int16', 'int8', 'uint8', 'bool'])
def test_getitem_tensor_index_dtypes(both, name):
    def body(lib):
        x = X(lib)
        i = lib.tensor([1, 0, 1]).to(_dt(lib, name))
        return x[i], x[:, i[:2]] if name != 'bool' else x[:, lib.tensor([True, False, True])]
    both(body)


def test_getitem_tensor_scalars(both):
    both(lambda lib: (X(lib)[lib.tensor(1)], X(lib)[lib.tensor(1), lib.tensor([0, 2])],
                      X(lib)[:, lib.tensor(2)], X(lib)[lib.tensor(1):], X(lib)[np.int64(1)]))


@pytest.mark.parametrize('mask', ['full', 'first', 'last2', 'zero_dim', 'all_false'])
def test_getitem_boolean_mask(both, mask):
    def body(lib):
        x = X(lib)
        m = {'full': lambda: x % 3 == 0, 'first': lambda: lib.tensor([False, True]),
             'last2': lambda: (x[0] > 5), 'zero_dim': lambda: lib.tensor(True),
             'all_false': lambda: x < -1}[mask]()
        return x[1:, m] if mask == 'last2' else x[m]
    both(body)


def test_getitem_mask_with_other_indices(both):
    both(lambda lib: (X(lib)[0, lib.tensor([True, False, True])], X(lib)[lib.tensor([True, True]), 1],
                      X(lib)[..., lib.tensor([True, False, False, True])]))


@pytest.mark.parametrize('idx', [(2,), (-3,), (0, 3), (0, 0, 4), (0, 0, -5), (0, 0, 0, 0), ([0, 2],), ([[3]],),
                                 (0, [4])], ids=repr)
def test_getitem_out_of_range(both, idx):
    both(lambda lib: X(lib)[idx])


@pytest.mark.parametrize('idx,msg', [
    ((2,), 'index 2 is out of bounds for dimension 0 with size 2'),
    ((0, 3), 'index 3 is out of bounds for dimension 1 with size 3'),
    ((0, 0, 4), 'index 4 is out of bounds for dimension 2 with size 4'),
    ((slice(None), 3), 'index 3 is out of bounds for dimension 1 with size 3'),
    ((None, 0, 9), 'index 9 is out of bounds for dimension 2 with size 3'),
    ((None, 5), 'index 5 is out of bounds for dimension 1 with size 2'),
    ((Ellipsis, 9), 'index 9 is out of bounds for dimension 1 with size 4'),
    ((0, Ellipsis, 9), 'index 9 is out of bounds for dimension 2 with size 4'),
    ((0, [0, 5]), 'index 5 is out of bounds for dimension 0 with size 3'),
    (([0, 1], [0, 7]), 'index 7 is out of bounds for dimension 1 with size 3'),
    (([5],), 'index 5 is out of bounds for dimension 0 with size 2'),
    ((0, 0, 0, 0), 'too many indices for tensor of dimension 3')], ids=repr)
def test_getitem_out_of_range_messages(both, idx, msg):
    _, e = run_both(lambda lib: X(lib)[idx])
    assert str(e) == msg


@pytest.mark.parametrize('idx', ['a', 1.5, slice(None, None, -1), slice(None, None, 0), [0.5],
                                 'float_tensor', 'mask_shape'], ids=repr)
def test_getitem_bad_index(both, idx):
    def body(lib):
        i = {'float_tensor': lib.tensor([0.5]), 'mask_shape': lib.tensor([True, False, True])}.get(idx, idx) \
            if isinstance(idx, str) and idx in ('float_tensor', 'mask_shape') else idx
        return X(lib)[i]
    both(body)


def test_getitem_basic_is_view_advanced_is_copy(both):
    def body(lib):
        x = lib.arange(12.).reshape(3, 4)
        basic = [x[1], x[:, 1:3], x[None], x[..., 0], x[1, ::2]]
        adv = [x[[0, 1]], x[x > 3], x[lib.tensor([1])], x[[True, False, True]]]
        return ([b._base is x for b in basic], [a._base is None for a in adv],
                [b.data_ptr() - x.data_ptr() for b in basic], [b.storage_offset() for b in basic])
    both(body)


def test_getitem_zero_dim(both):
    both(lambda lib: (lib.tensor(5.)[...], lib.tensor(5.)[None], lib.tensor(5.)[()], lib.tensor(5.)[lib.tensor(True)]))


def test_getitem_zero_dim_errors(both):
    both(lambda lib: lib.tensor(5.)[0])


def test_getitem_on_empty(both):
    both(lambda lib: (lib.zeros(0, 3)[:, 1], lib.zeros(0, 3)[lib.tensor([], dtype=lib.int64)], lib.zeros(2, 0)[1]))


# ---------------------------------------------------------------- __setitem__
SETS = {
    'int_scalar': (1, 5), 'neg_scalar': (-1, 7.5), 'slice_scalar': (slice(1, 3), 9), 'tuple': ((0, 1), 3),
    'row_bcast': ((slice(None), 0), 'row'), 'col_bcast': ((Ellipsis, 1), 'col'), 'full_tensor': (Ellipsis, 'full'),
    'step': ((slice(None), slice(None), slice(None, None, 2)), 2),
    'mask': ('mask', 0), 'mask_tensor': ('mask', 'vals'), 'list': ([0, 1], 4), 'adv_pair': (([0, 1], [1, 2]), 6),
    'adv_tensor': (([0, 1], [1, 2]), 'pair'), 'none': ((None, 0), 8), 'bool_val': (0, True), 'zero_dim_val': (1, '0d'),
    'list_value': ((0, 0), [1, 2, 3, 4]), 'int_float': (0, 2.7), 'neg_float': (0, -2.7), 'nested_list_value':
        ((slice(None), 0), [[1, 2, 3, 4]]),
}


def _value(lib, v, x):
    if not isinstance(v, str):
        return v
    return {'row': lib.tensor([1, 2, 3, 4]).to(x.dtype), 'col': lib.tensor([[10], [20]]).to(x.dtype)[:, :, None][:, 0],
            'full': lib.ones(2, 3, 4, dtype=lib.float64), 'vals': lib.tensor(-1.),
            'pair': lib.tensor([-5, -6]), '0d': lib.tensor(11)}[v]


@pytest.mark.parametrize('case', SETS)
@pytest.mark.parametrize('name', ['float32', 'int64', 'uint8', 'float64'])
def test_setitem(both, case, name):
    def body(lib):
        x = lib.arange(24).reshape(2, 3, 4).to(_dt(lib, name))
        idx, val = SETS[case]
        if isinstance(idx, str):
            idx = x % 5 == 0
        x[idx] = _value(lib, val, x)
        return x, x._version
    both(body)


@pytest.mark.parametrize('case', ['int_scalar', 'slice_scalar', 'row_bcast', 'mask', 'list', 'step'])
def test_setitem_noncontiguous_and_through_views(both, case):
    def body(lib):
        base = lib.arange(48.).reshape(4, 3, 4)
        x = base[::2].transpose(1, 2).transpose(1, 2)
        idx, val = SETS[case]
        if isinstance(idx, str):
            idx = x % 5 == 0
        x[idx] = _value(lib, val, x)
        return base, x, base._version, x._version
    both(body)


def test_setitem_bool_tensor(both):
    def body(lib):
        x = lib.zeros(4, dtype=lib.bool)
        x[1] = True
        x[2:] = lib.tensor([1, 0]).bool()
        x[0] = 1
        return x
    both(body)


def test_setitem_tensor_casts_to_target_dtype(both):
    def body(lib):
        x = lib.zeros(3, dtype=lib.int32)
        x[:] = lib.tensor([1.7, -2.7, 3.2])
        y = lib.zeros(2)
        y[0] = lib.tensor(5, dtype=lib.int64)
        y[1] = lib.tensor(True)
        return x, y
    both(body)


@pytest.mark.parametrize('idx,val', [((0,), 'three'), ((slice(None), 0), 'four'), (([0, 1],), 'three'),
                                     ((5,), 1), ((0, 0, 0, 0), 1), ('bad_mask', 1)], ids=repr)
def test_setitem_errors(both, idx, val):
    def body(lib):
        x = lib.zeros(2, 3)
        v = {'three': lib.ones(3, 2), 'four': lib.ones(4)}.get(val, val) if isinstance(val, str) else val
        i = lib.tensor([True, False, True]) if idx == 'bad_mask' else idx
        x[i] = v
        return x
    both(body)


def test_setitem_shape_mismatch_message(both):
    _, e = run_both(lambda lib: lib.zeros(2, 3).__setitem__(0, lib.ones(2)))
    assert 'shape mismatch' in str(e) or 'must match' in str(e)


def test_setitem_leaf_requires_grad_error(both):
    def body(lib):
        x = lib.zeros(3, requires_grad=True)
        x[0] = 1.
    both(body)


def test_setitem_value_from_self_overlap(both):
    def body(lib):
        x = lib.arange(6.)
        x[1:] = x[:-1]
        y = lib.arange(6.)
        y[:3] = y[3:]
        z = lib.arange(6.)
        z[::2] = z[1::2]
        return x, y, z
    both(body)


# ---------------------------------------------------------------- cat / stack
@pytest.mark.parametrize('a,b', [('float32', 'int64'), ('int32', 'int64'), ('uint8', 'int8'), ('bool', 'int16'),
                                 ('float16', 'float64'), ('bool', 'bool'), ('int64', 'float16'), ('bool', 'float32')])
def test_cat_stack_promote(both, a, b):
    def body(lib):
        x = lib.ones(2, 3, dtype=_dt(lib, a))
        y = lib.zeros(2, 3, dtype=_dt(lib, b))
        return lib.cat([x, y]), lib.cat((x, y), dim=1), lib.stack([x, y]), lib.stack([x, y], dim=-1), \
            lib.cat([x, y, x], -1)
    both(body)


@pytest.mark.parametrize('dim', [0, 1, 2, -1, -3])
def test_cat_dims_noncontiguous(both, dim):
    def body(lib):
        x = lib.arange(24.).reshape(2, 3, 4)
        y = lib.arange(24.).reshape(4, 3, 2).permute(2, 1, 0)
        return lib.cat([x, y], dim), lib.cat([x[:, :, ::2], y[..., :2]], dim) if dim in (2, -1) else \
            lib.cat([x[:, ::2], y[:, ::2]], dim)
    both(body)


@pytest.mark.parametrize('dim', [0, 1, 2, 3, -1, -4])
def test_stack_dims(both, dim):
    both(lambda lib: lib.stack([lib.arange(12.).reshape(3, 4), lib.arange(12.).reshape(4, 3).t()] * 2, dim))


def test_cat_empty_legacy_and_out(both):
    def body(lib):
        x = lib.ones(2, 3)
        o = lib.empty(0)
        r = lib.cat([x, x], out=o)
        return (lib.cat([x, lib.tensor([])]), lib.cat([lib.tensor([]), x]), lib.cat([lib.zeros(0, 3), x]),
                r is o, o, lib.concat([x, x]), lib.concatenate([x, x], 1), lib.cat([x]), lib.stack([x]))
    both(body)


def test_hstack_vstack(both):
    both(lambda lib: (lib.hstack([lib.arange(3), lib.arange(2)]), lib.vstack([lib.arange(3), lib.arange(3)]),
                      lib.hstack([lib.ones(2, 1), lib.zeros(2, 2)]), lib.vstack([lib.ones(1, 2), lib.zeros(3, 2)])))


@pytest.mark.parametrize('make', [
    lambda lib: lib.cat([lib.ones(3, 4), lib.zeros(2, 3)]),
    lambda lib: lib.cat([lib.ones(3, 4), lib.zeros(3)]),
    lambda lib: lib.cat([]),
    lambda lib: lib.cat([lib.tensor(1), lib.tensor(2)]),
    lambda lib: lib.cat([lib.ones(3, 4), lib.ones(3, 4)], dim=2),
    lambda lib: lib.cat(lib.ones(3, 4)),
    lambda lib: lib.cat([lib.ones(3, 4), 1]),
    lambda lib: lib.stack([lib.ones(3, 4), lib.ones(2, 4)]),
    lambda lib: lib.stack([]),
    lambda lib: lib.stack([lib.ones(3, 4), lib.ones(3, 4)], dim=3),
    lambda lib: lib.stack([lib.ones(3, 4), 2]),
    lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 3, dtype=lib.int64)], out=lib.empty(0, dtype=lib.int64)),
], ids=range(12))
def test_cat_stack_errors(both, make):
    t, e = run_both(make)
    assert str(e) == str(t), f'message {e!r} != torch {t!r}'


def test_cat_result_is_copy(both):
    def body(lib):
        x = lib.ones(2)
        c = lib.cat([x, x])
        x.add_(1)
        return c, c._base is None, c._version, lib.stack([x])._version
    both(body)


@pytest.mark.parametrize('value', ['list', 'tuple', 'ndarray', 'none', 'str'])
def test_setitem_non_tensor_value_type_error(both, value):
    def body(lib):
        x = lib.zeros(3)
        x[:] = {'list': [1., 2., 3.], 'tuple': (1, 2, 3), 'ndarray': np.ones(3), 'none': None, 'str': 'a'}[value]
    t, e = run_both(body)
    assert str(e) == str(t)


@pytest.mark.parametrize('name,value', [('uint8', -1.5), ('uint8', 1000), ('uint8', -1), ('uint8', -256),
                                        ('int8', 1000), ('int8', -1.5), ('int16', 70000), ('int16', 1000),
                                        ('int32', 2 ** 40), ('int32', float('inf')), ('int8', float('nan')),
                                        ('int64', 2 ** 63), ('bool', 5), ('float16', 1e6), ('uint8', np.int64(300))],
                         ids=repr)
@pytest.mark.parametrize('how', ['setitem', 'fill_', 'mask', 'full'])
def test_scalar_store_overflow(both, name, value, how):
    def body(lib):
        dt = _dt(lib, name)
        x = lib.zeros(2, dtype=dt)
        if how == 'setitem':
            x[0] = value
        elif how == 'fill_':
            x.fill_(value)
        elif how == 'mask':
            x[lib.tensor([True, False])] = value
        else:
            x = lib.full((2,), value, dtype=dt)
        return x
    t, e = run_both(body)
    if isinstance(t, Exception):
        assert str(e) == str(t)


@pytest.mark.parametrize('vdt,vshape', [('float64', ()), ('float64', (1,)), ('int64', ()), ('int64', (2,)),
                                        ('bool', ()), ('float32', (2,))], ids=repr)
@pytest.mark.parametrize('idx', ['list', 'tuple_list', 'tensor', 'mask', 'int', 'slice', 'pair'])
def test_setitem_advanced_value_dtype_rules(both, vdt, vshape, idx):
    def body(lib):
        x = lib.zeros(3, 2)
        i = {'list': [0], 'tuple_list': ([0],), 'tensor': (lib.tensor([0]),), 'mask': lib.tensor([True, False, False]),
             'int': (0,), 'slice': (slice(0, 1),), 'pair': ([0], [1])}[idx]
        x[i] = lib.ones(vshape, dtype=_dt(lib, vdt))
        return x
    t, e = run_both(body)
    if isinstance(t, Exception):
        assert str(e) == str(t)


def test_index_put_dtype_mismatch(both):
    t, e = run_both(lambda lib: lib.zeros(3).index_put_((lib.tensor([0]),), lib.tensor(1., dtype=lib.float64)))
    assert str(e) == str(t)


def test_single_mask_with_one_element_tensor_value(both):
    def body(lib):
        x = lib.zeros(4, dtype=lib.uint8)
        x[lib.tensor([True, False, True, False])] = lib.tensor(1.7)
        y = lib.zeros(2, 2)
        y[y == 0] = lib.tensor([3], dtype=lib.int64)
        return x, y
    both(body)


@pytest.mark.parametrize('make', [
    lambda lib, x: x.__setitem__(slice(1, None), x[:-1]), lambda lib, x: x.__setitem__(slice(None, -1), x[1:]),
    lambda lib, x: x.__setitem__(slice(None), x), lambda lib, x: x.__setitem__(slice(0, 3), x[3:]),
    lambda lib, x: x.__setitem__(slice(None, None, 2), x[1::2]),
], ids=['shift_right', 'shift_left', 'self', 'disjoint', 'interleaved'])
def test_setitem_overlapping_source(both, make):
    def body(lib):
        x = lib.arange(6.)
        make(lib, x)
        return x
    t, e = run_both(body)
    if isinstance(t, Exception):
        assert str(e) == str(t)


@pytest.mark.parametrize('idx', [
    [[0, 1], [1, 0]], [[0, 1]], [0, slice(None)], [0, None], [0, Ellipsis], [[True, False]], [0.5], [0.5, 1.7], [],
    [0, 1, 1], [True, False], [[0], [1]],
], ids=repr)
def test_list_index_as_tuple_heuristic(both, idx):
    both(lambda lib: X(lib)[idx])


def test_list_of_tensors_index_is_tuple(both):
    both(lambda lib: (X(lib)[[lib.tensor(0), lib.tensor(1)]], X(lib)[[lib.tensor([0, 1]), lib.tensor([1, 2])]]))


@pytest.mark.parametrize('op', ['add_', 'fill_', 'zero_', 'setitem', 'copy_', 'mul_'])
def test_write_into_expanded_tensor_errors(both, op):
    def body(lib):
        e = lib.zeros(1, 3).expand(2, 3)
        {'add_': lambda: e.add_(1), 'fill_': lambda: e.fill_(2), 'zero_': lambda: e.zero_(),
         'setitem': lambda: e.__setitem__(0, 5.), 'copy_': lambda: e.copy_(lib.ones(2, 3)),
         'mul_': lambda: e.mul_(lib.ones(3))}[op]()
        return e
    t, e = run_both(body)
    assert str(e) == str(t)


def test_write_into_expanded_single_element_ok(both):
    def body(lib):
        e = lib.zeros(1, 1).expand(1, 1)
        e.add_(1)
        return e
    both(body)


@pytest.mark.parametrize('make', [lambda lib, x: x[[0, slice(None)]], lambda lib, x: x[[[0, 1], [1, 0]]],
                                  lambda lib, x: x[lib.tensor([1, 0], dtype=lib.uint8)], lambda lib, x: x[[0, 1]],
                                  lambda lib, x: x[(0, slice(None))]], ids=range(5))
def test_indexing_deprecation_warnings(both, make):
    import warnings

    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = make(lib, lib.arange(6).reshape(2, 3))
        return r, [(x.category.__name__, str(x.message).split(' (Triggered')[0]) for x in w]
    both(body)


# ---------------------------------------------------------------- property test: chains of view ops
from hypothesis import given, settings, strategies as st, HealthCheck  # noqa: E402


@st.composite
def _view_chain(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ops = draw(st.lists(st.tuples(st.sampled_from(['t', 'slice', 'unsqueeze', 'view', 'reshape', 'squeeze', 'select',
                                                    'none', 'expand', 'flatten', 'permute', 'narrow', 'int_none',
                                                    'view_ones', 'chunk', 'mixed', 'unflatten']),
                                  st.integers(0, 1000)), max_size=5))
    return shape, ops


def _apply(lib, t, op, r):
    nd = t.dim()
    if op == 't' and nd >= 2:
        a, b = r % nd, (r // 7) % nd
        return t.transpose(a, b)
    if op == 'slice' and nd >= 1:
        d = r % nd
        n = t.shape[d]
        start, step = (r // 5) % max(n, 1), 1 + (r // 11) % 2
        return t[(slice(None),) * d + (slice(start, None, step),)]
    if op == 'unsqueeze':
        return t.unsqueeze(r % (nd + 1))
    if op == 'view':
        try:
            return t.view(-1)
        except RuntimeError:
            return t
    if op == 'reshape' and t.numel() > 0:
        return t.reshape(t.numel(), 1) if r % 2 else t.reshape(1, -1)
    if op == 'squeeze':
        return t.squeeze() if r % 2 or nd == 0 else t.squeeze(r % nd)
    if op == 'select' and nd >= 1 and t.shape[r % nd] > 0:
        d = r % nd
        return t.select(d, (r // 3) % t.shape[d])
    if op == 'none' and nd >= 1:
        d = r % (nd + 1)
        return t[(slice(None),) * d + (None,)]
    if op == 'int_none' and nd >= 1 and t.shape[0] > 0:
        return t[None, (r // 3) % t.shape[0]]
    if op == 'expand' and nd >= 1:
        d = r % nd
        if t.shape[d] == 1:
            size = list(t.shape)
            size[d] = 3
            return t.expand(*size)
        return t.expand(2, *t.shape)
    if op == 'flatten' and nd >= 2:
        return t.flatten(r % (nd - 1), -1)
    if op == 'permute' and nd >= 1:
        import random
        perm = list(range(nd))
        random.Random(r).shuffle(perm)
        return t.permute(*perm)
    if op == 'view_ones':
        try:
            return t.view(1, *t.shape, 1) if r % 2 else t.view(*t.shape[:1], 1, *t.shape[1:])
        except RuntimeError:
            return t
    if op == 'chunk' and nd >= 1:
        d = r % nd
        pieces = t.chunk(2, d)
        return pieces[(r // 3) % len(pieces)]
    if op == 'mixed' and nd >= 2 and t.shape[1] > 0:
        return t[None, :, (r // 3) % t.shape[1], ..., None]
    if op == 'unflatten' and nd >= 1 and t.shape[-1] % 2 == 0 and t.shape[-1] > 0:
        return t.unflatten(-1, (2, -1))
    if op == 'narrow' and nd >= 1:
        d = r % nd
        n = t.shape[d]
        start = (r // 3) % max(n, 1)
        return t.narrow(d, start, n - start)
    return t


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=_view_chain())
def test_property_view_chains_match_torch(chain):
    shape, ops = chain

    def body(lib):
        t = lib.arange(float(np.prod(shape))).reshape(shape)
        out = []
        for op, r in ops:
            t = _apply(lib, t, op, r)
            out.append((tuple(t.shape), t.stride(), t.storage_offset() if t.numel() else None, t.is_contiguous()))
        return t, out
    run_both(body)


@pytest.mark.parametrize('make', [lambda lib, t: t.select(0, 1), lambda lib, t: t[1], lambda lib, t: list(t)[1],
                                  lambda lib, t: t.unbind()[1], lambda lib, t: t[1:2].squeeze(),
                                  lambda lib, t: t[1:2].squeeze(0), lambda lib, t: t[..., 1]],
                         ids=['select', 'int', 'iter', 'unbind', 'squeeze', 'squeeze0', 'ellipsis_int'])
def test_zero_dim_views_of_1d_write_through(both, make):
    def body(lib):
        t = lib.arange(4.)
        e = make(lib, t)
        e.add_(10)
        return t, e, e.dim(), e._base is t, e.storage_offset(), t._version
    both(body)


def test_view_dtype_is_not_differentiable_nor_an_autograd_view():
    """torch's view(dtype): shares memory and the version counter, but is not an autograd view
    (no _base, _is_view() False) and never requires grad, even of a tensor that does."""
    def body(lib):
        x = lib.ones(2, 4, requires_grad=True)
        v = x.view(lib.int32)
        w = (x * 2).view(lib.float32)
        plain = lib.ones(4)
        u = plain.view(lib.int32)
        plain.add_(1)
        versions = [u._version]
        u.zero_()
        versions.append(plain._version)
        return (v, v.requires_grad, v.grad_fn is None, v._base is None, v._is_view(), w.requires_grad,
                w.grad_fn is None, versions, plain, x.view(lib.float16).shape)
    run_both(body)
