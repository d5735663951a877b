"""Downloading and caching pre-trained weights (the weights part of ``torch.hub``).

Files are cached under ``get_dir()/checkpoints``; ``get_dir()`` is ``$EMBER_HOME/hub``, where ``EMBER_HOME``
defaults to ``$XDG_CACHE_HOME/ember`` (``~/.cache/ember``). Checkpoints may be ``torch.save`` files (read
weights-only: nothing but tensors and plain containers is unpickled) or safetensors files.

Example::

    >>> import ember.hub
    >>> sd = ember.hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
"""

import hashlib
import os
import re
import shutil
import sys
import uuid
import warnings
import zipfile
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url", "set_dir"]

ENV_EMBER_HOME = "EMBER_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
READ_DATA_CHUNK = 128 * 1024

_hub_dir = None


def _get_ember_home():
    return os.path.expanduser(os.getenv(ENV_EMBER_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME,
                                                                                DEFAULT_CACHE_DIR), "ember")))


def get_dir():
    """The directory downloaded weights are cached under (in its ``checkpoints`` subfolder).

    :func:`set_dir` overrides it; otherwise it is ``$EMBER_HOME/hub``, where ``EMBER_HOME`` defaults to
    ``$XDG_CACHE_HOME/ember`` and ``XDG_CACHE_HOME`` to ``~/.cache``.

    Example::

        >>> ember.hub.get_dir()  # doctest: +SKIP
        '/home/me/.cache/ember/hub'
    """
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_ember_home(), "hub")


def set_dir(d):
    """Cache downloaded weights under ``d`` from now on (``~`` is expanded).

    Args:
        d: a folder path (``str`` or path-like).

    Example::

        >>> ember.hub.set_dir("/tmp/ember-hub")
    """
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to the file ``dst``, through a temporary file in the same folder that is renamed at
    the end (an interrupted download leaves no partial ``dst``).

    Args:
        url: the address (``http(s)://``, ``file://`` ...).
        dst: the destination path.
        hash_prefix: if given, the SHA-256 hex digest of the content must start with it.
        progress: show a progress bar on stderr (default True).

    Raises:
        RuntimeError: the content's hash does not start with ``hash_prefix`` (``dst`` is not written).

    Example::

        >>> ember.hub.download_url_to_file("https://example.com/net.pth", "/tmp/net.pth")  # doctest: +SKIP
    """
    from tqdm import tqdm

    req = Request(url, headers={"User-Agent": "ember.hub"})
    with urlopen(req) as u:  # noqa: S310 - fetching the url is the point
        length = u.info().get("Content-Length") if hasattr(u, "info") else None
        total = int(length) if length else None
        dst = os.path.expanduser(dst)
        folder = os.path.dirname(os.path.abspath(dst))
        tmp = os.path.join(folder, f"{os.path.basename(dst)}.{uuid.uuid4().hex}.partial")
        try:
            sha256 = hashlib.sha256() if hash_prefix is not None else None
            with open(tmp, "wb") as f, tqdm(total=total, disable=not progress, unit="B", unit_scale=True,
                                            unit_divisor=1024) as bar:
                while True:
                    chunk = u.read(READ_DATA_CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
                    if sha256 is not None:
                        sha256.update(chunk)
                    bar.update(len(chunk))
            if sha256 is not None:
                digest = sha256.hexdigest()
                if digest[:len(hash_prefix)] != hash_prefix:
                    raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
            shutil.move(tmp, dst)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def _is_legacy_zip_format(path):
    # a plain zip archive holding one checkpoint file (how some old checkpoints were published)
    if zipfile.is_zipfile(path):
        infos = zipfile.ZipFile(path).infolist()
        return len(infos) == 1 and not infos[0].is_dir()
    return False


def _load_file(path):
    from ember._torch_pickle import is_torch_file, load_torch_file
    if is_torch_file(path):
        return load_torch_file(path)
    import ember
    return ember.load(path)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """Load the state_dict at ``url``, downloading it into the cache first unless it is already there.

    The file is cached as ``model_dir/<file name>``; a ``torch.save`` file is read weights-only (tensors
    become ember tensors, and nothing else than tensors and plain containers is unpickled), any other file
    with :func:`ember.load` (safetensors).

    Args:
        url: the file's address (``https://``, ``file://`` ...).
        model_dir: the cache folder (default ``get_dir()/checkpoints``).
        map_location: accepted for compatibility (ember tensors live on the CPU).
        progress: show a download progress bar (default True).
        check_hash: require the SHA-256 digest of the download to start with the hex digits after the last
            ``-`` of the file name (``name-<digits>.ext``), as in torch's published files (default False).
        file_name: cache the file under this name instead of the URL's.
        weights_only: accepted for compatibility; reading is always weights-only.

    Returns:
        The loaded object, usually a ``{name: tensor}`` ``OrderedDict``.

    Raises:
        RuntimeError: the hash check failed.
        pickle.UnpicklingError: the file holds more than tensors and containers.

    Example::

        >>> sd = ember.hub.load_state_dict_from_url(
        ...     "https://download.pytorch.org/models/resnet18-f37072fd.pth", check_hash=True)  # doctest: +SKIP
    """
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env EMBER_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
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
    if _is_legacy_zip_format(cached_file):
        with zipfile.ZipFile(cached_file) as z:
            member = z.infolist()[0]
            root = os.path.realpath(model_dir)
            if not os.path.realpath(os.path.join(root, member.filename)).startswith(root + os.sep):
                raise ValueError(f"{cached_file} holds a file outside the extraction folder: {member.filename}")
            z.extract(member, model_dir)
        return _load_file(os.path.join(model_dir, member.filename))
    return _load_file(cached_file)
