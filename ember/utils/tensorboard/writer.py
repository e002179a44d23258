"""``SummaryWriter``: torch's TensorBoard writer for ember tensors, on ``tensorboard``'s
``EventFileWriter`` (one ``events.out.tfevents.*`` file per log directory, written by a
background thread every ``flush_secs`` or ``max_queue`` events)."""
import os
import time
import warnings

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as S
from .summary import make_np

__all__ = ['FileWriter', 'SummaryWriter']


class FileWriter:
    """Writes ``Event`` protobufs to one event file in ``log_dir`` (created if missing)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=''):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile, walltime=None):
        graph, stepstats = graph_profile
        self.add_event(event_pb2.Event(graph_def=graph.SerializeToString()), None, walltime)
        trm = event_pb2.TaggedRunMetadata(tag='step1', run_metadata=stepstats.SerializeToString())
        self.add_event(event_pb2.Event(tagged_run_metadata=trm), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


class SummaryWriter:
    """Writes scalars, histograms, images, text, hparams, ... for TensorBoard to ``log_dir``
    (default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``).

    Values may be ember tensors on any device, NumPy arrays or Python numbers. With
    ``purge_step``, TensorBoard drops the events of a crashed earlier run at steps
    ``>= purge_step``. ``add_scalars`` writes each of its tags through a sub-writer of its own,
    in ``log_dir/<main_tag>_<tag>``.

    Example:
        >>> with SummaryWriter(comment='-lr0.1') as writer:
        ...     for step in range(100):
        ...         writer.add_scalar('Loss/train', 1.0 / (step + 1), step)
    """

    def __init__(self, log_dir=None, comment='', purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=''):
        if not log_dir:
            import socket
            from datetime import datetime
            log_dir = os.path.join('runs', datetime.now().strftime('%b%d_%H-%M-%S') + '_'
                                   + socket.gethostname() + comment)
        self.log_dir, self.purge_step = log_dir, purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = max_queue, flush_secs, filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        # TensorFlow's default histogram buckets: 0 and +-1e-12 * 1.1**k up to 1e20
        v, buckets = 1e-12, []
        while v < 1e20:
            buckets.append(v)
            v *= 1.1
        self.default_bins = [-b for b in buckets[::-1]] + [0] + buckets

    def _get_file_writer(self):
        """The main FileWriter, (re)opened after ``close()``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                self.file_writer.add_event(Event(step=self.purge_step, file_version='brain.Event:2'))
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def _add(self, summary, global_step=None, walltime=None):
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def get_logdir(self):
        return self.log_dir

    # ------------------------------------------------------------------ scalars and tensors
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One value (number, NumPy scalar, 1-element tensor) at ``global_step``."""
        self._add(S.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision),
                  global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several values under ``main_tag``, each in its own run ``log_dir/<main_tag>_<tag>``."""
        walltime = time.time() if walltime is None else walltime
        fw_logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            fw_tag = fw_logdir + '/' + main_tag.replace('/', '_') + '_' + tag
            fw = self.all_writers.get(fw_tag)
            if fw is None:
                fw = self.all_writers[fw_tag] = FileWriter(fw_tag, self.max_queue, self.flush_secs,
                                                           self.filename_suffix)
            fw.add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        self._add(S.tensor_proto(tag, tensor), global_step, walltime)

    # ------------------------------------------------------------------ histograms
    def add_histogram(self, tag, values, global_step=None, bins='tensorflow', walltime=None,
                      max_bins=None):
        """A histogram of ``values``; ``bins`` as ``np.histogram`` takes it, or 'tensorflow'."""
        if isinstance(bins, str) and bins == 'tensorflow':
            bins = self.default_bins
        self._add(S.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,
                          global_step=None, walltime=None):
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError('len(bucket_limits) != len(bucket_counts), see the document.')
        self._add(S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
                  global_step, walltime)

    # ------------------------------------------------------------------ images, audio, text
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats='CHW'):
        """One image; uint8 values as they are, floats taken in [0, 1] (needs PIL)."""
        self._add(S.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats='NCHW'):
        """A batch of images laid out in a grid of 8 per row."""
        self._add(S.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_image_with_boxes(self, tag, img_tensor, box_tensor, global_step=None, walltime=None,
                             rescale=1, dataformats='CHW', labels=None):
        if labels is not None:
            labels = [labels] if isinstance(labels, str) else labels
            if len(labels) != box_tensor.shape[0]:
                labels = None
        self._add(S.image_boxes(tag, img_tensor, box_tensor, rescale=rescale,
                                dataformats=dataformats, labels=labels), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them) rendered as an image."""
        self.add_image(tag, S.figure_to_image(figure, close), global_step, walltime,
                       dataformats='NCHW' if isinstance(figure, list) else 'CHW')

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None):
        """(N, T, C, H, W) clips as one animated GIF (needs moviepy)."""
        self._add(S.video(tag, vid_tensor, fps), global_step, walltime)

    def add_mesh(self, tag, vertices, colors=None, faces=None, config_dict=None, global_step=None,
                 walltime=None):
        """A 3D mesh or point cloud: (B, N, 3) vertices, colors (0-255), (B, F, 3) faces."""
        self._add(S.mesh(tag, vertices, colors, faces, config_dict), global_step, walltime)

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        self._add(S.audio(tag, snd_tensor, sample_rate=sample_rate), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._add(S.text(tag, text_string), global_step, walltime)

    # ------------------------------------------------------------------ hparams, PR curves, layouts
    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """Hyperparameters and their metrics, as a run ``log_dir/<run_name>`` (default: the time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError('hparam_dict and metric_dict should be dictionary.')
        exp, ssi, sei = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as w:
            for s in (exp, ssi, sei):
                w.file_writer.add_summary(s, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None):
        self._add(S.pr_curve(tag, make_np(labels), make_np(predictions), num_thresholds, weights),
                  global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step=None,
                         num_thresholds=127, weights=None, walltime=None):
        self._add(S.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                                 false_negative_counts, precision, recall, num_thresholds, weights),
                  global_step, walltime)

    def add_custom_scalars_multilinechart(self, tags, category='default', title='untitled'):
        self._add(S.custom_scalars({category: {title: ['Multiline', tags]}}))

    def add_custom_scalars_marginchart(self, tags, category='default', title='untitled'):
        if len(tags) != 3:
            raise AssertionError(f'Expected 3 tags, got {len(tags)}.')
        self._add(S.custom_scalars({category: {title: ['Margin', tags]}}))

    def add_custom_scalars(self, layout):
        self._add(S.custom_scalars(layout))

    # ------------------------------------------------------------------ embeddings, graphs
    @staticmethod
    def _encode(rawstr):
        return rawstr.replace('%', '%25').replace('/', '%2f').replace('\\', '%5c')

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag='default',
                      metadata_header=None):
        """Projector files: ``<step>/<tag>/tensors.tsv`` (+ ``metadata.tsv``, ``sprite.png``) and
        ``projector_config.pbtxt`` in the log directory."""
        from . import _embedding as E
        mat = make_np(mat)
        global_step = 0 if global_step is None else global_step
        subdir = f'{str(global_step).zfill(5)}/{self._encode(tag)}'
        logdir = self._get_file_writer().get_logdir()
        save_path = os.path.join(logdir, subdir)
        if os.path.exists(save_path):
            if not os.path.isdir(save_path):
                raise NotADirectoryError(f'Path: `{save_path}` exists, but is a file. Cannot proceed.')
            print('warning: Embedding dir exists, did you set global_step for add_embedding()?')
        else:
            os.makedirs(save_path)
        if metadata is not None:
            if mat.shape[0] != len(metadata):
                raise AssertionError('#labels should equal with #data points')
            E.make_tsv(metadata, save_path, metadata_header=metadata_header)
        if label_img is not None:
            if mat.shape[0] != label_img.shape[0]:
                raise AssertionError('#images should equal with #data points')
            E.make_sprite(label_img, save_path)
        if mat.ndim != 2:
            raise AssertionError('mat should be 2D, where mat.size(0) is the number of data points')
        E.make_mat(mat, save_path)
        if not hasattr(self, '_projector_config'):
            from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
            self._projector_config = ProjectorConfig()
        self._projector_config.embeddings.extend(
            [E.embedding_info(metadata, label_img, subdir, global_step, tag)])
        E.write_pbtxt(logdir, self._projector_config)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The module-call structure of one ``model(input_to_model)`` run.

        torch traces the model with ``torch.jit`` and writes its op-level graph; ember has no
        tracer, so this records the calls of ``model``'s leaf modules instead (one graph node per
        call, named by module path and class, edges from whichever call produced an input
        tensor), which TensorBoard's Graphs tab shows as the model's layer structure. If the run
        fails, it warns and writes nothing.
        """
        from ._graph import graph
        try:
            profile = graph(model, input_to_model, verbose)
        except Exception as e:   # noqa: BLE001 -- a failed graph must not stop training
            warnings.warn(f'add_graph: could not record the module graph of '
                          f'{type(model).__name__} ({type(e).__name__}: {e}); nothing written.',
                          stacklevel=2)
            return
        self._get_file_writer().add_graph(profile)

    def add_onnx_graph(self, prototxt):
        raise NotImplementedError('add_onnx_graph: ember does not read ONNX files')

    # ------------------------------------------------------------------ lifetime
    def flush(self):
        """Write every pending event of every (sub-)writer to disk."""
        for w in (self.all_writers or {}).values():
            w.flush()

    def close(self):
        """Flush and close every writer; adding again later reopens a fresh event file."""
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
