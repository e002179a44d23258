"""Summary protobufs from ember tensors, NumPy arrays and Python numbers (torch's ``summary.py``).

Each function returns a ``tensorboard`` ``Summary`` (or a part of one) holding exactly what
torch's function of the same name holds, so TensorBoard cannot tell the two writers apart.
"""
import io
import struct

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

__all__ = ['make_np', 'scalar', 'tensor_proto', 'histogram', 'histogram_raw', 'make_histogram',
           'image', 'image_boxes', 'make_image', 'convert_to_HWC', 'make_grid', 'figure_to_image',
           'video', 'make_video', 'mesh', 'audio', 'text', 'hparams', 'custom_scalars', 'pr_curve',
           'pr_curve_raw', 'compute_curve']


def _Tensor():
    from ember import Tensor
    return Tensor


def make_np(x):
    """``x`` as a NumPy array: arrays as they are, a scalar as a 1-element array, a tensor
    (any device) detached and copied to the host."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, _Tensor()):
        if x.device.type == 'meta':
            return np.random.randn(1)
        return x.detach().cpu().numpy()
    raise NotImplementedError(f'Got {type(x)}, but numpy array or torch tensor are expected.')


def _plugin(name, content=b''):
    return SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name, content=content))


def _shape(*dims):
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in dims])


# ----------------------------------------------------------------------------- scalars, tensors
def scalar(name, tensor, collections=None, new_style=False, double_precision=False):
    """A one-element value as a ``simple_value`` or, with ``new_style``, a float (or double)
    tensor for the scalars plugin."""
    tensor = make_np(tensor).squeeze()
    if tensor.ndim != 0:
        raise AssertionError(f'Tensor should contain one element (0 dimensions). \
            Was given size: {tensor.size} and {tensor.ndim} dimensions.')
    value = float(tensor)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=value)])
    proto = (TensorProto(double_val=[value], dtype='DT_DOUBLE') if double_precision
             else TensorProto(float_val=[value], dtype='DT_FLOAT'))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=_plugin('scalars'))])


def _half_bits(a):   # torch stores each half as the int32 bit pattern of its float32 value
    return [struct.unpack('i', struct.pack('f', x))[0] for x in a.ravel().tolist()]


def _complex_list(a):
    return np.stack([a.real, a.imag], -1).ravel().tolist()


# numpy dtype name -> (TensorProto dtype, field, values); the dtypes torch's _TENSOR_TYPE_MAP knows
_TENSOR_TYPES = {
    'float16': ('DT_HALF', 'half_val', _half_bits),
    'float32': ('DT_FLOAT', 'float_val', None), 'float64': ('DT_DOUBLE', 'double_val', None),
    'int8': ('DT_INT8', 'int_val', None), 'uint8': ('DT_UINT8', 'uint32_val', None),
    'int16': ('DT_INT16', 'int_val', None), 'int32': ('DT_INT32', 'int_val', None),
    'int64': ('DT_INT64', 'int64_val', None), 'bool': ('DT_BOOL', 'bool_val', None),
    'complex64': ('DT_COMPLEX64', 'scomplex_val', _complex_list),
    'complex128': ('DT_COMPLEX128', 'dcomplex_val', _complex_list),
}


def tensor_proto(tag, tensor):
    """A tensor's values and shape for the ``tensor`` plugin (``add_tensor``)."""
    a = make_np(tensor)
    if a.size * a.itemsize >= (1 << 31):
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if a.dtype.name not in _TENSOR_TYPES:
        raise ValueError(f'{tag} has unsupported tensor dtype {getattr(tensor, "dtype", a.dtype)}')
    dtype, field, conv = _TENSOR_TYPES[a.dtype.name]
    values = conv(a) if conv else a.ravel().tolist()
    proto = TensorProto(dtype=dtype, tensor_shape=_shape(*a.shape), **{field: values})
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin('tensor'), tensor=proto)])


# ----------------------------------------------------------------------------- histograms
def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def histogram(name, values, bins, max_bins=None):
    return Summary(value=[Summary.Value(
        tag=name, histo=make_histogram(make_np(values).astype(float), bins, max_bins))])


def make_histogram(values, bins, max_bins=None):
    """A ``HistogramProto`` of ``np.histogram(values, bins)``, merged down to ``max_bins``
    buckets, trimmed to the span of non-empty buckets plus one empty bucket on the left."""
    if values.size == 0:
        raise ValueError('The input has no element.')
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    n = len(counts)
    if max_bins is not None and n > max_bins:
        sub = n // max_bins
        if n % sub:
            counts = np.pad(counts, [[0, sub - n % sub]], mode='constant', constant_values=0)
        counts = counts.reshape(-1, sub).sum(axis=-1)
        limits = np.concatenate([limits[:-1:sub], limits[-1:]])
    # TensorBoard wants only the buckets from the first to the last non-empty one; each limit
    # is a bucket's right edge, so the first kept count is the (empty) one left of the data
    cum = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum, [0, cum[-1] - 1], side='right')
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError('The histogram is empty, please file a bug report.')
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=limits.tolist(),
                          bucket=counts.tolist())


# ----------------------------------------------------------------------------- images
def make_grid(I, ncols=8):
    """N1HW or N3HW images side by side in rows of ``ncols``: one 3HW canvas."""
    if not isinstance(I, np.ndarray):
        raise AssertionError('plugin error, should pass numpy array here')
    if I.shape[1] == 1:
        I = np.concatenate([I, I, I], 1)
    if I.ndim != 4 or I.shape[1] != 3:
        raise AssertionError('Input should be a 4D numpy array with 3 channels')
    n, _, H, W = I.shape
    ncols = min(n, ncols)
    nrows = int(np.ceil(float(n) / ncols))
    canvas = np.zeros((3, H * nrows, W * ncols), dtype=I.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * H:(y + 1) * H, x * W:(x + 1) * W] = I[i]
    return canvas


def convert_to_HWC(tensor, input_format):
    """An image array in ``input_format`` (NCHW, CHW, HWC, HW, ... any order) as HWC with
    3 channels (1 channel repeated; a batch laid out with ``make_grid``)."""
    if len(set(input_format)) != len(input_format):
        raise AssertionError(f'You can not use the same dimension shorthand twice. \
            input_format: {input_format}')
    if len(tensor.shape) != len(input_format):
        raise AssertionError(f'size of input tensor and input format are different. \
        tensor shape: {tensor.shape}, input_format: {input_format}')
    fmt = input_format.upper()
    if len(fmt) == 4:
        return make_grid(tensor.transpose([fmt.find(c) for c in 'NCHW'])).transpose(1, 2, 0)
    if len(fmt) == 3:
        hwc = tensor.transpose([fmt.find(c) for c in 'HWC'])
        return np.concatenate([hwc, hwc, hwc], 2) if hwc.shape[2] == 1 else hwc
    if len(fmt) == 2:
        hw = tensor.transpose([fmt.find(c) for c in 'HW'])
        return np.stack([hw, hw, hw], 2)


def _to_uint8(hwc):   # uint8 kept as is; anything else taken as [0, 1] and scaled by 255
    scale = 1 if hwc.dtype == np.uint8 else 255
    return (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(tag, tensor, rescale=1, dataformats='NCHW'):
    img = make_image(_to_uint8(convert_to_HWC(make_np(tensor), dataformats)), rescale=rescale)
    return Summary(value=[Summary.Value(tag=tag, image=img)])


def image_boxes(tag, tensor_image, tensor_boxes, rescale=1, dataformats='CHW', labels=None):
    img = make_image(_to_uint8(convert_to_HWC(make_np(tensor_image), dataformats)), rescale=rescale,
                     rois=make_np(tensor_boxes), labels=labels)
    return Summary(value=[Summary.Value(tag=tag, image=img)])


def _draw_boxes(image, boxes, labels=None):
    from PIL import ImageDraw, ImageFont
    font, draw = ImageFont.load_default(), ImageDraw.Draw(image)
    for i in range(boxes.shape[0]):
        left, top, right, bottom = boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
        draw.line([(left, top), (left, bottom), (right, bottom), (right, top), (left, top)],
                  width=2, fill='Red')
        label = None if labels is None else labels[i]
        if label:
            l, t, r, b = font.getbbox(label)
            tw, th = r - l, b - t
            margin = np.ceil(0.05 * th)
            draw.rectangle([(left, bottom - th - 2 * margin), (left + tw, bottom)], fill='Red')
            draw.text((left + margin, bottom - th - margin), label, fill='black', font=font)
    return image


def make_image(tensor, rescale=1, rois=None, labels=None):
    """An HWC uint8 array as a PNG ``Summary.Image`` (needs PIL, as torch)."""
    from PIL import Image
    height, width, channel = tensor.shape
    img = Image.fromarray(tensor)
    if rois is not None:
        img = _draw_boxes(img, rois, labels=labels)
    img = img.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    with io.BytesIO() as out:
        img.save(out, format='PNG')
        png = out.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channel, encoded_image_string=png)


def figure_to_image(figures, close=True):
    """A matplotlib figure as a CHW uint8 array (a list of figures: NCHW)."""
    import matplotlib.pyplot as plt
    import matplotlib.backends.backend_agg as plt_backend_agg

    def render(figure):
        canvas = plt_backend_agg.FigureCanvasAgg(figure)
        canvas.draw()
        w, h = figure.canvas.get_width_height()
        data = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(h, w, 4)[:, :, :3]
        if close:
            plt.close(figure)
        return np.moveaxis(data, 2, 0)

    return np.stack([render(f) for f in figures]) if isinstance(figures, list) else render(figures)


# ----------------------------------------------------------------------------- video, mesh
def _prepare_video(V):
    """BTCHW clips -> THWC frames, the batch laid out in a grid (padded to a power of 2)."""
    b, t, c, h, w = V.shape
    if V.dtype == np.uint8:
        V = np.float32(V) / 255.0
    if b & (b - 1):
        V = np.concatenate((V, np.zeros(shape=(2 ** b.bit_length() - b, t, c, h, w))), axis=0)
    n_rows = 2 ** ((b.bit_length() - 1) // 2)
    n_cols = V.shape[0] // n_rows
    V = V.reshape(n_rows, n_cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    return V.reshape(t, n_rows * h, n_cols * w, c)


def video(tag, tensor, fps=4):
    frames = _prepare_video(make_np(tensor))
    scale = 1 if frames.dtype == np.uint8 else 255
    frames = (frames.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_video(frames, fps))])


def make_video(tensor, fps):
    """THWC uint8 frames as an animated GIF ``Summary.Image`` (needs moviepy; without it, as
    torch, prints a note and returns None)."""
    try:
        import moviepy  # noqa: F401
    except ImportError:
        print('add_video needs package moviepy')
        return
    try:
        from moviepy import editor as mpy
    except ImportError:
        print("moviepy is installed, but can't import moviepy.editor.",
              'Some packages could be missing [imageio, requests]')
        return
    import tempfile
    _, h, w, c = tensor.shape
    clip = mpy.ImageSequenceClip(list(tensor), fps=fps)
    with tempfile.NamedTemporaryFile(suffix='.gif') as f:
        try:
            clip.write_gif(f.name, verbose=False, logger=None)
        except TypeError:
            try:
                clip.write_gif(f.name, verbose=False, progress_bar=False)
            except TypeError:
                clip.write_gif(f.name, verbose=False)
        f.seek(0)
        return Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=f.read())


def mesh(tag, vertices, colors, faces, config_dict, display_name=None, description=None):
    """The mesh plugin's summary: one float tensor value per given part (vertices, faces, colors)."""
    import json
    from tensorboard.plugins.mesh import metadata
    from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData
    json_config = '{}' if config_dict is None else json.dumps(config_dict, sort_keys=True)
    parts = [(t, kind) for t, kind in ((vertices, MeshPluginData.VERTEX), (faces, MeshPluginData.FACE),
                                       (colors, MeshPluginData.COLOR)) if t is not None]
    components = metadata.get_components_bitmask([kind for _, kind in parts])
    values = []
    for t, kind in parts:
        a = make_np(t) if isinstance(t, _Tensor()) else np.asarray(t)
        smd = metadata.create_summary_metadata(tag, display_name, kind, components, a.shape,
                                               description, json_config=json_config)
        proto = TensorProto(dtype='DT_FLOAT', float_val=a.reshape(-1).tolist(),
                            tensor_shape=_shape(a.shape[0], a.shape[1], a.shape[2]))
        values.append(Summary.Value(tag=metadata.get_instance_name(tag, kind), tensor=proto, metadata=smd))
    return Summary(value=values)


# ----------------------------------------------------------------------------- audio, text
def audio(tag, tensor, sample_rate=44100):
    import wave
    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print('warning: audio amplitude out of range, auto clipped.')
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError('input tensor should be 1 dimensional.')
    array = (array * np.iinfo(np.int16).max).astype('<i2')
    with io.BytesIO() as fio:
        with wave.open(fio, 'wb') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(array.data)
        wav = fio.getvalue()
    snd = Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=array.shape[-1],
                        encoded_audio_string=wav, content_type='audio/wav')
    return Summary(value=[Summary.Value(tag=tag, audio=snd)])


def text(tag, text):
    smd = _plugin('text', TextPluginData(version=0).SerializeToString())
    proto = TensorProto(dtype='DT_STRING', string_val=[text.encode(encoding='utf_8')],
                        tensor_shape=_shape(1))
    return Summary(value=[Summary.Value(tag=tag + '/text_summary', metadata=smd, tensor=proto)])


# ----------------------------------------------------------------------------- hparams
def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The three summaries of the hparams plugin: (experiment, session start, session end)."""
    from tensorboard.plugins.hparams.api_pb2 import (DataType, Experiment, HParamInfo,
                                                     MetricInfo, MetricName, Status)
    from tensorboard.plugins.hparams import metadata as M
    from tensorboard.plugins.hparams.plugin_data_pb2 import (HParamsPluginData, SessionEndInfo,
                                                             SessionStartInfo)
    import logging
    logger = logging.getLogger(__name__)
    for name, d in (('hparam_dict', hparam_dict), ('metric_dict', metric_dict)):
        if not isinstance(d, dict):
            logger.warning(f'parameter: {name} should be a dictionary, nothing logged.')
            raise TypeError(f'parameter: {name} should be a dictionary, nothing logged.')
    discrete = hparam_domain_discrete or {}
    if not isinstance(discrete, dict):
        raise TypeError('parameter: hparam_domain_discrete should be a dictionary, nothing logged.')
    for k, v in discrete.items():
        if k not in hparam_dict or not isinstance(v, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f'parameter: hparam_domain_discrete[{k}] should be a list of same '
                            f'type as hparam_dict[{k}].')
    Tensor = _Tensor()
    hps, ssi = [], SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        # bool is an int, so (as in torch) True/False log as numbers: the bool branch is dead
        if isinstance(v, (int, float)):
            field, dtype = 'number_value', 'DATA_TYPE_FLOAT64'
        elif isinstance(v, str):
            field, dtype = 'string_value', 'DATA_TYPE_STRING'
        elif isinstance(v, Tensor):
            ssi.hparams[k].number_value = make_np(v)[0]
            hps.append(HParamInfo(name=k, type=DataType.Value('DATA_TYPE_FLOAT64')))
            continue
        else:
            raise ValueError('value should be one of int, float, str, bool, or torch.Tensor')
        setattr(ssi.hparams[k], field, v)
        dom = (struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in discrete[k]])
               if k in discrete else None)
        hps.append(HParamInfo(name=k, type=DataType.Value(dtype), domain_discrete=dom))

    def wrap(tag, **content):
        data = HParamsPluginData(version=M.PLUGIN_DATA_VERSION, **content).SerializeToString()
        return Summary(value=[Summary.Value(tag=tag, metadata=_plugin(M.PLUGIN_NAME, data))])

    exp = Experiment(hparam_infos=hps, metric_infos=[MetricInfo(name=MetricName(tag=k))
                                                     for k in metric_dict])
    sei = SessionEndInfo(status=Status.Value('STATUS_SUCCESS'))
    return (wrap(M.EXPERIMENT_TAG, experiment=exp), wrap(M.SESSION_START_INFO_TAG, session_start_info=ssi),
            wrap(M.SESSION_END_INFO_TAG, session_end_info=sei))


# ----------------------------------------------------------------------------- layouts, PR curves
def custom_scalars(layout):
    categories = []
    for k, v in layout.items():
        charts = []
        for title, (kind, tags) in v.items():
            if kind == 'Margin':
                if len(tags) != 3:
                    raise AssertionError('len(tags) != 3')
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                charts.append(layout_pb2.Chart(title=title, margin=layout_pb2.MarginChartContent(series=[series])))
            else:
                charts.append(layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=k, chart=charts))
    proto = TensorProto(dtype='DT_STRING', tensor_shape=TensorShapeProto(),
                        string_val=[layout_pb2.Layout(category=categories).SerializeToString()])
    return Summary(value=[Summary.Value(tag='custom_scalars__config__', tensor=proto,
                                        metadata=_plugin('custom_scalars'))])


def _pr_summary(tag, data, num_thresholds):
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    proto = TensorProto(dtype='DT_FLOAT', float_val=data.reshape(-1).tolist(), tensor_shape=_shape(*data.shape))
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin('pr_curves', content), tensor=proto)])


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    return _pr_summary(tag, np.stack((tp, fp, tn, fn, precision, recall)), min(num_thresholds, 127))


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    num_thresholds = min(num_thresholds, 127)
    return _pr_summary(tag, compute_curve(labels, predictions, num_thresholds, weights), num_thresholds)


def compute_curve(labels, predictions, num_thresholds=None, weights=None):
    """Rows tp, fp, tn, fn, precision, recall at ``num_thresholds`` evenly spaced thresholds."""
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    labels = labels.astype(np.float64)
    hist = lambda w: np.histogram(buckets, bins=num_thresholds, range=(0, num_thresholds - 1),
                                  weights=w * weights)[0]
    tp = np.cumsum(hist(labels)[::-1])[::-1]
    fp = np.cumsum(hist(1.0 - labels)[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))
