"""Moving models, optimizers, checkpoints and data between the CPU and a CUDA device.

The bodies start on the CPU and move to ``dev(lib)`` explicitly (``.to``, ``.cuda()``,
``.cpu()``): CUDA where the library has it, so with a real GPU torch and ember both move to it;
under ``EMBER_FAKE_CUDA=1`` (tests/fake_cupy) torch, having no CUDA, stays on the CPU as the
reference. Bodies therefore return values on the CPU plus ``on(lib, t)`` flags ("is ``t`` on the
device it was moved to"), which both libraries answer the same way. Every test needs ember's CUDA
(skipped by name where ``ember.cuda.is_available()`` is False).
"""
import io

import numpy as np
import pytest

import ember
from conformance import run_both

DEVICE_AXIS = False        # the bodies place their tensors themselves
needs_cuda = pytest.mark.skipif(not ember.cuda.is_available(),
                                reason='needs CUDA (ember.cuda.is_available() is False)')
pytestmark = needs_cuda


def dev(lib):
    return 'cuda' if lib.cuda.is_available() else 'cpu'


def on(lib, t):
    """Whether tensor ``t`` lives on ``dev(lib)``."""
    return t.device.type == dev(lib)


def fill(lib, model, seed=0):
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            fan = p.shape[-1] if p.dim() > 1 else 1
            p.copy_(lib.tensor((rng.standard_normal(tuple(p.shape)) * 0.5 / np.sqrt(fan)).astype(np.float32)))
    return model


def data(lib, *shape, seed=1):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def net(lib):
    nn = lib.nn
    return fill(lib, nn.Sequential(nn.Conv1d(2, 3, 3, padding=1), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(),
                                   nn.Linear(12, 5), nn.Dropout(0.0), nn.Linear(5, 3)))


# ---------------------------------------------------------------- Module.to / cuda / cpu
@pytest.mark.parametrize('how', ['to', 'cuda', 'to_kw', 'to_tensor'])
def test_module_move_keeps_parameter_objects_grads_and_buffers(how):
    def body(lib):
        m = net(lib)
        x, y = data(lib, 4, 2, 4), lib.tensor([0, 1, 2, 1])
        lib.nn.functional.cross_entropy(m(x), y).backward()
        params = list(m.parameters())
        grads = [p.grad for p in params]
        d = dev(lib)
        if how == 'to':
            r = m.to(d)
        elif how == 'cuda':
            r = m.cuda() if d == 'cuda' else m.cpu()
        elif how == 'to_kw':
            r = m.to(device=d, dtype=lib.float32)
        else:
            r = m.to(lib.zeros(1, device=d))
        same = r is m and all(a is b for a, b in zip(params, m.parameters()))
        grads_same = all(p.grad is g for p, g in zip(params, grads))
        where = ([on(lib, p) for p in params], [on(lib, p.grad) for p in params],
                 [on(lib, b) for b in m.buffers()])
        out = m(x.to(d))
        return same, grads_same, where, on(lib, out), out.detach().cpu(), [p.grad.cpu() for p in params], \
            [b.cpu() for b in m.buffers()]
    run_both(body, rtol=1e-5, atol=1e-6)


def test_module_round_trip_and_training_continues():
    def body(lib):
        m = net(lib)
        x, y = data(lib, 4, 2, 4), lib.tensor([0, 1, 2, 1])
        opt = lib.optim.SGD(m.parameters(), lr=0.1)         # built before the move: no state yet
        m.to(dev(lib))
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(x.to(dev(lib))), y.to(dev(lib)))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        m.cpu()
        return losses, [p.detach().clone() for p in m.parameters()], [not on(lib, p) or dev(lib) == 'cpu'
                                                                      for p in m.parameters()], \
            [b for b in m.buffers()]
    run_both(body, rtol=1e-5, atol=1e-6)


def test_module_half_and_double_on_device():
    def body(lib):
        m = lib.nn.Linear(3, 2).to(dev(lib))
        w = m.weight
        m.double()
        a = (m.weight is w, m.weight.dtype, on(lib, m.weight))
        m.to(lib.float32).cpu()
        return a, m.weight is w, m.weight.dtype, m.weight.device.type
    run_both(body)


# ---------------------------------------------------------------- optimizers
OPTS = [('SGD', dict(lr=0.1, momentum=0.9)), ('Adam', dict(lr=0.01)), ('AdamW', dict(lr=0.01, amsgrad=True)),
        ('RMSprop', dict(lr=0.01, momentum=0.5, centered=True)), ('Adagrad', dict(lr=0.1)),
        ('Adamax', dict(lr=0.01)), ('NAdam', dict(lr=0.01)), ('RAdam', dict(lr=0.01))]


@pytest.mark.parametrize('name,kw', OPTS, ids=[o[0] for o in OPTS])
def test_optimizer_state_lives_on_parameter_device(name, kw):
    def body(lib):
        m = fill(lib, lib.nn.Linear(4, 3)).to(dev(lib))
        opt = getattr(lib.optim, name)(m.parameters(), **kw)
        x = data(lib, 5, 4).to(dev(lib))
        for _ in range(3):
            opt.zero_grad()
            m(x).square().mean().backward()
            opt.step()
        st = opt.state[m.weight]
        where = {k: (on(lib, v) if v.dim() else v.device.type) for k, v in st.items()
                 if isinstance(v, lib.Tensor)}
        return where, m.weight.detach().cpu(), m.bias.detach().cpu(), \
            {k: v.cpu() for k, v in st.items() if isinstance(v, lib.Tensor)}
    run_both(body, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize('name,kw', OPTS[:3], ids=[o[0] for o in OPTS[:3]])
def test_optimizer_load_state_dict_moves_state_to_parameters(name, kw):
    def body(lib):
        m = fill(lib, lib.nn.Linear(4, 3))
        opt = getattr(lib.optim, name)(m.parameters(), **kw)
        x = data(lib, 5, 4)
        m(x).square().mean().backward()
        opt.step()
        sd = opt.state_dict()                                   # made on the CPU
        m2 = fill(lib, lib.nn.Linear(4, 3)).to(dev(lib))
        opt2 = getattr(lib.optim, name)(m2.parameters(), **kw)
        opt2.load_state_dict(sd)
        st = opt2.state[m2.weight]
        where = {k: (on(lib, v) if v.dim() else v.device.type) for k, v in st.items()
                 if isinstance(v, lib.Tensor)}
        m2(x.to(dev(lib))).square().mean().backward()
        opt2.step()
        return where, m2.weight.detach().cpu()
    run_both(body, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize('name,kw', OPTS[:2], ids=[o[0] for o in OPTS[:2]])
def test_optimizer_state_left_behind_raises_device_error(name, kw):
    m = ember.nn.Linear(3, 2)
    opt = getattr(ember.optim, name)(m.parameters(), **kw)
    m(ember.ones(1, 3)).sum().backward()
    opt.step()
    m.cuda()                                                    # the state stays on the CPU, as in torch
    m(ember.ones(1, 3, device='cuda')).sum().backward()
    with pytest.raises(RuntimeError, match='same device'):
        opt.step()


# ---------------------------------------------------------------- save / load
def _saved():
    m = fill(ember, ember.nn.Linear(3, 2)).cuda()
    x = ember.arange(6.).reshape(2, 3).cuda()
    obj = {'sd': m.state_dict(), 'x': x, 'row': x[1], 'host': ember.ones(2)}
    buf = io.BytesIO()
    ember.save(obj, buf)
    return obj, buf


def _devices(r):
    return {'w': r['sd']['weight'].device.type, 'x': r['x'].device.type, 'row': r['row'].device.type,
            'host': r['host'].device.type}


@pytest.mark.parametrize('ml,want', [
    (None, dict(w='cuda', x='cuda', row='cuda', host='cpu')),
    ('cpu', dict(w='cpu', x='cpu', row='cpu', host='cpu')),
    ('cuda', dict(w='cuda', x='cuda', row='cuda', host='cuda')),
    (ember.device('cpu'), dict(w='cpu', x='cpu', row='cpu', host='cpu')),
    ({'cuda:0': 'cpu'}, dict(w='cpu', x='cpu', row='cpu', host='cpu')),
    ({'cpu': 'cuda:0'}, dict(w='cuda', x='cuda', row='cuda', host='cuda')),
    (lambda storage, loc: storage, dict(w='cpu', x='cpu', row='cpu', host='cpu')),
    (lambda storage, loc: storage.cuda(), dict(w='cuda', x='cuda', row='cuda', host='cuda')),
], ids=['none', 'cpu', 'cuda', 'device', 'dict_to_cpu', 'dict_to_cuda', 'callable_cpu', 'callable_cuda'])
def test_save_cuda_load_map_location(ml, want):
    obj, buf = _saved()
    buf.seek(0)
    r = ember.load(buf, map_location=ml)
    assert _devices(r) == want
    np.testing.assert_array_equal(r['x'].cpu().numpy(), obj['x'].cpu().numpy())
    np.testing.assert_array_equal(r['row'].cpu().numpy(), [3., 4., 5.])
    np.testing.assert_array_equal(r['sd']['weight'].cpu().numpy(), obj['sd']['weight'].cpu().numpy())


def test_load_state_dict_from_cuda_checkpoint_into_cpu_model():
    _, buf = _saved()
    buf.seek(0)
    sd = ember.load(buf)['sd']
    m = ember.nn.Linear(3, 2)
    w = m.weight
    m.load_state_dict(sd)                  # copies across devices into the CPU parameters
    assert m.weight is w and m.weight.device.type == 'cpu'
    np.testing.assert_array_equal(m.weight.detach().numpy(), sd['weight'].cpu().numpy())


# ---------------------------------------------------------------- data
@pytest.mark.filterwarnings('ignore::UserWarning')       # pin_memory without an accelerator warns
@pytest.mark.parametrize('pin', [False, True])
def test_dataloader_yields_cpu_tensors(pin):
    ds = ember.utils.data.TensorDataset(ember.arange(10.), ember.arange(10))
    batches = list(ember.utils.data.DataLoader(ds, batch_size=4, pin_memory=pin))
    assert [tuple(b[0].shape) for b in batches] == [(4,), (4,), (2,)]
    assert all(t.device.type == 'cpu' for b in batches for t in b)
    x = batches[0][0].cuda()
    assert x.device.type == 'cuda' and x.tolist() == [0., 1., 2., 3.]


def test_packed_sequence_batch_sizes_stay_on_cpu():
    def body(lib):
        rnn = lib.nn.utils.rnn
        a, b = data(lib, 3, 2).to(dev(lib)), data(lib, 1, 2, seed=2).to(dev(lib))
        p = rnn.pack_sequence([a, b])
        padded, lengths = rnn.pad_packed_sequence(p)
        return on(lib, p.data), p.batch_sizes.device.type, p.batch_sizes, on(lib, padded), \
            lengths.device.type, padded.cpu()
    run_both(body)
