"""The projector plugin's files for ``SummaryWriter.add_embedding`` (torch's ``_embedding.py``)."""
import math
import os

import numpy as np

from .summary import make_grid, make_np


def _write(path, text):
    with open(path, 'wb') as f:
        f.write(text.encode('utf-8') if isinstance(text, str) else text)


def make_tsv(metadata, save_path, metadata_header=None):
    """One label per line, or with ``metadata_header`` a header row and tab-separated columns."""
    if not metadata_header:
        rows = [str(x) for x in metadata]
    else:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError('len of header must be equal to the number of columns in metadata')
        rows = ['\t'.join(str(e) for e in row) for row in [metadata_header] + metadata]
    _write(os.path.join(save_path, 'metadata.tsv'), '\n'.join(rows) + '\n')


def make_sprite(label_img, save_path):
    """The NCHW label images (values in [0, 1]) tiled into one square PNG ``sprite.png``."""
    import io
    from PIL import Image
    nrow = math.ceil(label_img.shape[0] ** 0.5)
    chw = make_grid(make_np(label_img), ncols=nrow)
    square = np.zeros((chw.shape[2], chw.shape[2], 3))
    square[:chw.shape[1]] = chw.transpose(1, 2, 0)
    with io.BytesIO() as buf:
        Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(buf, format='PNG')
        _write(os.path.join(save_path, 'sprite.png'), buf.getvalue())


def make_mat(mat, save_path):
    """The embedding matrix, one tab-separated row per point."""
    _write(os.path.join(save_path, 'tensors.tsv'),
           ''.join('\t'.join(str(v.item()) for v in row) + '\n' for row in mat))


def embedding_info(metadata, label_img, subdir, global_step, tag):
    from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo
    info = EmbeddingInfo(tensor_name=f'{tag}:{str(global_step).zfill(5)}',
                         tensor_path=os.path.join(subdir, 'tensors.tsv'))
    if metadata is not None:
        info.metadata_path = os.path.join(subdir, 'metadata.tsv')
    if label_img is not None:
        info.sprite.image_path = os.path.join(subdir, 'sprite.png')
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    return info


def write_pbtxt(save_path, config):
    from google.protobuf import text_format
    _write(os.path.join(save_path, 'projector_config.pbtxt'), text_format.MessageToString(config))
