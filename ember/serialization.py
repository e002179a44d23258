"""``ember.save`` / ``ember.load``: a safe, documented file format for tensors and state dicts.

``ember.save(obj, f)`` writes tensors, Parameters, module and optimizer state dicts and nested
``dict``/``OrderedDict``/``list``/``tuple``/``str``/``int``/``float``/``bool``/``None`` (plus
``ember.Size``, ``ember.dtype``, ``ember.device``, ``bytes`` and NumPy arrays/scalars) to a path
or a binary file object. ``ember.load(f)`` reads them back. Tensors that shared storage when
saved (``x`` and ``x[1:]``) share storage again after loading: an in-place change to one is seen
by the other, as in torch.

Safety. Loading never runs code from the file by default (``weights_only=True``): the file is
a JSON manifest plus raw little-endian array bytes, decoded by a fixed table of tags; a tag
outside that table, a pickle stream, a PyTorch zip file, or any other foreign content raises
:class:`UnsafeFileError` (a ``pickle.UnpicklingError``) before anything is built. Objects the
manifest cannot express (a whole ``nn.Module``, a custom class) are saved as an embedded pickle
section (tensors inside still go to the raw-bytes section); such a file loads only with
``weights_only=False``, which you should pass only for files you trust, or, as in torch, with
``weights_only=True`` once every class and function it names is allowed by
:func:`add_safe_globals` / :func:`safe_globals` (looked up by name: nothing else is imported or
called).

Atomicity. Saving to a path serialises everything in memory first, then writes a temporary
file in the same directory, ``fsync``s it and ``os.replace``s it over the target: an exception
at any point leaves a previous file at that path intact (and no temporary file behind).

File format (version 1)::

    offset 0   8 bytes   magic b'\\x89EMBER\\r\\n'
    offset 8   u32 LE    format version (1)
    offset 12  u64 LE    manifest length M in bytes
    offset 20  u32 LE    CRC-32 of the manifest bytes
    offset 24  M bytes   manifest: UTF-8 JSON (below)
    then       zero padding to a multiple of 64 bytes: the data section starts there; storage i's
               raw little-endian bytes lie at ``data_start + storages[i].offset`` (a multiple of 64)
    end        8 bytes   trailer b'EMBEREND' right after ``data_nbytes`` bytes of data (truncation)

The manifest is ``{"format": "ember", "version": 1, "byteorder": "little", "data_nbytes": N,
"storages": [{"offset", "nbytes", "crc32"}], "tensors": [entry], "obj": value}``. A tensor
entry is ``{"kind": "tensor"|"param"|"ndarray", "dtype", "shape", "storage" (index or null when
empty), "offset" and "strides" (bytes into the storage), "requires_grad", "device"}``: tensors
that shared memory name the same storage. A value is JSON ``null``, ``true``/``false``, an int,
a float (``NaN``/``Infinity`` allowed), a string, a JSON array (a ``list``), or an object
``{"$": tag, ...}`` with tag one of: ``tensor``/``ndarray`` (``id``: index in ``tensors``; the
same tensor saved twice is one entry), ``tuple`` (``items``), ``dict``/``odict`` (``items``:
``[[key, value], ...]``; ``odict`` may carry ``metadata``, a state dict's ``_metadata``),
``bytes`` (``hex``), ``size`` (``items``), ``dtype`` (``name``), ``device`` (``name``),
``npscalar`` (``dtype``, ``hex`` of its bytes), ``pickle`` (``hex`` of a pickle whose
persistent ids ``('tensor', id)`` name tensor entries; refused unless ``weights_only=False``).
Any other tag is refused.

``map_location`` is as in torch: ``None`` (where saved), a device or string (everything there),
a dict ``{saved_location: new_location}``, or a callable ``fn(storage, location)`` that gets a
CPU tensor holding the storage and its saved location string and returns a tensor (or ``None``
for the default). Tensors moved off the CPU are moved one by one (storage sharing is kept on
the CPU only), and CUDA tensors are saved one by one (each with its own storage).

Example:
    >>> ember.save({'model': model.state_dict(), 'opt': opt.state_dict()}, 'ckpt.pt')
    >>> ck = ember.load('ckpt.pt'); model.load_state_dict(ck['model'])
"""
import io
import json
import os
import pickle
import struct
import tempfile
import zlib
from collections import OrderedDict

import numpy as np

from . import _dtype as D
from ._device import device as _device_cls, CPU
from ._tensor import Tensor, Size, _wrap

__all__ = ['save', 'load', 'SerializationError', 'UnsafeFileError', 'add_safe_globals', 'get_safe_globals',
           'clear_safe_globals', 'safe_globals']

MAGIC = b'\x89EMBER\r\n'
TRAILER = b'EMBEREND'
VERSION = 1
_HEADER = struct.Struct('<8sIQI')
_ALIGN = 64
DEFAULT_PROTOCOL = 2


class SerializationError(RuntimeError):
    """A file that is not a readable ember file: truncated, corrupt, unknown version."""


class UnsafeFileError(SerializationError, pickle.UnpicklingError):
    """A file whose loading would run code or build arbitrary classes (refused)."""


def _name(f):
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    return getattr(f, 'name', None) or f'<{type(f).__name__}>'


def _parameter_cls():
    from .nn.parameter import Parameter
    return Parameter


# ====================================================================== saving
def _extent(a):
    """(low, high) byte addresses an array touches."""
    lo = hi = a.__array_interface__['data'][0]
    for n, st in zip(a.shape, a.strides):
        if st < 0:
            lo += (n - 1) * st
        else:
            hi += (n - 1) * st
    return lo, hi + a.itemsize


def _owner(a):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


class _Writer:
    """Encodes a value to the manifest's JSON; tensors go to a table whose byte offsets are
    fixed once every tensor of a storage has been seen (``finish``)."""

    def __init__(self, protocol):
        self.protocol = protocol
        self.tensors = []           # manifest entries
        self.groups = OrderedDict()  # storage key -> [(entry, array)]
        self.memo = {}              # id(tensor) -> table index
        self.keep = []              # keep encoded objects alive so ids stay unique

    def add_array(self, entry, a, key):
        idx = len(self.tensors)
        self.tensors.append(entry)
        if a.size == 0:
            entry.update(storage=None, strides=[0] * a.ndim, offset=0)
        else:
            self.groups.setdefault(key if key is not None else ('own', idx), []).append((entry, a))
        return idx

    def tensor(self, t):
        oid = id(t)
        if oid in self.memo:                    # the same tensor twice: the same entry
            return self.memo[oid]
        self.keep.append(t)
        a = t._data
        entry = {'kind': 'param' if isinstance(t, _parameter_cls()) else 'tensor', 'dtype': t.dtype.name,
                 'shape': list(a.shape), 'requires_grad': bool(t._rg), 'device': str(t._device)}
        if isinstance(a, np.ndarray):
            root = t._storage_root()
            key = id(root)
            self.keep.append(root)
            if a.size and key not in self.groups and isinstance(root._data, np.ndarray) and root._data.size:
                self.groups[key] = [(None, root._data)]      # the whole storage, as torch saves it
        else:                                   # a CUDA array: saved on its own, contiguous
            a = np.ascontiguousarray(t.detach().cpu()._data)
            key = None
        idx = self.add_array(entry, a, key)
        self.memo[oid] = idx
        return idx

    def finish(self):
        """Lay out each storage: the bytes its tensors span, with offsets into it."""
        self.storages = []
        for key, items in self.groups.items():
            ext = [_extent(a) for _, a in items]
            lo, hi = min(e[0] for e in ext), max(e[1] for e in ext)
            owner = _owner(items[-1][1])
            olo, ohi = _extent(owner)
            shared = all(_owner(a) is owner for _, a in items)
            if shared and owner.flags.c_contiguous and olo <= lo and hi <= ohi:
                raw = owner.reshape(-1).view(np.uint8)[lo - olo:hi - olo]
                sidx = len(self.storages)
                self.storages.append(raw.tobytes())
                for (entry, a), (alo, _) in zip(items, ext):
                    if entry is not None:
                        entry.update(storage=sidx, strides=list(a.strides),
                                     offset=a.__array_interface__['data'][0] - lo)
            else:                               # unusual memory: each tensor gets its own copy
                for entry, a in items:
                    if entry is not None:
                        # in its own memory order (a channels-last weight loads channels-last, as torch's
                        # saved strides do); an overlapping (expanded) array row-major
                        c = np.ascontiguousarray(a) if 0 in a.strides else a.copy(order='K')
                        entry.update(storage=len(self.storages), strides=list(c.strides), offset=0)
                        # its bytes in memory order: the dims by decreasing stride are row-major
                        self.storages.append(c.transpose(np.argsort(c.strides, kind='stable')[::-1]).tobytes())

    def encode(self, obj):
        if obj is None or obj is True or obj is False or type(obj) in (int, str, float):
            return obj
        if isinstance(obj, Tensor):
            if obj.is_quantized:        # (its integers, dtype and quantizer: ember/_quantized.py)
                return {'$': 'qtensor', 'parts': self.encode(obj._to_parts())}
            return {'$': 'tensor', 'id': self.tensor(obj)}
        t = type(obj)
        if t is list:
            return [self.encode(v) for v in obj]
        if t is tuple:
            return {'$': 'tuple', 'items': [self.encode(v) for v in obj]}
        if t is Size:
            return {'$': 'size', 'items': [int(v) for v in obj]}
        if t is dict or t is OrderedDict:
            e = {'$': 'dict' if t is dict else 'odict',
                 'items': [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
            md = getattr(obj, '_metadata', None)
            if md is not None:
                e['$'] = 'odict'
                e['metadata'] = self.encode(md)
            return e
        if t is bytes:
            return {'$': 'bytes', 'hex': obj.hex()}
        if isinstance(obj, D.dtype):
            return {'$': 'dtype', 'name': obj.name}
        if isinstance(obj, _device_cls):
            return {'$': 'device', 'name': str(obj)}
        if t is np.ndarray and obj.dtype.kind in 'biuf':
            a = np.ascontiguousarray(obj.astype(obj.dtype.newbyteorder('<'), copy=False))
            self.keep.append(a)
            return {'$': 'ndarray', 'id': self.add_array({'kind': 'ndarray', 'dtype': a.dtype.str,
                                                          'shape': list(a.shape)}, a, None)}
        if isinstance(obj, np.generic) and obj.dtype.kind in 'biuf':
            a = np.asarray(obj).astype(obj.dtype.newbyteorder('<'))
            return {'$': 'npscalar', 'dtype': a.dtype.str, 'hex': a.tobytes().hex()}
        return self.pickled(obj)

    def pickled(self, obj):
        """What the manifest cannot express, as a pickle whose tensors are table references."""
        writer = self
        buf = io.BytesIO()

        class P(pickle.Pickler):
            def persistent_id(self, o):
                return ('tensor', writer.tensor(o)) if isinstance(o, Tensor) else None

        P(buf, protocol=self.protocol).dump(obj)
        return {'$': 'pickle', 'hex': buf.getvalue().hex()}


def _serialize(obj, pickle_protocol):
    w = _Writer(pickle_protocol)
    root = w.encode(obj)
    w.finish()
    storages, off = [], 0
    for buf in w.storages:
        storages.append({'offset': off, 'nbytes': len(buf), 'crc32': zlib.crc32(buf)})
        off += -(-len(buf) // _ALIGN) * _ALIGN
    manifest = {'format': 'ember', 'version': VERSION, 'byteorder': 'little', 'data_nbytes': off,
                'storages': storages, 'tensors': w.tensors, 'obj': root}
    mbytes = json.dumps(manifest, separators=(',', ':')).encode('utf-8')
    head = _HEADER.pack(MAGIC, VERSION, len(mbytes), zlib.crc32(mbytes))
    chunks = [head, mbytes, b'\0' * ((-(len(head) + len(mbytes))) % _ALIGN)]
    for buf in w.storages:
        chunks.append(buf)
        chunks.append(b'\0' * ((-len(buf)) % _ALIGN))
    chunks.append(TRAILER)
    return chunks


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path or a writable binary file object). See the module docstring
    for what can be saved and the file format. Saving to a path is atomic."""
    chunks = _serialize(obj, pickle_protocol)          # everything that can fail, before any I/O
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        d = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(d):
            raise RuntimeError(f"Parent directory {d} does not exist.")
        fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=d)
        try:
            with os.fdopen(fd, 'wb') as fh:
                for c in chunks:
                    fh.write(c)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:                                            # make the rename itself durable
            dfd = os.open(d, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    else:
        if not hasattr(f, 'write'):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
        for c in chunks:
            f.write(c)
        if hasattr(f, 'flush'):
            f.flush()


# ====================================================================== loading
def _read_all(f):
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), 'rb') as fh:
            return fh.read()
    if not hasattr(f, 'read'):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    data = f.read()
    if isinstance(data, str):
        raise TypeError('ember.load needs a file opened in binary mode')
    return bytes(data)


def _sniff_foreign(data, name):
    if data[:2] == b'PK':
        raise UnsafeFileError(f"{name}: this is a zip archive (a PyTorch-format checkpoint?), not an ember "
                              "file; ember does not unpickle PyTorch/zip checkpoints.")
    if data[:1] == b'\x80' or data[:1] in (b'(', b'c', b']', b'}'):
        raise UnsafeFileError(f"{name}: this looks like a raw pickle stream, not an ember file; ember.load "
                              "refuses to unpickle it (unpickling can run arbitrary code).")


def _to_device(t, loc, map_location):
    """Place a CPU-built tensor per map_location; ``loc`` is where it was saved."""
    if map_location is None:
        target = loc
    elif isinstance(map_location, dict):
        target = map_location.get(loc, loc)
    elif isinstance(map_location, (str, _device_cls)):
        target = str(map_location)
    elif callable(map_location):
        r = map_location(t, loc)
        if r is None:
            target = loc
        elif isinstance(r, Tensor):
            return r
        else:
            target = str(r)
    else:
        raise TypeError(f'map_location should be a str, device, dict or callable, not {type(map_location).__name__}')
    target = str(target)
    if target == 'cpu':
        return t
    if target.startswith('cuda'):
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError('Attempting to deserialize object on a CUDA device but ember.cuda.is_available() '
                               'is False. If you are running on a CPU-only machine, please use ember.load with '
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
    return t.to(target)


class _Reader:
    def __init__(self, data, manifest, data_start, name, map_location, weights_only):
        self.data, self.m, self.start, self.name = data, manifest, data_start, name
        self.map_location, self.weights_only = map_location, weights_only
        self.bufs = {}
        self.roots = {}
        self.built = {}

    def bad(self, msg):
        return SerializationError(f'{self.name}: corrupt ember file: {msg}')

    def storage(self, i):
        if i not in self.bufs:
            st = self.m['storages'][i]
            off, n = self.start + int(st['offset']), int(st['nbytes'])
            if off + n > len(self.data) - len(TRAILER) or n < 0 or off < self.start:
                raise self.bad(f'storage {i} lies outside the file')
            raw = self.data[off:off + n]
            if zlib.crc32(raw) != st['crc32']:
                raise self.bad(f'storage {i} fails its CRC-32 check')
            self.bufs[i] = np.frombuffer(bytearray(raw), np.uint8)
        return self.bufs[i]

    def array(self, e, npdtype):
        shape = tuple(int(s) for s in e['shape'])
        if e['storage'] is None:
            if int(np.prod(shape)) != 0:
                raise self.bad('non-empty tensor without storage')
            return np.zeros(shape, npdtype), None
        i = int(e['storage'])
        buf = self.storage(i)
        try:
            a = np.ndarray(shape, npdtype, buffer=buf, offset=int(e['offset']),
                           strides=tuple(int(s) for s in e['strides']))
        except (ValueError, TypeError) as err:
            raise self.bad(f'tensor layout does not fit its storage ({err})') from None
        return a, i

    def tensor(self, k):
        if not isinstance(k, int) or not 0 <= k < len(self.m['tensors']):
            raise self.bad(f'tensor reference {k!r} out of range')
        if k in self.built:
            return self.built[k]
        e = self.m['tensors'][k]
        kind = e.get('kind')
        if kind == 'ndarray':
            try:
                npd = np.dtype(e['dtype'])
            except TypeError:
                raise self.bad(f"unknown array dtype {e['dtype']!r}") from None
            if npd.kind not in 'biuf':
                raise UnsafeFileError(f"{self.name}: refusing NumPy dtype {e['dtype']!r}")
            a, _ = self.array(e, npd)
            self.built[k] = a
            return a
        if kind not in ('tensor', 'param'):
            raise UnsafeFileError(f'{self.name}: unknown tensor kind {kind!r} in the manifest; refusing to load it')
        dt = D._NAMES.get(e.get('dtype'))
        if dt is None:
            raise self.bad(f"unknown dtype {e.get('dtype')!r}")
        a, sidx = self.array(e, dt.np.newbyteorder('<'))
        if a.dtype != dt.np:
            a = a.astype(dt.np)
        t = _wrap(a, dt, CPU)
        if sidx is not None:                        # tensors of one storage share memory and versions
            if sidx not in self.roots:
                buf = self.bufs[sidx]
                r = _wrap(buf, D._NAMES['uint8'], CPU)       # the storage's owner (bytes)
                r._vc = [0]
                self.roots[sidx] = r
            r = self.roots[sidx]
            t._vc = r._vc
            t._extra = {'root': r}
        loc = e.get('device', 'cpu')
        t = _to_device(t, loc, self.map_location)
        rg = bool(e.get('requires_grad'))
        if kind == 'param':
            t = _parameter_cls()(t, requires_grad=rg)
        elif rg:
            t.requires_grad_(True)
        self.built[k] = t
        return t

    def decode(self, v):
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is list:
            return [self.decode(x) for x in v]
        if type(v) is not dict:
            raise self.bad(f'unexpected JSON value {type(v).__name__}')
        tag = v.get('$')
        if tag == 'tensor' or tag == 'ndarray':
            return self.tensor(v.get('id'))
        if tag == 'tuple':
            return tuple(self.decode(x) for x in v['items'])
        if tag == 'qtensor':
            from ._quantized import _from_parts
            return _from_parts(*self.decode(v['parts']))
        if tag in ('dict', 'odict'):
            d = (dict if tag == 'dict' else OrderedDict)()
            for k, x in v['items']:
                k, x = self.decode(k), self.decode(x)
                try:
                    hash(k)
                except TypeError:
                    raise self.bad('unhashable dict key') from None
                d[k] = x
            if 'metadata' in v:
                d._metadata = self.decode(v['metadata'])
            return d
        if tag == 'size':
            return Size(int(x) for x in v['items'])
        if tag == 'bytes':
            return bytes.fromhex(v['hex'])
        if tag == 'dtype':
            if v.get('name') in ('quint8', 'qint8', 'qint32', 'quint4x2'):
                from . import _quantized  # noqa: F401  (registers the quantized dtypes)
            dt = D._NAMES.get(v.get('name'))
            if dt is None:
                raise self.bad(f"unknown dtype {v.get('name')!r}")
            return dt
        if tag == 'device':
            return _device_cls(str(v['name']))
        if tag == 'npscalar':
            npd = np.dtype(str(v['dtype']))
            if npd.kind not in 'biuf':
                raise UnsafeFileError(f"{self.name}: refusing NumPy dtype {v['dtype']!r}")
            return np.frombuffer(bytes.fromhex(v['hex']), npd)[0]
        if tag == 'pickle':
            reader = self
            allowed = _allowed_globals() if self.weights_only else None

            class U(pickle.Unpickler):
                def persistent_load(self, pid):
                    if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == 'tensor'):
                        raise reader.bad(f'bad persistent id {pid!r}')
                    return reader.tensor(pid[1])

                def find_class(self, module, name):
                    if allowed is None:
                        return super().find_class(module, name)
                    # weights_only: only what add_safe_globals allowed, looked up by name (no import)
                    full = f"{'builtins' if module == '__builtin__' else module}.{name}"
                    if full not in allowed:
                        raise UnsafeFileError(
                            f'{reader.name}: the file holds a pickled Python object (saved because the manifest '
                            'cannot express it, e.g. a whole nn.Module); ember.load(weights_only=True) refuses to '
                            'unpickle it. If, and only if, you trust where this file came from, pass '
                            f'weights_only=False. Unsupported global: GLOBAL {full} was not an allowed global by '
                            f'default. Please use `torch.serialization.add_safe_globals([{name}])` or the '
                            f'`torch.serialization.safe_globals([{name}])` context manager to allowlist this '
                            'global if you trust this class/function.')
                    return allowed[full]

            return U(io.BytesIO(bytes.fromhex(v['hex']))).load()
        raise UnsafeFileError(f'{self.name}: the manifest names {tag!r}, which is not a type ember.load builds; '
                              'refusing to load it (only tensors, containers and plain values are allowed).')


_SAFE_GLOBALS = []      # what add_safe_globals allowed: objects, or (object, 'module.name') pairs


def _allowed_globals():
    """'module.name' -> object: what a weights_only load may unpickle (the containers a pickled
    module uses, and the user's safe globals)."""
    out = {'collections.OrderedDict': OrderedDict, 'builtins.set': set, 'builtins.frozenset': frozenset,
           'builtins.complex': complex, 'builtins.bytearray': bytearray, 'builtins.slice': slice}
    for g in _SAFE_GLOBALS:
        if isinstance(g, tuple):
            out[g[1]] = g[0]
        else:
            out[f'{g.__module__}.{g.__qualname__}'] = g
    return out


def add_safe_globals(safe_globals):
    """Allow these classes/functions (or ``(obj, 'module.name')`` pairs) in the pickled objects
    ``load(weights_only=True)`` reads (e.g. a whole saved ``nn.Module``'s classes)."""
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    """The globals :func:`add_safe_globals` allowed."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    """Forget every global :func:`add_safe_globals` allowed."""
    del _SAFE_GLOBALS[:]


class safe_globals:
    """Context manager: :func:`add_safe_globals` for the ``with`` block only."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._prev = list(_SAFE_GLOBALS)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _SAFE_GLOBALS[:] = self._prev
        return False


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved by :func:`save` from ``f`` (a path or a readable binary file object).

    Args:
        map_location: ``None`` (where saved), a device or string, a dict ``{saved: new}`` or a
            callable ``fn(storage, location)``; see the module docstring.
        weights_only (bool): ``True`` (default) unpickles nothing beyond plain containers and what
            :func:`add_safe_globals` allowed; ``False`` also loads any pickled objects :func:`save`
            embeds for things the manifest cannot express (only for trusted files).
    Raises:
        UnsafeFileError: a pickle, zip or other foreign file, or a manifest naming a type outside
            the allowed set. SerializationError: truncated, corrupt or unknown-version files.
    """
    if weights_only is None:
        weights_only = True
    name = _name(f)
    data = _read_all(f)
    if len(data) < _HEADER.size or data[:8] != MAGIC:
        _sniff_foreign(data, name)
        if len(data) < _HEADER.size and MAGIC.startswith(data[:8]) and data:
            raise SerializationError(f'{name}: truncated ember file ({len(data)} bytes)')
        raise SerializationError(f'{name}: not an ember file (bad magic number {data[:8]!r})')
    magic, version, mlen, mcrc = _HEADER.unpack_from(data, 0)
    if version != VERSION:
        raise SerializationError(f'{name}: unsupported ember file format version {version} (this ember reads '
                                 f'version {VERSION}); was it written by a newer ember?')
    mend = _HEADER.size + mlen
    if mend > len(data):
        raise SerializationError(f'{name}: truncated ember file (the manifest needs {mlen} bytes, the file has '
                                 f'{len(data)} in all)')
    mbytes = data[_HEADER.size:mend]
    if zlib.crc32(mbytes) != mcrc:
        raise SerializationError(f'{name}: corrupt ember file: the manifest fails its CRC-32 check')
    try:
        m = json.loads(mbytes.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as err:
        raise SerializationError(f'{name}: corrupt ember file: bad manifest ({err})') from None
    if not isinstance(m, dict) or m.get('format') != 'ember':
        raise SerializationError(f'{name}: corrupt ember file: the manifest is not an ember manifest')
    if m.get('version') != VERSION:
        raise SerializationError(f"{name}: unsupported ember file format version {m.get('version')!r}")
    start = mend + (-mend) % _ALIGN
    total = start + int(m.get('data_nbytes', 0)) + len(TRAILER)
    if len(data) < total or data[total - len(TRAILER):total] != TRAILER:
        raise SerializationError(f'{name}: truncated ember file ({len(data)} bytes, expected {total})')
    if not (map_location is None or isinstance(map_location, (str, dict, _device_cls)) or callable(map_location)):
        raise TypeError(f'map_location should be a str, device, dict or callable, not {type(map_location).__name__}')
    r = _Reader(data, m, start, name, map_location, weights_only)
    try:
        return r.decode(m.get('obj'))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        if isinstance(err, SerializationError):
            raise
        raise SerializationError(f'{name}: corrupt ember file: malformed manifest ({type(err).__name__}: {err})') \
            from None
