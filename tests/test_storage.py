"""ember.storage against torch.storage: tensor.storage() (TypedStorage over the whole memory a
tensor views: indexing, writing through, fill_, tolist, repr, deprecation warning), storage_type(),
untyped_storage(), the legacy FloatStorage-style classes, is_storage, errors."""
import warnings

import pytest

import ember

torch = pytest.importorskip('torch')


def test_typed_storage_like_torch():
    def body(lib):
        out = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            x = lib.arange(6.).reshape(2, 3)[:, 1:]
            s = x.storage()
            out += [len(s), s.size(), str(s.dtype), str(s.device), s.element_size(), s.nbytes(), s.data_ptr() == x.storage().data_ptr(), s.tolist(), repr(s), s[1], s[-1], str(x.storage_type()), lib.is_storage(s), s.type(), s.is_cuda]
            s[0] = 5.
            out.append(x.tolist())
            out.append(x.untyped_storage().nbytes())
            s.fill_(2); out.append(x.tolist())
            e = lib.FloatStorage([1, 2]); out += [e.tolist(), repr(e), len(lib.FloatStorage(3)), lib.LongStorage([3]).tolist(), str(lib.arange(3).storage().dtype), str(lib.arange(3).storage_type())]
            for bad in (lambda: s[6], lambda: s[0:2]):
                try: bad(); out.append('no error')
                except Exception as ex: out.append((type(ex).__name__, str(ex)))
            out.append(len([x for x in w if 'TypedStorage is deprecated' in str(x.message)]) >= 1)
        return out
    assert body(ember) == body(torch)
