"""``ember.save`` / ``ember.load``: round trips (every dtype, 0-d, empty, views, shared storage,
containers, module and optimizer state dicts), paths and BytesIO, map_location, and the safety
properties: no unpickling by default, atomic saves, clear errors for corrupt files."""
import io
import json
import os
import pickle
import struct
import zlib
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.serialization import SerializationError, UnsafeFileError, MAGIC


def roundtrip(obj, **kw):
    b = io.BytesIO()
    ember.save(obj, b)
    b.seek(0)
    return ember.load(b, **kw)


def same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=a.dtype.is_floating_point)


DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']


@pytest.mark.parametrize('name', DTYPES)
def test_roundtrip_each_dtype(name):
    dt = getattr(ember, name)
    x = ember.tensor(np.array([[0, 1, 2], [3, 4, 5]]) % 2 == 1) if name == 'bool' else \
        ember.arange(6).reshape(2, 3).to(dt) * 3
    same(roundtrip(x), x)
    same(roundtrip(x[0, 1]), x[0, 1])                             # 0-d


def test_roundtrip_special_values_and_shapes():
    x = ember.tensor([float('nan'), float('inf'), -float('inf'), -0.0, 1e-38, 3.4e38])
    y = roundtrip(x)
    same(y, x)
    assert np.signbit(y.numpy()[3])
    for e in (ember.empty(0), ember.zeros(3, 0, 2), ember.tensor(5), ember.tensor(2.5, dtype=ember.float64)):
        same(roundtrip(e), e)


def test_views_noncontiguous_and_shared_storage():
    x = ember.arange(12.).reshape(3, 4)
    d = roundtrip({'a': x, 'b': x[1:], 'c': x.t(), 'd': x[:, ::2], 'e': x[2, 3], 'f': x.view(-1)})
    for k, v in (('a', x), ('b', x[1:]), ('c', x.t()), ('d', x[:, ::2]), ('e', x[2, 3]), ('f', x.view(-1))):
        same(d[k], v)
    assert d['c'].stride() == (1, 4) and d['d'].stride() == (4, 2)
    assert d['b'].storage_offset() == 4
    d['a'].mul_(10)                                              # in place on one: the others see it
    assert d['b'].tolist() == [[40., 50., 60., 70.], [80., 90., 100., 110.]]
    assert d['c'][3, 2].item() == 110. and d['e'].item() == 110. and d['f'][5].item() == 50.
    assert d['a'].untyped_storage().data_ptr() == d['b'].untyped_storage().data_ptr()
    assert d['b']._version == d['a']._version                    # one version counter per storage
    assert x[1, 0].item() == 4.                                  # the original is untouched
    # a slice saved alone keeps torch's layout (the storage is saved whole)
    y = roundtrip(x[1:, 1:3])
    same(y, x[1:, 1:3])
    assert y.storage_offset() == 5


def test_same_tensor_twice_is_one_tensor_and_separate_tensors_stay_separate():
    x, z = ember.ones(3), ember.ones(3)
    d = roundtrip([x, x, z])
    assert d[0] is d[1] and d[2] is not d[0]
    d[2].add_(1)
    assert d[0].tolist() == [1., 1., 1.]


def test_nested_containers_and_plain_values():
    obj = {'list': [1, 2.5, 'x', None, True, False], 'tuple': (1, (2, (3,))), 'od': OrderedDict(b=1, a=2),
           3: 'int key', (1, 2): 'tuple key', 'big': 2 ** 80, 'f': 0.1, 'nan': float('nan'),
           'bytes': b'\x00\xff', 'dtype': ember.float16, 'dev': ember.device('cpu'), 'size': ember.Size([2, 3]),
           'np': np.arange(4, dtype=np.int32), 'npf': np.float32(1.5), 'empty': {}, 'el': []}
    r = roundtrip(obj)
    assert list(r) == list(obj)
    for k in obj:
        if k in ('nan', 'np', 'npf'):
            continue
        assert r[k] == obj[k] and type(r[k]) is type(obj[k]), k
    assert r['nan'] != r['nan']
    assert type(r['od']) is OrderedDict and list(r['od']) == ['b', 'a']
    assert type(r['size']) is ember.Size and r['dtype'] is ember.float16
    assert np.array_equal(r['np'], obj['np']) and r['np'].dtype == np.int32
    assert r['npf'] == np.float32(1.5) and r['npf'].dtype == np.float32


def test_parameters_and_requires_grad():
    p = nn.Parameter(ember.randn(2, 3))
    q = nn.Parameter(ember.randn(2), requires_grad=False)
    t = ember.randn(2, requires_grad=True)
    r = roundtrip({'p': p, 'q': q, 't': t, 'nonleaf': t * 2})
    same(r['p'], p)
    same(r['q'], q)
    same(r['t'], t)
    assert isinstance(r['p'], nn.Parameter) and r['p'].is_leaf and r['t'].is_leaf
    assert r['nonleaf'].requires_grad and r['nonleaf'].grad_fn is None


def _mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))


def test_module_state_dict_roundtrip_through_path(tmp_path):
    model = _mlp()
    path = tmp_path / 'model.pt'
    ember.save(model.state_dict(), path)
    sd = ember.load(path)
    assert type(sd) is OrderedDict and list(sd) == ['0.weight', '0.bias', '2.weight', '2.bias']
    assert sd._metadata == model.state_dict()._metadata
    fresh = _mlp()
    x = ember.randn(5, 3)
    assert not np.allclose(fresh(x).detach().numpy(), model(x).detach().numpy())
    fresh.load_state_dict(sd)
    assert np.array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    ember.save(model.state_dict(), str(path))                   # str paths too, overwriting
    assert list(ember.load(str(path))) == list(sd)


def test_optimizer_state_dict_roundtrip_continues_identically():
    def steps(model, opt, n, seed):
        g = ember.Generator().manual_seed(seed)
        for _ in range(n):
            x = ember.randn(4, 3, generator=g)
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()

    for make in (lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9),
                 lambda ps: ember.optim.Adam(ps, lr=0.01, betas=(0.8, 0.9))):
        model = _mlp()
        opt = make(model.parameters())
        steps(model, opt, 3, 0)
        ck = roundtrip({'model': model.state_dict(), 'opt': opt.state_dict()})
        assert ck['opt']['param_groups'][0].get('betas', (0.8, 0.9)) == (0.8, 0.9)
        model2 = _mlp()
        model2.load_state_dict(ck['model'])
        opt2 = make(model2.parameters())
        opt2.load_state_dict(ck['opt'])
        steps(model, opt, 3, 1)
        steps(model2, opt2, 3, 1)
        for p, q in zip(model.parameters(), model2.parameters()):
            assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_bytesio_at_an_offset_and_file_objects(tmp_path):
    b = io.BytesIO()
    b.write(b'header')
    ember.save({'x': ember.ones(2)}, b)
    b.seek(6)
    assert ember.load(b)['x'].tolist() == [1., 1.]
    with open(tmp_path / 'f.pt', 'wb') as fh:
        ember.save([ember.zeros(1)], fh)
    with open(tmp_path / 'f.pt', 'rb') as fh:
        assert ember.load(fh)[0].tolist() == [0.]


def test_map_location_forms():
    x = ember.arange(4.)
    d = {'a': x, 'b': x[2:]}
    for ml in ('cpu', ember.device('cpu'), {'cpu': 'cpu'}, lambda storage, loc: storage, lambda s, loc: None):
        r = roundtrip(d, map_location=ml)
        same(r['a'], x)
        same(r['b'], x[2:])
    seen = []
    roundtrip(d, map_location=lambda storage, loc: seen.append(loc))
    assert seen and set(seen) == {'cpu'}
    with pytest.raises(TypeError):
        roundtrip(d, map_location=3)


def _edit_manifest(raw, fn):
    """The same file with its manifest changed by ``fn`` (re-signed, data section kept)."""
    mlen = struct.unpack_from('<Q', raw, 12)[0]
    m = json.loads(raw[24:24 + mlen])
    start = 24 + mlen + (-(24 + mlen)) % 64
    fn(m)
    return _manifest_file(m, raw[start:-8])


def test_cuda_saved_tensor_needs_map_location_without_cuda():
    if ember.cuda.is_available():
        pytest.skip('CUDA is available here: the CPU-only error cannot occur')
    b = io.BytesIO()
    ember.save({'x': ember.ones(2)}, b)
    raw = _edit_manifest(b.getvalue(), lambda m: m['tensors'][0].update(device='cuda:0'))
    with pytest.raises(RuntimeError, match='map_location'):
        ember.load(io.BytesIO(raw))
    assert ember.load(io.BytesIO(raw), map_location='cpu')['x'].tolist() == [1., 1.]
    assert ember.load(io.BytesIO(raw), map_location={'cuda:0': 'cpu'})['x'].tolist() == [1., 1.]


# ------------------------------------------------------------------ safety
class _Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def _manifest_file(manifest, data=b''):
    m = json.dumps(manifest).encode()
    head = struct.pack('<8sIQI', MAGIC, 1, len(m), zlib.crc32(m))
    pad = b'\0' * ((-(len(head) + len(m))) % 64)
    return head + m + pad + data + b'EMBEREND'


def test_malicious_pickle_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / 'evil.pt'
    path.write_bytes(pickle.dumps({'w': _Evil()}))
    calls = []
    monkeypatch.setattr(os, 'system', lambda *a: calls.append(a))
    for wo in (True, False):                     # a raw pickle is never unpickled
        with pytest.raises(UnsafeFileError, match='evil.pt'):
            ember.load(path, weights_only=wo)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(path)
    assert calls == []


def test_manifest_naming_classes_or_embedding_pickles_is_refused(monkeypatch):
    evil = pickle.dumps(_Evil()).hex()
    calls = []
    monkeypatch.setattr(os, 'system', lambda *a: calls.append(a))
    base = {'format': 'ember', 'version': 1, 'byteorder': 'little', 'data_nbytes': 0, 'storages': [],
            'tensors': []}
    for obj in ({'$': 'os.system', 'args': ['echo pwned']}, {'$': 'builtins.eval', 'items': ['1']},
                [{'$': 'pickle', 'hex': evil}]):
        with pytest.raises(UnsafeFileError):
            ember.load(io.BytesIO(_manifest_file(dict(base, obj=obj))))
    bad = dict(base, tensors=[{'kind': 'os.system', 'dtype': 'float32', 'shape': [], 'storage': None}],
               obj={'$': 'tensor', 'id': 0})
    with pytest.raises(UnsafeFileError):
        ember.load(io.BytesIO(_manifest_file(bad)))
    assert calls == []


def test_unrepresentable_objects_need_weights_only_false():
    model = _mlp()
    b = io.BytesIO()
    ember.save(model, b)                         # a whole module: embedded pickle section
    b.seek(0)
    with pytest.raises(UnsafeFileError, match='weights_only=False'):
        ember.load(b)
    b.seek(0)
    m2 = ember.load(b, weights_only=False)
    x = ember.randn(2, 3)
    assert type(m2) is nn.Sequential and np.array_equal(m2(x).detach().numpy(), model(x).detach().numpy())


class _Boom:
    def __reduce__(self):
        raise RuntimeError('boom during serialization')


def test_atomic_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / 'ck.pt'
    ember.save({'v': ember.tensor([1., 2.])}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match='boom'):
        ember.save({'v': ember.tensor([3.]), 'bad': _Boom()}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ['ck.pt']

    def failing_replace(src, dst):               # a failure after the data was written
        raise OSError('disk full')
    monkeypatch.setattr(os, 'replace', failing_replace)
    with pytest.raises(OSError, match='disk full'):
        ember.save({'v': ember.tensor([4.])}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ['ck.pt']
    assert ember.load(path)['v'].tolist() == [1., 2.]
    with pytest.raises(RuntimeError):             # a missing directory: nothing written
        ember.save({}, tmp_path / 'nope' / 'x.pt')


def test_corrupt_truncated_and_unknown_version_name_the_file(tmp_path):
    path = tmp_path / 'good.pt'
    ember.save({'w': ember.arange(100.), 'b': ember.ones(3)}, path)
    raw = path.read_bytes()
    at = raw.index(np.arange(100, dtype=np.float32).tobytes()) + 37
    cases = {
        'trunc_half.pt': (raw[:len(raw) // 2], 'truncated'),
        'trunc_tail.pt': (raw[:-3], 'truncated'),
        'trunc_head.pt': (raw[:10], 'truncated'),
        'empty.pt': (b'', 'not an ember file'),
        'text.pt': (b'hello world, not a checkpoint', 'not an ember file'),
        'zip.pt': (b'PK\x03\x04' + b'\0' * 40, 'zip'),
        'v99.pt': (raw[:8] + struct.pack('<I', 99) + raw[12:], 'version 99'),
        'flip_manifest.pt': (raw[:30] + bytes([raw[30] ^ 0xFF]) + raw[31:], 'CRC'),
        'flip_data.pt': (raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:], 'CRC'),
    }
    for name, (data, msg) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(SerializationError, match=msg) as ei:
            ember.load(p)
        assert name in str(ei.value), (name, str(ei.value))
        assert isinstance(ei.value, RuntimeError)
    assert ember.load(path)['w'].sum().item() == 4950.


def test_load_does_not_alias_the_input_buffer():
    b = io.BytesIO()
    ember.save(ember.zeros(3), b)
    raw = bytearray(b.getvalue())
    t = ember.load(io.BytesIO(raw))
    t.add_(1)
    assert ember.load(io.BytesIO(bytes(raw))).tolist() == [0., 0., 0.]


def test_tensor_layout_outside_its_storage_is_corrupt():
    b = io.BytesIO()
    ember.save(ember.arange(4.), b)
    for change in (dict(strides=[400]), dict(offset=1000), dict(offset=-4), dict(shape=[40]), dict(dtype='evil'),
                   dict(storage=7)):
        raw = _edit_manifest(b.getvalue(), lambda m: m['tensors'][0].update(change))
        with pytest.raises(SerializationError, match='corrupt'):
            ember.load(io.BytesIO(raw))
    raw = _edit_manifest(b.getvalue(), lambda m: m.update(obj={'$': 'tensor', 'id': 3}))
    with pytest.raises(SerializationError, match='out of range'):
        ember.load(io.BytesIO(raw))
