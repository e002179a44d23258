"""PyTorch's CPU random numbers: its Mersenne Twister and the transform each sampling op applies.

``torch.manual_seed(s)`` seeds an mt19937 engine (the 32-bit Mersenne Twister, seeded with the
low 32 bits of ``s`` by the reference ``init_genrand``), and every CPU sampling kernel turns its
32-bit words (``random()``) or pairs of them (``random64()``) into numbers in a fixed way. This
file does the same with NumPy's MT19937 bit generator, so that after ``ember.manual_seed(s)``
the same calls draw the same numbers as torch: ``rand``, ``randn``, ``randint``, ``randperm``,
``uniform_``, ``normal_``, ``bernoulli``, dropout masks, ``exponential_``, ``multinomial``, and
through them ``nn.init`` and the data loader's shuffles.

The transforms (ATen's ``DistributionsHelper.h`` / ``TransformationHelper.h``):
- uniform, float32 (and float16, rounded after): ``(random() & (2**24 - 1)) * 2**-24`` in
  float32, then ``x * (to - from) + from`` as one fused multiply-add; float64: 53 bits of
  ``random64()``.
- normal, 16 or more elements: all uniforms first, then Box-Muller on each block of 16 (the
  first 8 give the radii, the last 8 the angles); a tail shorter than 16 redraws the last 16
  uniforms. Fewer than 16: one float64 Box-Muller per pair, the second value kept for the next
  draw (the generator's cached normal, reset by ``manual_seed``).
- integers in [low, high): ``random() % range + low`` (``random64()`` when range >= 2**32).
- randperm(n): a Fisher-Yates pass with ``random() % (n - i)``.
- bernoulli(p) and exponential: a float64 uniform (``u < p``, ``-log1p(-u) / lambda``).

torch's float32 ``randn`` of 16 or more values runs avx_mathfun's vectorised log and sin/cos
(on x86 CPUs with AVX2), emulated below bit for bit. Known differences: on a CPU without AVX2
torch uses libm's log/sin/cos there; on Intel CPUs torch's ``bernoulli_(p)`` (dropout) uses
MKL's generator. The numbers match torch's on this project's AMD EPYC (tests/test_random_torch.py).

Example:
    >>> ember.manual_seed(0); ember.rand(3)      # tensor([0.4963, 0.7682, 0.0885]), as torch
"""
import math

import numpy as np

_MASK53 = (1 << 53) - 1
_DIGITS = {np.dtype(np.float32): 24, np.dtype(np.float16): 11, np.dtype(np.float64): 53}


class _NoSeed(np.random.bit_generator.ISeedSequence):
    """A seed sequence that skips the hashing (~100 us) of a new MT19937: its state is set after."""
    def generate_state(self, n_words, dtype=np.uint32):
        return np.zeros(n_words, dtype)


_NO_SEED = _NoSeed()


def _seeded_mt(seed32):
    """NumPy's MT19937 in the state ``init_genrand(seed32)`` leaves (the reference seeding): NumPy's
    legacy integer seeding is that function (~40 us with the construction; a DataLoader seeds a
    generator every epoch), else the same steps in Python."""
    try:
        bg = np.random.MT19937(_NO_SEED)
        bg._legacy_seeding(seed32 & 0xffffffff)
        return bg
    except (AttributeError, TypeError):     # a NumPy without the private method
        pass
    key = np.empty(624, np.uint32)
    x = seed32 & 0xffffffff
    key[0] = x
    for i in range(1, 624):
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xffffffff
        key[i] = x
    bg = np.random.MT19937(0)
    bg.state = {'bit_generator': 'MT19937', 'state': {'key': key, 'pos': 624}}
    return bg


# ---------------------------------------------------------------------------------------------
# avx_mathfun.h (Cephes polynomials in float32), as torch's normal_fill_AVX2 runs them: the
# compiler fuses each multiply feeding an add into one FMA
_f32 = np.float32


_BM_ROWS = 8192         # Box-Muller blocks per piece: 128K values, whose float64 temporaries stay in cache
_LOW29, _HALF29 = np.uint64(0x1FFFFFFF), np.uint64(0x10000000)
_F32_TINY, _F32_MAX = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)


def _fma(a, b, c):
    """float32 ``a * b + c`` rounded once. The float64 product is exact and the float64 sum is
    rounded once; rounding that to float32 is right unless the sum landed exactly halfway
    between two float32 values while the exact sum was not there (its error, from TwoSum,
    decides which way). Halfway sums are found from their bits (the 29 significand bits float32
    drops are 1 then 28 zeros) and only those few are examined."""
    p = np.multiply(a, b, dtype=np.float64)
    s = np.add(p, c, dtype=np.float64)
    r = s.astype(_f32)
    cand = (s.view(np.uint64) & _LOW29) == _HALF29
    mag = np.abs(s)
    odd = (mag < _F32_TINY) | (mag > _F32_MAX)      # (outside float32's normal range the bits say nothing)
    if odd.any():
        cand |= odd
    if not cand.any():
        return r
    i = np.flatnonzero(cand)
    si, ri = s.ravel()[i], r.ravel()[i]
    pi = np.broadcast_to(p, s.shape).ravel()[i]
    ci = np.broadcast_to(np.asarray(c, np.float64), s.shape).ravel()[i]
    back = ri.astype(np.float64)
    up = si > back
    nb = np.nextafter(ri, np.where(up, _f32(np.inf), _f32(-np.inf))).astype(np.float64)
    tie = (si != back) & (si == (back + nb) * 0.5)
    bb = si - pi
    err = (pi - (si - bb)) + (ci - bb)
    fix = tie & (err != 0) & ((err > 0) == up)
    r.ravel()[i] = np.where(fix, nb.astype(_f32), ri)
    return r


_LOG_P = [7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
          -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1]


def _log_avx(x):
    """``log256_ps`` for positive normal float32 ``x``."""
    xi = x.astype(_f32).view(np.int32)
    e = ((xi >> 23) - 0x7f).astype(_f32) + _f32(1)
    x = ((xi & ~0x7f800000) | np.int32(0x3f000000)).view(_f32)          # mantissa in [0.5, 1)
    small = x < _f32(0.707106781186547524)
    e = e - small.astype(_f32)
    x = (x - _f32(1)) + np.where(small, x, _f32(0))
    z = x * x
    y = np.full_like(x, _f32(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = _fma(y, x, _f32(p))
    y = _fma(y * x, z, e * _f32(-2.12194440e-4))      # (the pairings GCC chose: found by testing)
    y = _fma(z, _f32(-0.5), y)
    return _fma(e, _f32(0.693359375), x + y)


def _sincos_avx(x):
    """``sincos256_ps`` for float32 ``x >= 0`` (the angles here): (sin, cos)."""
    x = x.astype(_f32)
    j = ((x * _f32(1.27323954473516)).astype(np.int32) + 1) & ~1
    y = j.astype(_f32)
    for dp in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma(y, _f32(dp), x)
    sign_sin = ((j & 4) << 29).astype(np.int32)
    sign_cos = ((~(j - 2) & 4) << 29).astype(np.int32)
    z = x * x
    c = np.full_like(x, _f32(2.443315711809948E-005))
    c = _fma(c, z, _f32(-1.388731625493765E-003))
    c = _fma(c, z, _f32(4.166664568298827E-002))
    c = _fma(c * z, z, -(z * _f32(0.5))) + _f32(1)
    s = np.full_like(x, _f32(-1.9515295891E-4))
    s = _fma(s, z, _f32(8.3321608736E-3))
    s = _fma(s, z, _f32(-1.6666654611E-1))
    s = _fma(s * z, x, x)
    first = (j & 2) == 0
    sin = np.where(first, s, c).view(np.int32) ^ sign_sin
    cos = np.where(first, c, s).view(np.int32) ^ sign_cos
    return sin.view(_f32), cos.view(_f32)


class TorchCPURandom:
    """A NumPy-Generator-like source (``random``, ``standard_normal``, ``integers``,
    ``permutation``, ...) whose draws are PyTorch's CPU generator's. Methods NumPy's Generator
    has and this one does not define (``gamma``, ``choice``, ...) come from a PCG64 generator
    seeded with the same seed: reproducible, but not torch's numbers."""
    torch_cpu = True

    def __init__(self, seed):
        self.seed = seed & 0xffffffffffffffff
        self._bg = _seeded_mt(self.seed)
        self._raw = self._bg.random_raw
        self.next_double_normal = None      # the cached second value of a float64 Box-Muller pair
        self.next_float_normal = None
        self._fresh = True                  # no draw since seeding (torch reports next = 0 then)
        self._other = None

    # ------------------------------------------------------------------ words
    def _u32(self, n):
        self._fresh = False
        return self._raw(n)

    def _u64(self, n):
        self._fresh = False
        r = self._raw(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def _uniform01(self, n, dt):
        """``n`` uniforms in [0, 1) of float dtype ``dt`` (float32 arithmetic below float64)."""
        if dt == np.float64:
            return (self._u64(n) & np.uint64(_MASK53)).astype(np.float64) * 2.0 ** -53
        # (float16 tensors too: torch draws them as float32 uniforms, then rounds)
        return (self._u32(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)

    # ------------------------------------------------------------------ NumPy Generator API
    def random(self, size=None, dtype=np.float64, out=None):
        """torch's ``uniform_(0, 1)`` for a tensor of ``dtype`` (float32 or float64)."""
        shape = () if size is None else (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        n = int(np.prod(shape)) if shape else 1
        r = self._uniform01(n, np.dtype(dtype)).reshape(shape)
        return r if size is not None else r[()]

    def uniform(self, low=0.0, high=1.0, size=None, dtype=np.float64):
        """torch's ``uniform_(low, high)``: ``x * (high - low) + low`` in the tensor's dtype."""
        dt = np.dtype(dtype)
        if dt == np.float64:
            x = self.random(size, np.float64)
            return x * (np.float64(high) - np.float64(low)) + np.float64(low)
        # float32: torch's x * (to - from) + from is compiled to one fused multiply-add (one
        # rounding), which the float64 product (exact) and sum reproduce
        x = self.random(size, np.float32)
        lo, hi = np.float32(low), np.float32(high)
        return (x.astype(np.float64) * np.float64(hi - lo) + np.float64(lo)).astype(np.float32)

    def standard_normal(self, size=None, dtype=np.float64, out=None, bf16=False):
        return self.normal(0.0, 1.0, size, dtype, bf16=bf16)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=np.float64, bf16=False, serial=False):
        """torch's ``normal_(loc, scale)`` for a contiguous tensor of ``size`` and ``dtype``
        (``bf16``: of a bfloat16 tensor, float32 values that the caller rounds; ``serial``: of a
        non-contiguous one, which torch fills one draw at a time, in memory order)."""
        shape = () if size is None else (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        n = int(np.prod(shape)) if shape else 1
        dt = np.dtype(dtype)
        if n >= 16 and bf16 and not serial:
            r = self._normal_fill_blocks(n, loc, scale)
        elif n >= 16 and not serial:
            r = self._normal_fill(n, dt, loc, scale)
        else:
            z = np.array([self._normal_double() for _ in range(n)], np.float64)
            r = z * float(scale) + float(loc)
        r = r.astype(np.float64 if dt == np.float64 else np.float32, copy=False).reshape(shape)
        return r if size is not None else r[()]

    def _normal_fill(self, n, dt, mean, std):
        """ATen's normal_fill: uniforms for all ``n``, Box-Muller on blocks of 16, the tail redrawn."""
        wide = dt == np.float64
        t = np.float64 if wide else np.float32
        data = self._uniform01(n, np.dtype(t))
        full = n - n % 16
        blocks = data[:full].reshape(-1, 16)
        for i in range(0, len(blocks), _BM_ROWS):    # (in cache-sized pieces: each block is independent)
            self._box_muller16(blocks[i:i + _BM_ROWS], t, mean, std)
        if n % 16:
            tail = self._uniform01(16, np.dtype(t)).reshape(1, 16)
            self._box_muller16(tail, t, mean, std)
            data[n - 16:] = tail[0]
        return data

    def _normal_fill_blocks(self, n, mean, std):
        """torch's bfloat16 normal_fill: 16 float32 uniforms drawn per block of 16 just before its
        Box-Muller (the float32 kernel draws all uniforms first), the tail redrawn as there."""
        data = np.empty(n, np.float32)
        full = n - n % 16
        if full:
            blocks = self._uniform01(full, np.dtype(np.float32)).reshape(-1, 16)
            for i in range(0, len(blocks), _BM_ROWS):
                self._box_muller16(blocks[i:i + _BM_ROWS], np.float32, mean, std)
            data[:full] = blocks.reshape(-1)
        if n % 16:
            tail = self._uniform01(16, np.dtype(np.float32)).reshape(1, 16)
            self._box_muller16(tail, np.float32, mean, std)
            data[n - 16:] = tail[0]
        return data

    @staticmethod
    def _box_muller16(blocks, t, mean, std):
        u1 = t(1) - blocks[:, :8]                  # [0, 1) -> (0, 1] for the log
        u2 = blocks[:, 8:]
        if t is np.float32:
            # torch's AVX2 kernel: avx_mathfun's log and sincos, then n * std + mean fused
            radius = np.sqrt(np.float32(-2) * _log_avx(u1))
            sin, cos = _sincos_avx(np.float32(2.0 * math.pi) * u2)
            m, s = np.float64(np.float32(mean)), np.float64(np.float32(std))
            blocks[:, :8] = (radius * cos).astype(np.float64) * s + m
            blocks[:, 8:] = (radius * sin).astype(np.float64) * s + m
        else:
            radius = np.sqrt(t(-2) * np.log(u1))
            theta = t(2.0 * math.pi) * u2
            blocks[:, :8] = radius * np.cos(theta) * std + mean
            blocks[:, 8:] = radius * np.sin(theta) * std + mean

    def _normal_double(self):
        """One draw of ATen's ``normal_distribution<double>`` (mean 0, std 1), with its cache."""
        if self.next_double_normal is not None:
            r, self.next_double_normal = self.next_double_normal, None
            return r
        u1, u2 = self._uniform01(2, np.dtype(np.float64)).tolist()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.next_double_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        """torch's ``random_(low, high)`` / ``randint``: ``word % (high - low) + low``."""
        if high is None:
            low, high = 0, low
        if endpoint:
            high += 1
        shape = () if size is None else (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        n = int(np.prod(shape)) if shape else 1
        span = int(high) - int(low)
        words = self._u64(n) if span >= 1 << 32 else self._u32(n)
        r = (words % np.uint64(span)).astype(np.int64) + np.int64(low) if span < 1 << 63 else \
            np.array([(int(w) % span) + int(low) for w in words], np.int64)
        r = r.astype(dtype, copy=False).reshape(shape)
        return r if size is not None else r[()]

    def random_full(self, size, dtype):
        """torch's ``random_()`` without bounds for a tensor of NumPy ``dtype``: ``[0, 2**digits]``
        for floats, ``[0, max]`` for integers, ``{0, 1}`` for bool."""
        dt = np.dtype(dtype)
        shape = tuple(size)
        n = int(np.prod(shape)) if shape else 1
        wide = dt in (np.dtype(np.int64), np.dtype(np.float64))
        words = self._u64(n) if wide else self._u32(n)
        if dt == np.bool_:
            r = (words & np.uint64(1)).astype(np.bool_)
        elif dt.kind == 'f':
            r = (words % np.uint64((1 << _DIGITS.get(dt, 8)) + 1)).astype(dt)
        else:
            r = (words % np.uint64(int(np.iinfo(dt).max) + 1)).astype(dt)
        return r.reshape(shape)

    def permutation(self, n):
        """torch's CPU ``randperm(n)`` (n < 2**32 / 20): Fisher-Yates with ``random() % (n - i)``."""
        if isinstance(n, np.ndarray):
            return n[self.permutation(len(n))]
        n = int(n)
        r = list(range(n))
        if n > 1:
            # the swap targets computed at once; the swaps themselves are sequential (list ops)
            i = np.arange(n - 1, dtype=np.uint64)
            targets = (self._u32(n - 1) % (np.uint64(n) - i) + i).tolist()
            for i, z in enumerate(targets):
                r[i], r[z] = r[z], r[i]
        return np.array(r, np.int64)

    def bernoulli(self, p, size):
        """torch's ``bernoulli_(p)`` (a float p; dropout's mask): float64 uniform < p."""
        return self.random(size, np.float64) < float(p)

    def bernoulli_tensor(self, p):
        """torch's ``bernoulli(p)`` for a tensor of probabilities: a uniform of p's precision
        (float64 for float64 p, else float32) below p."""
        wide = p.dtype == np.float64
        u = self.random(p.shape, np.float64 if wide else np.float32)
        return u < (p if wide else p.astype(np.float32, copy=False))

    def exponential(self, scale=1.0, size=None):
        """torch's ``exponential_(1 / scale)``: ``-1/lambda * log1p(-u)``, u a float64 uniform."""
        u = self.random(size, np.float64)
        return (-1.0 / (1.0 / scale)) * np.log1p(-u)

    def geometric(self, p, size=None):
        u = self.random(size, np.float64)
        return np.ceil(np.log(u) / np.log1p(-p))

    def standard_cauchy(self, size=None):
        return np.tan(math.pi * (self.random(size, np.float64) - 0.5))

    def log_normal(self, mean, std, size):
        """torch's ``log_normal_``: ``exp(z * std + mean)``, z from the per-element float64 normal."""
        shape = tuple(size)
        n = int(np.prod(shape)) if shape else 1
        z = np.array([self._normal_double() for _ in range(n)], np.float64)
        return np.exp(z * std + mean).reshape(shape)

    def multinomial(self, rows, num_samples, replacement):
        """torch's CPU multinomial for ``rows`` (2-D, the input's dtype): with replacement and
        more than one sample, a float64 uniform per sample searched in the normalised cumulative
        sums; otherwise the largest ``p / Exp(1)`` (argmax, or topk)."""
        if replacement and num_samples > 1:
            cum = np.cumsum(rows, axis=-1, dtype=rows.dtype)
            total = cum[:, -1:].copy()
            cum = np.where(total > 0, cum / total, cum)
            cum[:, -1] = 1
            out = np.empty((rows.shape[0], num_samples), np.int64)
            for i in range(rows.shape[0]):
                u = self.random(num_samples, np.float64)
                out[i] = np.searchsorted(cum[i].astype(np.float64), u, side='left')
            return out
        q = self.exponential(1.0, rows.shape).astype(rows.dtype)
        q = rows / q
        if num_samples == 1:
            return np.argmax(q, axis=-1)[:, None]
        return np.argsort(-q, axis=-1, kind='stable')[:, :num_samples]

    # ------------------------------------------------------------------ state (torch's layout)
    def state_bytes(self):
        """The 5056 bytes of torch's ``get_rng_state()`` (CPUGeneratorImplState)."""
        st = self._bg.state['state']
        pos = int(st['pos'])
        left, nxt = (1, 0) if self._fresh else (625 - pos, pos)
        head = np.array([self.seed], np.uint64).tobytes() + np.array([left, 1], np.int32).tobytes() + \
            np.array([nxt], np.uint64).tobytes() + st['key'].astype(np.uint64).tobytes()
        normal_y = self.next_double_normal if self.next_double_normal is not None else 0.0
        tail = np.array([0.0, normal_y, 0.0], np.float64).tobytes() + \
            np.array([self.next_double_normal is not None, 0], np.int32).tobytes()
        nf = self.next_float_normal
        tail += np.array([nf if nf is not None else 0.0], np.float32).tobytes() + \
            bytes([nf is not None, 0, 0, 0])
        return head + tail

    def set_state_bytes(self, raw):
        if len(raw) != 5056:
            raise RuntimeError(f'Expected either a THGeneratorState of size 5048 or a CPUGeneratorImplState of '
                               f'size 5056 but found the input RNG state size to be {len(raw)}')
        self.seed = int(np.frombuffer(raw, np.uint64, 1, 0)[0])
        left, _seeded = np.frombuffer(raw, np.int32, 2, 8).tolist()
        nxt = int(np.frombuffer(raw, np.uint64, 1, 16)[0])
        key = np.frombuffer(raw, np.uint64, 624, 24).astype(np.uint32)
        normal_y = float(np.frombuffer(raw, np.float64, 1, 24 + 4992 + 8)[0])
        valid = int(np.frombuffer(raw, np.int32, 1, 24 + 4992 + 24)[0])
        nf = float(np.frombuffer(raw, np.float32, 1, 5048)[0])
        self._bg.state = {'bit_generator': 'MT19937', 'state': {'key': key, 'pos': 624 if left == 1 else nxt}}
        self._fresh = left == 1 and nxt == 0
        self.next_double_normal = normal_y if valid else None
        self.next_float_normal = nf if raw[5052] else None

    # ------------------------------------------------------------------ everything else
    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        if self._other is None:
            self._other = np.random.Generator(np.random.PCG64(self.seed))
        return getattr(self._other, name)
