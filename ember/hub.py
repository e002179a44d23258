"""``torch.hub``: the pretrained-weights cache model code imports (``load_state_dict_from_url``,
``download_url_to_file``, ``get_dir``/``set_dir``). A checkpoint is downloaded once into
``$TORCH_HOME/hub/checkpoints`` (default ``~/.cache/torch``), then loaded with ``ember.load``.

Example:
    >>> from ember.hub import load_state_dict_from_url
    >>> sd = load_state_dict_from_url('https://download.pytorch.org/models/resnet18-f37072fd.pth')
"""
import hashlib
import os
import re
import shutil
import sys
import tempfile
import urllib.request
import warnings
from urllib.parse import urlparse

__all__ = ['download_url_to_file', 'get_dir', 'load_state_dict_from_url', 'set_dir']

HASH_REGEX = re.compile(r'-([a-f0-9]*)\.')
_hub_dir = None


def _get_torch_home():
    return os.path.expanduser(os.getenv('TORCH_HOME', os.path.join(os.getenv('XDG_CACHE_HOME', '~/.cache'),
                                                                   'torch')))


def get_dir():
    """The hub cache directory: ``set_dir``'s, else ``$TORCH_HOME/hub``."""
    if os.getenv('TORCH_HUB'):
        warnings.warn('TORCH_HUB is deprecated, please use env TORCH_HOME instead', stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), 'hub')


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to the file ``dst`` (through a temporary file); check the sha256 prefix."""
    dst = os.path.expanduser(dst)
    tmp = tempfile.NamedTemporaryFile(delete=False, dir=os.path.dirname(os.path.abspath(dst)))
    try:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        with urllib.request.urlopen(urllib.request.Request(url, headers={'User-Agent': 'torch.hub'})) as u:
            while True:
                buffer = u.read(1 << 20)
                if not buffer:
                    break
                tmp.write(buffer)
                if sha256 is not None:
                    sha256.update(buffer)
        tmp.close()
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(tmp.name, dst)
    finally:
        tmp.close()
        if os.path.exists(tmp.name):
            os.remove(tmp.name)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """Download the checkpoint at ``url`` into the cache (once) and ``ember.load`` it."""
    from .serialization import load
    if model_dir is None:
        model_dir = os.path.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            r = HASH_REGEX.search(filename)
            hash_prefix = r.group(1) if r else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    return load(cached_file, map_location=map_location, weights_only=weights_only)
