"""Download, integrity and extraction helpers (mirrors ``torchvision.datasets.utils``).

Every downloaded or decompressed file is written to a temporary name and renamed into place, so an interrupted or
failed download never leaves a partial file behind."""

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import shutil
import tarfile
import tempfile
import zipfile
import zlib

USER_AGENT = "ember/vision"

__all__ = ["calculate_md5", "check_integrity", "check_md5", "download_and_extract_archive",
           "download_file_from_google_drive", "download_url", "extract_archive", "iterable_to_str", "list_dir",
           "list_files", "verify_str_arg"]


class IntegrityError(RuntimeError):
    """A downloaded file whose MD5 does not match the expected one."""


def calculate_md5(fpath, chunk_size=1024 * 1024):
    """The hex MD5 digest of a file.

    Args:
        fpath: path of the file.
        chunk_size: bytes read at a time.

    Example::

        >>> calculate_md5("data/cifar-10-python.tar.gz")
        'c58f30108f718f92721af3b95e74349a'
    """
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    """Whether the file at ``fpath`` has the hex MD5 ``md5`` (``kwargs`` go to :func:`calculate_md5`).

    Example::

        >>> check_md5("data/a.bin", "d41d8cd98f00b204e9800998ecf8427e")
        True
    """
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """Whether ``fpath`` is an existing file and, when ``md5`` is given, has that MD5.

    Args:
        fpath: path of the file.
        md5: the expected hex digest, or None to only check that the file exists.

    Example::

        >>> check_integrity("data/cifar-10-batches-py/data_batch_1", "c99cafc152244af753f735de768cd75f")
        True
    """
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _temp_path(directory, name):
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return tmp


def _fetch(url, dst, timeout):
    """Stream ``url`` into the file ``dst`` with a progress bar (tqdm, on stderr)."""
    from ember.hub import _stream_url

    with open(dst, "wb") as out:
        _stream_url(url, out, timeout=timeout, user_agent=USER_AGENT, unit_divisor=1000)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3, timeout=60):
    """Download ``url`` to ``root/filename`` through a temporary file, checking ``md5``; skip if already valid.

    Args:
        url: the address (``http(s)://`` or ``file://``).
        root: the folder to save into (created if missing).
        filename: the saved file's name (default: the URL's last component).
        md5: the expected hex MD5 of the file (None: not checked).
        max_redirect_hops: accepted for torchvision compatibility (urllib follows redirects itself).
        timeout: seconds to wait for the server.

    Shows a progress bar; an ``https`` address that fails is tried once more over ``http``, as torchvision does.
    Raises ``urllib.error.URLError`` (or ``OSError``) when the download fails and :class:`IntegrityError` (a
    ``RuntimeError``) when the MD5 does not match; no file is left behind in either case.

    Example::

        >>> download_url("https://example.org/a.gz", "data/raw", md5="...")
    """
    root = os.path.expanduser(os.fspath(root))
    filename = os.fspath(filename) if filename else os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    tmp = _temp_path(root, filename)
    try:
        try:
            _fetch(url, tmp, timeout)
        except OSError:  # urllib's URLError included: some servers answer over plain http only
            if not url.startswith("https:"):
                raise
            _fetch("http:" + url[len("https:"):], tmp, timeout)
        if md5 is not None:
            got = calculate_md5(tmp)
            if got != md5:
                raise IntegrityError(f"File not found or corrupted. MD5 mismatch for {url} (saving to {fpath}): "
                                     f"expected {md5}, got {got}")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return fpath


def download_file_from_google_drive(file_id, root, filename=None, md5=None):
    """Download a Google Drive file (needs the optional ``gdown`` package) to ``root/filename``.

    Args:
        file_id: the Drive file id.
        root: the folder to save into.
        filename: the saved file's name (default: ``file_id``).
        md5: the expected hex MD5 (None: not checked).

    Example::

        >>> download_file_from_google_drive("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "data", "img_align_celeba.zip")
    """
    try:
        import gdown
    except ModuleNotFoundError:
        raise RuntimeError("To download files from GDrive, 'gdown' is required. You can install it with "
                           "'pip install gdown'.") from None
    root = os.path.expanduser(os.fspath(root))
    fpath = os.path.join(root, os.fspath(filename) if filename else file_id)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    gdown.download(id=file_id, output=fpath, quiet=False, user_agent=USER_AGENT)
    if not check_integrity(fpath, md5):
        raise RuntimeError("File not found or corrupted.")
    return fpath


def list_dir(root, prefix=False):
    """The names of the folders directly inside ``root`` (full paths when ``prefix``).

    Example::

        >>> list_dir("data/omniglot")
        ['images_background']
    """
    root = os.path.expanduser(root)
    found = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, p) for p in found] if prefix is True else found


def list_files(root, suffix, prefix=False):
    """The names of the files directly inside ``root`` ending with ``suffix`` (a string or a tuple).

    Example::

        >>> list_files("data/images", (".png", ".jpg"))
        ['a.png', 'b.jpg']
    """
    root = os.path.expanduser(root)
    found = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, p) for p in found] if prefix is True else found


# ----------------------------------------------------------------------------- archives and compressed files

def _extract_tar(from_path, to_path, compression):
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        if hasattr(tarfile, "data_filter"):  # refuse members escaping ``to_path`` (absolute paths, "..", links)
            tar.extractall(to_path, filter="data")
        else:  # pragma: no cover - Python without extraction filters
            tar.extractall(to_path)


def _extract_zip(from_path, to_path, compression):
    with zipfile.ZipFile(from_path, "r") as archive:  # zipfile detects each member's compression itself
        archive.extractall(to_path)


_ARCHIVE_EXTRACTORS = {".tar": _extract_tar, ".zip": _extract_zip}
_COMPRESSED_FILE_OPENERS = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_FILE_TYPE_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}


def _detect_file_type(file):
    """(suffix, archive type or None, compression or None) of ``file``, from its name."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the archive type and "
                           "compression.")
    suffix = suffixes[-1]
    if suffix in _FILE_TYPE_ALIASES:
        return (suffix, *_FILE_TYPE_ALIASES[suffix])
    if suffix in _ARCHIVE_EXTRACTORS:
        return suffix, suffix, None
    if suffix in _COMPRESSED_FILE_OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVE_EXTRACTORS:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    known = sorted(set(_FILE_TYPE_ALIASES) | set(_ARCHIVE_EXTRACTORS) | set(_COMPRESSED_FILE_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: '{known}'.")


def _decompress_with(opener, from_path, to_path, remove_finished):
    # Decompress through a temporary file, so a corrupt input leaves no partial output.
    to_path = os.fspath(to_path)
    tmp = _temp_path(os.path.dirname(to_path) or ".", os.path.basename(to_path))
    try:
        try:
            with opener(from_path, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        except FileNotFoundError:
            raise
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            raise RuntimeError(f"Could not decompress {os.fspath(from_path)}: {exc}") from None
        os.replace(tmp, to_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    if remove_finished:
        os.remove(from_path)
    return to_path


def _decompress(from_path, to_path=None, remove_finished=False):
    """Decompress a ``.gz``/``.bz2``/``.xz`` file (through a temporary file); returns the output path."""
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not compression:
        raise RuntimeError(f"Couldn't detect a compression from suffix {suffix}.")
    if to_path is None:
        to_path = os.fspath(from_path).replace(suffix, archive_type if archive_type is not None else "")
    return pathlib.Path(_decompress_with(_COMPRESSED_FILE_OPENERS[compression], from_path, to_path, remove_finished))


def extract_gzip(from_path, to_path=None, remove_finished=False):
    """Decompress a ``.gz`` file through a temporary file; returns the output path (a string).

    Example::

        >>> extract_gzip("MNIST/raw/t10k-labels-idx1-ubyte.gz")
        'MNIST/raw/t10k-labels-idx1-ubyte'
    """
    from_path = os.fspath(from_path)
    if to_path is None:
        to_path = from_path[:-3] if from_path.endswith(".gz") else from_path + ".out"
    return _decompress_with(gzip.open, from_path, to_path, remove_finished)


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a ``.tar``/``.zip`` archive (possibly compressed) or decompress a single compressed file.

    The format is detected from the file name: ``.tar``, ``.zip``, ``.tar.gz``/``.tgz``, ``.tar.bz2``/``.tbz``/
    ``.tbz2``, ``.tar.xz``, ``.gz``, ``.bz2``, ``.xz``. Tar members that would land outside ``to_path`` are refused.

    Args:
        from_path: the archive.
        to_path: the folder to extract into (default: the archive's folder).
        remove_finished: delete the archive afterwards.

    Returns the folder extracted into (for an archive) or the decompressed file's path, as a ``str`` when
    ``from_path`` is one, else as a ``pathlib.Path``.

    Example::

        >>> extract_archive("data/cifar-10-python.tar.gz", "data")
        'data'
    """
    def same_kind(path):
        return os.fspath(path) if isinstance(from_path, str) else pathlib.Path(path)

    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not archive_type:
        target = os.path.join(to_path, os.path.basename(from_path).replace(suffix, ""))
        return same_kind(_decompress(from_path, target, remove_finished=remove_finished))
    _ARCHIVE_EXTRACTORS[archive_type](from_path, to_path, compression)
    if remove_finished:
        os.remove(from_path)
    return same_kind(to_path)


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """Download ``url`` into ``download_root`` (checking ``md5``) and extract it with :func:`extract_archive`.

    Args:
        url: the archive's address.
        download_root: where the archive is saved.
        extract_root: where it is extracted (default: ``download_root``).
        filename: the saved archive's name (default: the URL's last component).
        md5: the expected hex MD5 of the archive.
        remove_finished: delete the archive after extraction.

    Example::

        >>> download_and_extract_archive("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "data")
    """
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = download_root if extract_root is None else os.fspath(extract_root)
    filename = os.fspath(filename) if filename else os.path.basename(url)
    download_url(url, download_root, filename, md5)
    return extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def iterable_to_str(iterable):
    """``'a', 'b', 'c'``: the items quoted and comma-separated (for error messages).

    Example::

        >>> iterable_to_str(["train", "test"])
        "'train', 'test'"
    """
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """Check that ``value`` is a string and one of ``valid_values``; returns it, else raises ``ValueError``.

    Args:
        value: the argument's value.
        arg: the argument's name (for the message).
        valid_values: the accepted values (None: any string).
        custom_msg: a message replacing the default one for an unknown value.

    Example::

        >>> verify_str_arg("train", "split", ("train", "test"))
        'train'
    """
    if not isinstance(value, str):
        where = "" if arg is None else f" for argument {arg}"
        raise ValueError(f"Expected type str{where}, but got type {type(value)}.")
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is not None:
        raise ValueError(custom_msg)
    raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                     f"{{{iterable_to_str(valid_values)}}}.")
