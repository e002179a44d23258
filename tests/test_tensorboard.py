"""ember.utils.tensorboard against torch.utils.tensorboard: the same calls through both
SummaryWriters into two log directories, read back with tensorboard's own readers and compared
record by record (tags, steps, values, wall times, images' pixels, plugin data, files)."""
import glob
import io
import os
import re
import sys
import time

import numpy as np
import pytest

pytest.importorskip('tensorboard')

import torch  # noqa: E402
import torch.utils.tensorboard as ttb  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader  # noqa: E402

import ember  # noqa: E402
import ember.utils.tensorboard as etb  # noqa: E402

DEVICE_AXIS = False
LIBS = {'torch': (torch, ttb.SummaryWriter), 'ember': (ember, etb.SummaryWriter)}


def event_files(logdir):
    return sorted(glob.glob(os.path.join(str(logdir), 'events.out.tfevents.*')))


def events(logdir):
    """Every Event of the (single) event file directly in ``logdir``, as written."""
    files = event_files(logdir)
    assert len(files) == 1, files
    return list(LegacyEventFileLoader(files[0]).Load())


def write_both(tmp_path, body, **kw):
    """Run ``body(lib, writer)`` with torch's and with ember's writer; return the two log dirs."""
    dirs = {}
    for name, (lib, SW) in LIBS.items():
        d = str(tmp_path / name)
        with SW(d, **kw) as w:
            body(lib, w)
        dirs[name] = d
    return dirs['torch'], dirs['ember']


def assert_same_events(dt, de, walltimes_given=True):
    """The two event files hold the same records; wall times equal when the test gave them,
    else only recent."""
    et, ee = events(dt), events(de)
    assert len(et) == len(ee) and len(et) > 1
    now = time.time()
    for a, b in zip(et, ee):
        assert a.step == b.step
        assert a.WhichOneof('what') == b.WhichOneof('what')
        if a.HasField('summary') and walltimes_given:
            assert a.wall_time == b.wall_time
        else:
            assert now - 600 < b.wall_time <= now
        a.ClearField('wall_time')
        b.ClearField('wall_time')
        assert a == b, (a, b)
    return et, ee


def accumulator(d):
    ea = EventAccumulator(d, size_guidance={'scalars': 0, 'histograms': 0, 'images': 0,
                                            'tensors': 0, 'audio': 0})
    ea.Reload()
    return ea


# ----------------------------------------------------------------------------- scalars
def test_add_scalar_values_and_kinds(tmp_path):
    def body(lib, w):
        w.add_scalar('loss', 0.5, 0, walltime=100.0)
        w.add_scalar('loss', 3, 1, walltime=101.5)
        w.add_scalar('loss', np.float32(0.1), 2, walltime=102.0)
        w.add_scalar('loss', np.float64(1 / 3), 3, walltime=103.0)
        w.add_scalar('t/0d', lib.tensor(2.25), 5, walltime=104.0)
        w.add_scalar('t/1el', lib.tensor([1.75]), 6, walltime=105.0)
        w.add_scalar('t/int', lib.tensor(7), 7, walltime=106.0)
        w.add_scalar('t/grad', (lib.ones(1, requires_grad=True) * 3).sum(), 8, walltime=107.0)
        w.add_scalar('new', 1 / 3, 9, walltime=108.0, new_style=True)
        w.add_scalar('newd', 1 / 3, 10, walltime=109.0, new_style=True, double_precision=True)
        w.add_scalar('nostep', 4.0, walltime=110.0)
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de)
    at, ae = accumulator(dt), accumulator(de)
    assert ae.Tags()['scalars'] == at.Tags()['scalars'] and 'loss' in at.Tags()['scalars']
    for tag in at.Tags()['scalars']:
        assert [(s.step, s.value, s.wall_time) for s in ae.Scalars(tag)] == \
               [(s.step, s.value, s.wall_time) for s in at.Scalars(tag)]
    assert ae.Tags()['tensors'] == at.Tags()['tensors'] == ['new', 'newd']
    for tag in ('new', 'newd'):
        (a,), (b,) = at.Tensors(tag), ae.Tensors(tag)
        assert (a.step, a.tensor_proto) == (b.step, b.tensor_proto)
    assert ae.Tensors('newd')[0].tensor_proto.double_val[0] == 1 / 3


def test_add_scalar_errors_match(tmp_path):
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / name)) as w:
            with pytest.raises(AssertionError, match='Tensor should contain one element'):
                w.add_scalar('x', lib.ones(2))
            with pytest.raises(NotImplementedError, match="Got <class 'list'>"):
                w.add_scalar('x', [1.0])


def test_add_scalar_default_walltime(tmp_path):
    def body(lib, w):
        for i in range(3):
            w.add_scalar('a', float(i), i)
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de, walltimes_given=False)


def test_add_scalars_sub_writers(tmp_path):
    def body(lib, w):
        for step in range(3):
            w.add_scalars('run/loss', {'train': 1.0 / (step + 1), 'val': lib.tensor(0.5 * step)},
                          step, walltime=50.0 + step)
        w.add_scalar('main', 1.0, 0, walltime=1.0)
    dt, de = write_both(tmp_path, body)
    subs_t = sorted(os.listdir(dt))
    subs_e = sorted(os.listdir(de))
    assert [s for s in subs_e if not s.startswith('events')] == \
           [s for s in subs_t if not s.startswith('events')] == ['run_loss_train', 'run_loss_val']
    assert_same_events(dt, de)
    for sub in ('run_loss_train', 'run_loss_val'):
        assert_same_events(os.path.join(dt, sub), os.path.join(de, sub))
        assert [(s.step, s.value, s.wall_time) for s in accumulator(os.path.join(de, sub)).Scalars('run/loss')] == \
               [(s.step, s.value, s.wall_time) for s in accumulator(os.path.join(dt, sub)).Scalars('run/loss')]


# ----------------------------------------------------------------------------- histograms
def test_add_histogram_bins(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=1000).astype(np.float32)

    def body(lib, w):
        w.add_histogram('tf', lib.tensor(data), 0, walltime=1.0)
        w.add_histogram('tf_np', data.astype(np.float64) * 1e3, 1, walltime=2.0)
        w.add_histogram('ints', lib.arange(20), 2, walltime=3.0)
        w.add_histogram('auto', lib.tensor(data), 3, bins='auto', walltime=4.0)
        w.add_histogram('n10', lib.tensor(data), 4, bins=10, walltime=5.0)
        w.add_histogram('fd', data, 5, bins='fd', walltime=6.0)
        w.add_histogram('edges', lib.tensor(data), 6, bins=[-1.0, 0.0, 0.5, 2.0], walltime=7.0)
        w.add_histogram('maxb', lib.tensor(data), 7, bins=100, max_bins=7, walltime=8.0)
        w.add_histogram('const', lib.full((5,), 3.0), 8, walltime=9.0)
        w.add_histogram_raw('raw', 0.0, 4.0, 5, 10.0, 30.0, [1.0, 2.0, 4.0], [1, 2, 2], 9, walltime=10.0)
    dt, de = write_both(tmp_path, body)
    et, ee = assert_same_events(dt, de)
    at, ae = accumulator(dt), accumulator(de)
    assert ae.Tags()['histograms'] == at.Tags()['histograms'] and len(at.Tags()['histograms']) == 10
    for tag in at.Tags()['histograms']:
        (a,), (b,) = at.Histograms(tag), ae.Histograms(tag)
        assert a.step == b.step and a.wall_time == b.wall_time
        hv_a, hv_b = a.histogram_value, b.histogram_value
        assert (hv_b.min, hv_b.max, hv_b.num, hv_b.sum, hv_b.sum_squares) == \
               (hv_a.min, hv_a.max, hv_a.num, hv_a.sum, hv_a.sum_squares)
        assert list(hv_b.bucket_limit) == list(hv_a.bucket_limit)
        assert list(hv_b.bucket) == list(hv_a.bucket)
    tf = ae.Histograms('tf')[0].histogram_value
    assert tf.num == 1000 and sum(tf.bucket) == 1000


def test_add_histogram_errors(tmp_path):
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / name)) as w:
            with pytest.raises(ValueError, match='The input has no element.'):
                w.add_histogram('e', lib.zeros(0))
            with pytest.raises(ValueError, match=re.escape('len(bucket_limits) != len(bucket_counts)')):
                w.add_histogram_raw('r', 0, 1, 1, 1, 1, [1.0], [1, 2])


# ----------------------------------------------------------------------------- images
def _decode(img):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(img.encoded_image_string)))


def test_add_image_formats(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 6, 5)).astype(np.float32)
    u8 = (rng.random((4, 7, 3)) * 255).astype(np.uint8)
    batch = rng.random((10, 3, 4, 4)).astype(np.float32)
    nhwc = rng.random((2, 4, 4, 1)).astype(np.float32)

    def body(lib, w):
        w.add_image('chw', lib.tensor(chw), 0, walltime=1.0)
        w.add_image('hwc', lib.tensor(chw.transpose(1, 2, 0)), 1, walltime=2.0, dataformats='HWC')
        w.add_image('hw', lib.tensor(chw[0]), 2, walltime=3.0, dataformats='HW')
        w.add_image('gray', lib.tensor(chw[:1]), 3, walltime=4.0)
        w.add_image('u8_np', u8, 4, walltime=5.0, dataformats='HWC')
        w.add_image('over', lib.tensor(chw * 3 - 1), 5, walltime=6.0)
        w.add_images('batch', lib.tensor(batch), 6, walltime=7.0)
        w.add_images('nhwc', lib.tensor(nhwc), 7,
                     walltime=8.0, dataformats='NHWC')
        w.add_image_with_boxes('boxes', lib.tensor(chw), lib.tensor([[0.0, 0.0, 3.0, 4.0]]), 8,
                               walltime=9.0, labels='box')
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de)
    at, ae = accumulator(dt), accumulator(de)
    assert ae.Tags()['images'] == at.Tags()['images'] and len(at.Tags()['images']) == 9
    for tag in at.Tags()['images']:
        (a,), (b,) = at.Images(tag), ae.Images(tag)
        assert (b.step, b.width, b.height, b.wall_time) == (a.step, a.width, a.height, a.wall_time)
        assert len(b.encoded_image_string) == len(a.encoded_image_string)
    # decoded pixels of the raw Summary.Image protos
    imgs = {}
    for name, d in (('torch', dt), ('ember', de)):
        imgs[name] = {v.tag: v.image for e in events(d) if e.HasField('summary')
                      for v in e.summary.value}
    for tag, img in imgs['torch'].items():
        pt, pe = _decode(img), _decode(imgs['ember'][tag])
        assert pe.shape == pt.shape == (img.height, img.width, 3)
        np.testing.assert_array_equal(pe, pt)
    np.testing.assert_array_equal(_decode(imgs['ember']['u8_np']), u8)
    assert imgs['ember']['batch'].width == 8 * 4 and imgs['ember']['batch'].height == 2 * 4


def test_add_image_errors(tmp_path):
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / name)) as w:
            with pytest.raises(AssertionError, match='size of input tensor and input format are different'):
                w.add_image('x', lib.zeros(3, 4))
            with pytest.raises(AssertionError, match='same dimension shorthand twice'):
                w.add_image('x', lib.zeros(3, 4, 4), dataformats='CCW')


def test_add_image_without_pil(tmp_path, monkeypatch):
    errors = {}
    monkeypatch.setitem(sys.modules, 'PIL', None)
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / name)) as w:
            with pytest.raises(ImportError) as info:
                w.add_image('x', lib.zeros(3, 4, 4))
        errors[name] = (type(info.value), str(info.value))
    assert errors['ember'] == errors['torch']


def test_add_figure(tmp_path):
    pytest.importorskip('matplotlib')
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    def body(lib, w):
        fig = plt.figure(figsize=(2, 1.5), dpi=40)
        plt.plot([0, 1, 2], [1, 0, 1])
        w.add_figure('fig', fig, 0, walltime=1.0)
        w.add_figure('figs', [plt.figure(figsize=(1, 1), dpi=20) for _ in range(2)], 1, walltime=2.0)
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de)


# ----------------------------------------------------------------------------- text, audio, tensors
def test_add_text(tmp_path):
    def body(lib, w):
        w.add_text('note', 'hello **world**', 0, walltime=1.0)
        w.add_text('note', 'ünïcode ✓', 1, walltime=2.0)
        w.add_text('other', '', walltime=3.0)
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de)
    at, ae = accumulator(dt), accumulator(de)
    assert ae.Tags()['tensors'] == at.Tags()['tensors'] == ['note/text_summary', 'other/text_summary']
    got = [(t.step, t.tensor_proto.string_val[0].decode()) for t in ae.Tensors('note/text_summary')]
    assert got == [(t.step, t.tensor_proto.string_val[0].decode()) for t in at.Tensors('note/text_summary')]
    assert got[1][1] == 'ünïcode ✓'
    assert ae.summary_metadata['note/text_summary'] == at.summary_metadata['note/text_summary']


def test_add_audio_and_tensor(tmp_path):
    wave = np.sin(np.linspace(0, 20, 400)).astype(np.float32)

    def body(lib, w):
        w.add_audio('snd', lib.tensor(wave), 0, sample_rate=8000, walltime=1.0)
        w.add_tensor('f32', lib.tensor([[1.5, 2.0], [3.0, -1.0]]), 1, walltime=2.0)
        w.add_tensor('f64', lib.tensor([1 / 3], dtype=lib.float64), 2, walltime=3.0)
        w.add_tensor('i64', lib.arange(6).reshape(2, 3), 3, walltime=4.0)
        w.add_tensor('i32', lib.arange(3, dtype=lib.int32), 4, walltime=5.0)
        w.add_tensor('u8', lib.arange(3, dtype=lib.uint8), 5, walltime=6.0)
        w.add_tensor('b', lib.tensor([True, False]), 6, walltime=7.0)
        w.add_tensor('h', lib.tensor([0.5, 2.0], dtype=lib.float16), 7, walltime=8.0)
        w.add_tensor('c', lib.tensor([1 + 2j, 3 - 1j]), 8, walltime=9.0)
    dt, de = write_both(tmp_path, body)
    assert_same_events(dt, de)
    (a,), (b,) = accumulator(dt).Audio('snd'), accumulator(de).Audio('snd')
    assert b.encoded_audio_string == a.encoded_audio_string and b.sample_rate == 8000


# ----------------------------------------------------------------------------- hparams
def test_add_hparams(tmp_path):
    def body(lib, w):
        w.add_hparams({'lr': 0.1, 'bsize': 32, 'opt': 'adam', 'flag': True, 'skip': None,
                       't': lib.tensor([0.25])},
                      {'hparam/accuracy': 0.9, 'hparam/loss': lib.tensor(0.125)},
                      hparam_domain_discrete={'opt': ['adam', 'sgd'], 'bsize': [16, 32]},
                      run_name='run1', global_step=3)
    dt, de = write_both(tmp_path, body)
    subdirs = lambda d: sorted(s for s in os.listdir(d) if not s.startswith('events'))
    assert subdirs(de) == subdirs(dt) == ['run1']
    et, ee = assert_same_events(os.path.join(dt, 'run1'), os.path.join(de, 'run1'), walltimes_given=False)
    tags = [v.tag for e in ee if e.HasField('summary') for v in e.summary.value]
    assert tags == ['_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info',
                    'hparam/accuracy', 'hparam/loss']
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData
    contents = {}
    for name, evs in (('torch', et), ('ember', ee)):
        contents[name] = [HParamsPluginData.FromString(v.metadata.plugin_data.content)
                          for e in evs if e.HasField('summary') for v in e.summary.value
                          if v.tag.startswith('_hparams_')]
    assert contents['ember'] == contents['torch']
    ssi = contents['ember'][1].session_start_info
    assert ssi.hparams['opt'].string_value == 'adam' and ssi.hparams['t'].number_value == 0.25
    assert events(dt) and events(de)          # the parent writer's own file exists in both


def test_add_hparams_default_run_name_and_errors(tmp_path):
    names = {}
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / name)) as w:
            before = time.time()
            w.add_hparams({'a': 1}, {'m': 2.0})
            (sub,) = [s for s in os.listdir(w.get_logdir()) if not s.startswith('events')]
            assert before <= float(sub) <= time.time()
            names[name] = len(events(os.path.join(w.get_logdir(), sub)))
            with pytest.raises(TypeError, match='hparam_dict and metric_dict should be dictionary.'):
                w.add_hparams([('a', 1)], {})
            with pytest.raises(ValueError, match='value should be one of int, float, str, bool'):
                w.add_hparams({'a': [1]}, {})
            with pytest.raises(TypeError, match=re.escape('hparam_domain_discrete[a] should be a list')):
                w.add_hparams({'a': 1}, {}, hparam_domain_discrete={'a': ['x']})
    assert names['ember'] == names['torch']


# ----------------------------------------------------------------------------- PR curves, layouts
def test_add_pr_curve_and_custom_scalars(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 100)
    preds = rng.random(100).astype(np.float32)

    def body(lib, w):
        w.add_pr_curve('pr', lib.tensor(labels), lib.tensor(preds), 0, walltime=1.0)
        w.add_pr_curve('pr_np', labels, preds, 1, num_thresholds=10, weights=0.5, walltime=2.0)
        w.add_pr_curve('pr_big', labels, preds, 2, num_thresholds=300, walltime=3.0)
        w.add_pr_curve_raw('raw', [3, 2], [1, 0], [0, 1], [0, 1], [0.75, 1.0], [1.0, 0.66], 3,
                           num_thresholds=2, walltime=4.0)
        w.add_custom_scalars_multilinechart(['a', 'b'], category='cat', title='t')
        w.add_custom_scalars_marginchart(['v', 'lo', 'hi'])
        w.add_custom_scalars({'X': {'m': ['Multiline', ['a']], 'g': ['Margin', ['a', 'b', 'c']]}})
    dt, de = write_both(tmp_path, body)
    # custom_scalars events carry no walltime argument: their wall times are only recent
    et, ee = events(dt), events(de)
    assert len(et) == len(ee) == 8
    assert ee[0].file_version == et[0].file_version == 'brain.Event:2'
    for a, b in zip(et[1:], ee[1:]):
        if a.summary.value[0].tag == 'custom_scalars__config__':
            assert b.wall_time > time.time() - 600
            a.ClearField('wall_time')
            b.ClearField('wall_time')
        assert a == b
    (a,), (b,) = accumulator(dt).Tensors('pr'), accumulator(de).Tensors('pr')
    assert a.tensor_proto == b.tensor_proto
    assert list(b.tensor_proto.tensor_shape.dim) == list(a.tensor_proto.tensor_shape.dim)
    for name, (lib, SW) in LIBS.items():
        with SW(str(tmp_path / f'err_{name}')) as w:
            with pytest.raises(AssertionError, match='Expected 3 tags, got 2.'):
                w.add_custom_scalars_marginchart(['a', 'b'])


# ----------------------------------------------------------------------------- embeddings
def test_add_embedding_files(tmp_path):
    rng = np.random.default_rng(3)
    mat = rng.random((4, 3)).astype(np.float32)
    imgs = rng.random((4, 3, 5, 5)).astype(np.float32)

    def body(lib, w):
        w.add_embedding(lib.tensor(mat), metadata=['a', 'b', 'c', 'd'], label_img=lib.tensor(imgs))
        w.add_embedding(mat, metadata=[[1, 'x'], [2, 'y'], [3, 'z'], [4, 'w']],
                        metadata_header=['n', 's'], global_step=7, tag='my/tag')
    dt, de = write_both(tmp_path, body)

    def tree(root):
        return sorted(os.path.relpath(os.path.join(p, f), root) for p, _, fs in os.walk(root)
                      for f in fs if not f.startswith('events'))
    assert tree(de) == tree(dt) and 'projector_config.pbtxt' in tree(de)
    for rel in tree(dt):
        with open(os.path.join(dt, rel), 'rb') as f1, open(os.path.join(de, rel), 'rb') as f2:
            assert f2.read() == f1.read(), rel


# ----------------------------------------------------------------------------- graph
def test_add_graph_records_module_calls(tmp_path):
    nn = ember.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.seq = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

        def forward(self, x):
            return self.seq(self.fc1(x).tanh())

    net = Net()
    with etb.SummaryWriter(str(tmp_path)) as w:
        w.add_graph(net, ember.randn(5, 3))
    assert net.training
    ea = accumulator(str(tmp_path))
    g = ea.Graph()
    assert [n.name for n in g.node] == ['input/x', 'Net/Linear[fc1]/Linear', 'Net/Sequential[seq]/ReLU[0]/ReLU',
                                        'Net/Sequential[seq]/Linear[1]/Linear', 'output/output.1']
    assert [list(n.input) for n in g.node] == [[], ['input/x'], ['Net/Linear[fc1]/Linear'],
                                               ['Net/Sequential[seq]/ReLU[0]/ReLU'],
                                               ['Net/Sequential[seq]/Linear[1]/Linear']]
    assert [d.size for d in g.node[-1].attr['_output_shapes'].list.shape[0].dim] == [5, 2]
    assert ea.Tags()['run_metadata'] == ['step1']


def test_add_graph_failure_warns_and_writes_nothing(tmp_path):
    with etb.SummaryWriter(str(tmp_path)) as w:
        with pytest.warns(UserWarning, match='add_graph: could not record'):
            w.add_graph(ember.nn.Linear(3, 2), ember.randn(5, 4))
    assert not accumulator(str(tmp_path)).Tags()['graph']


# ----------------------------------------------------------------------------- writer lifetime
def test_default_logdir_and_comment(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)
    dirs = {}
    for name, (lib, SW) in LIBS.items():
        w = SW(comment=f'_{name}')
        dirs[name] = w.get_logdir()
        w.close()
        assert event_files(dirs[name])
    pat = r'runs/[A-Z][a-z]{2}\d\d_\d\d-\d\d-\d\d_' + re.escape(socket.gethostname()) + '_(torch|ember)$'
    assert re.match(pat, dirs['torch']) and re.match(pat, dirs['ember'])
    assert len(dirs['torch']) == len(dirs['ember'])


def test_purge_step_suffix_flush_reopen(tmp_path):
    def body(lib, w):
        w.add_scalar('a', 1.0, 5, walltime=1.0)
        w.flush()
        assert w.get_logdir() == str(tmp_path / ('torch' if lib is torch else 'ember'))
    dt, de = write_both(tmp_path, body, purge_step=3, filename_suffix='.sfx', max_queue=2, flush_secs=5)
    et, ee = assert_same_events(dt, de)
    assert [e.step for e in ee] == [e.step for e in et] and ee[1].step == 3
    assert ee[2].session_log.status == et[2].session_log.status
    assert event_files(de)[0].endswith('.sfx') and event_files(dt)[0].endswith('.sfx')
    # after close(), writing opens a new event file, in both
    files = {}
    for name, (lib, SW) in LIBS.items():
        w = SW(str(tmp_path / f'r_{name}'))
        w.close()
        w.close()                                  # a second close is ignored
        w.add_scalar('b', 2.0, 0)
        w.flush()
        w.close()
        w.flush()                                  # flush after close is a no-op
        files[name] = event_files(w.get_logdir())
        loaded = [list(LegacyEventFileLoader(f).Load()) for f in files[name]]
        files[name] = sorted([(e.step, e.WhichOneof('what')) for e in evs] for evs in loaded)
    assert files['ember'] == files['torch'] and len(files['torch']) == 2


def test_flush_writes_before_close(tmp_path):
    w = etb.SummaryWriter(str(tmp_path), flush_secs=1000)
    w.add_scalar('a', 1.5, 0)
    w.flush()
    assert [s.value for s in accumulator(str(tmp_path)).Scalars('a')] == [1.5]
    w.close()


def test_module_exports_match_torch():
    assert sorted(etb.__all__) == sorted(ttb.__all__)
    assert etb.RecordWriter is ttb.RecordWriter
    import inspect
    for name in ['__init__', 'add_scalar', 'add_scalars', 'add_histogram', 'add_image', 'add_images',
                 'add_text', 'add_hparams', 'add_pr_curve', 'add_embedding', 'add_figure', 'add_audio',
                 'add_graph', 'add_tensor', 'add_image_with_boxes', 'add_histogram_raw']:
        params = lambda cls: [(p.name, p.kind, p.default) for p in
                              inspect.signature(getattr(cls, name)).parameters.values()]
        assert params(etb.SummaryWriter) == params(ttb.SummaryWriter), name


@pytest.mark.skipif(not ember.cuda.is_available(), reason='CUDA tensors need a GPU (or EMBER_FAKE_CUDA=1)')
def test_cuda_tensors(tmp_path):
    data = np.linspace(-2, 2, 50).astype(np.float32)
    img = np.linspace(0, 1, 48).astype(np.float32).reshape(3, 4, 4)
    d = {}
    for name, dev in (('cpu', 'cpu'), ('cuda', 'cuda')):
        d[name] = str(tmp_path / name)
        with etb.SummaryWriter(d[name]) as w:
            w.add_scalar('s', ember.tensor(0.5, device=dev, requires_grad=True) * 2, 0, walltime=1.0)
            w.add_histogram('h', ember.tensor(data, device=dev), 0, walltime=1.0)
            w.add_image('i', ember.tensor(img, device=dev), 0, walltime=1.0)
    assert_same_events(d['cpu'], d['cuda'])


# ----------------------------------------------------------------------------- without tensorboard
def _import_error(monkeypatch, modname):
    monkeypatch.setitem(sys.modules, 'tensorboard', None)
    for m in [m for m in sys.modules if m.startswith(modname)]:
        monkeypatch.delitem(sys.modules, m)
    with pytest.raises(ImportError) as info:
        __import__(modname)
    return type(info.value), str(info.value)


def test_import_error_without_tensorboard(monkeypatch):
    got = _import_error(monkeypatch, 'ember.utils.tensorboard')
    want = _import_error(monkeypatch, 'torch.utils.tensorboard')
    assert got == want and 'tensorboard' in got[1]


def test_import_error_old_tensorboard(monkeypatch):
    import types
    old = types.ModuleType('tensorboard')
    old.__version__ = '1.14.0'
    msgs = []
    for modname in ('torch.utils.tensorboard', 'ember.utils.tensorboard'):
        for m in [m for m in sys.modules if m.startswith(modname)]:
            monkeypatch.delitem(sys.modules, m)
        monkeypatch.setitem(sys.modules, 'tensorboard', old)
        with pytest.raises(ImportError) as info:
            __import__(modname)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1] == 'TensorBoard logging requires TensorBoard version 1.15 or above'


# ----------------------------------------------------------------------------- video, mesh
def test_add_video_and_mesh(tmp_path, capsys):
    rng = np.random.default_rng(4)
    clips = rng.random((3, 2, 3, 4, 4)).astype(np.float32)
    verts = rng.random((1, 5, 3)).astype(np.float32)
    colors = rng.integers(0, 255, (1, 5, 3))
    faces = np.array([[[0, 1, 2], [1, 2, 3]]])

    def body(lib, w):
        w.add_video('vid', lib.tensor(clips), 0, fps=2, walltime=1.0)
        w.add_mesh('pts', lib.tensor(verts), walltime=2.0, global_step=1)
        w.add_mesh('mesh', lib.tensor(verts), colors=lib.tensor(colors), faces=lib.tensor(faces),
                   config_dict={'camera': {'cls': 'PerspectiveCamera', 'fov': 75}}, global_step=2,
                   walltime=3.0)
    dt, de = write_both(tmp_path, body)
    et, ee = assert_same_events(dt, de)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0] == out[1]
    tags = [v.tag for e in ee if e.HasField('summary') for v in e.summary.value]
    assert tags == ['vid', 'pts_VERTEX', 'mesh_VERTEX', 'mesh_FACE', 'mesh_COLOR']
