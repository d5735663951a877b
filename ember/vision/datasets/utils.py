"""Download, integrity and extraction helpers: every file is written to a temporary name and renamed into place,
so an interrupted or failed download never leaves a partial file behind."""

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request

USER_AGENT = "ember/vision"


class IntegrityError(RuntimeError):
    """A downloaded file whose MD5 does not match the expected one."""


def calculate_md5(fpath, chunk_size=1024 * 1024):
    """The hex MD5 of a file."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5):
    """Whether the file at ``fpath`` has the hex MD5 ``md5``."""
    return md5 == calculate_md5(fpath)


def check_integrity(fpath, md5=None):
    """Whether ``fpath`` exists and (when ``md5`` is given) has that MD5."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _temp_path(directory, name):
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return tmp


def download_url(url, root, filename=None, md5=None, timeout=60):
    """Download ``url`` to ``root/filename`` through a temporary file, checking ``md5``; skip if already valid.

    Raises ``urllib.error.URLError`` (or ``OSError``) when the download fails and :class:`IntegrityError`
    when the MD5 does not match; no file is left behind in either case.

    Example::

        >>> download_url("https://example.org/a.gz", "data/raw", md5="...")
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    tmp = _temp_path(root, filename)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out, 1024 * 1024)
        if md5 is not None:
            got = calculate_md5(tmp)
            if got != md5:
                raise IntegrityError(f"MD5 mismatch for {url} (saving to {fpath}): expected {md5}, got {got}")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return fpath


def extract_gzip(from_path, to_path=None, remove_finished=False):
    """Decompress a ``.gz`` file through a temporary file; returns the output path."""
    if to_path is None:
        to_path = from_path[:-3] if from_path.endswith(".gz") else from_path + ".out"
    directory = os.path.dirname(to_path) or "."
    tmp = _temp_path(directory, os.path.basename(to_path))
    try:
        try:
            with gzip.open(from_path, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        except (OSError, EOFError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise RuntimeError(f"Could not decompress {from_path}: {exc}") from None
        os.replace(tmp, to_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """Download a ``.gz`` archive (checking ``md5``) and decompress it next to it."""
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = download_root if extract_root is None else os.fspath(extract_root)
    filename = filename or os.path.basename(url)
    archive = download_url(url, download_root, filename, md5)
    base = filename[:-3] if filename.endswith(".gz") else filename
    return extract_gzip(archive, os.path.join(extract_root, base), remove_finished)
