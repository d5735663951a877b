"""``torch.hub``: load models from a ``hubconf.py`` (a local folder or a GitHub repository) and download and cache
pre-trained weights.

Repositories are cached as ``get_dir()/<owner>_<repo>_<ref>``, weight files under ``get_dir()/checkpoints``;
``get_dir()`` is ``$EMBER_HOME/hub``, where ``EMBER_HOME`` defaults to ``$XDG_CACHE_HOME/ember``
(``~/.cache/ember``). Checkpoints may be ``torch.save`` files (read weights-only: nothing but tensors and plain
containers is unpickled) or safetensors files.

Example::

    >>> import ember.hub
    >>> sd = ember.hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
    >>> model = ember.hub.load("path/to/repo", "tiny_net", source="local", pretrained=False)  # doctest: +SKIP
"""

import hashlib
import importlib.util
import os
import re
import shutil
import sys
import uuid
import warnings
import zipfile
from urllib.parse import urlparse
from urllib.error import HTTPError, URLError
import urllib.request
from urllib.request import urlopen

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

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
    dst = os.path.expanduser(dst)
    folder = os.path.dirname(os.path.abspath(dst))
    tmp = os.path.join(folder, f"{os.path.basename(dst)}.{uuid.uuid4().hex}.partial")
    try:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        with open(tmp, "wb") as f:
            _stream_url(url, f, progress=progress, on_chunk=sha256.update if sha256 is not None else None)
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _stream_url(url, out, progress=True, timeout=None, user_agent="ember.hub", on_chunk=None, unit_divisor=1024):
    """Copy ``url``'s content into the open binary file ``out`` with a tqdm progress bar on stderr, calling
    ``on_chunk(bytes)`` on each piece (a hash's ``update``). Shared by the hub and the datasets' downloads."""
    from tqdm import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - fetching it is the point
        length = response.info().get("Content-Length") if hasattr(response, "info") else None
        total = int(length) if length else getattr(response, "length", None)
        with tqdm(total=total, disable=not progress, unit="B", unit_scale=True, unit_divisor=unit_divisor) as bar:
            while chunk := response.read(READ_DATA_CHUNK):
                out.write(chunk)
                if on_chunk is not None:
                    on_chunk(chunk)
                bar.update(len(chunk))


def _is_legacy_zip_format(path):
    # a plain zip archive holding one checkpoint file (how some old checkpoints were published)
    if zipfile.is_zipfile(path):
        infos = zipfile.ZipFile(path).infolist()
        return len(infos) == 1 and not infos[0].is_dir()
    return False


def _load_file(path, map_location=None):
    import ember
    return ember.load(path, map_location=map_location)  # (torch.save files and safetensors alike)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """Load the state_dict at ``url``, downloading it into the cache first unless it is already there.

    The file is cached as ``model_dir/<file name>``; a ``torch.save`` file is read weights-only (tensors
    become ember tensors, and nothing else than tensors and plain containers is unpickled), any other file
    with :func:`ember.load` (safetensors).

    Args:
        url: the file's address (``https://``, ``file://`` ...).
        model_dir: the cache folder (default ``get_dir()/checkpoints``).
        map_location: as in :func:`ember.load` (a string, device, dict or function; ember tensors live on the CPU).
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
        return _load_file(os.path.join(model_dir, member.filename), map_location)
    return _load_file(cached_file, map_location)


# ------------------------------------------------------------------------------------------------ hubconf models

MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")


def _import_hubconf(repo_dir):
    """Execute ``repo_dir/hubconf.py`` as a fresh module, with ``repo_dir`` first on ``sys.path`` meanwhile (the
    hubconf may import the repository's own packages)."""
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # a missing file raises FileNotFoundError naming it
    finally:
        sys.path.remove(repo_dir)
    missing = [name for name in getattr(module, VAR_DEPENDENCY, None) or ()
               if importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _entrypoint(hubconf, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    func = getattr(hubconf, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _repo_ref(github):
    """``owner``, ``name`` and the ref of ``"owner/name[:ref]"``; without a ref, ``main`` if the repository has that
    branch, else ``master`` (offline: whichever of the two is cached)."""
    info, _, ref = github.partition(":")
    owner, name = info.split("/")
    if ref:
        return owner, name, ref
    try:
        with urlopen(f"https://github.com/{owner}/{name}/tree/main/"):  # noqa: S310 - asking GitHub is the point
            return owner, name, "main"
    except HTTPError as e:
        if e.code != 404:
            raise
        return owner, name, "master"
    except URLError as e:
        for ref in ("main", "master"):
            if os.path.exists(os.path.join(get_dir(), f"{owner}_{name}_{ref}")):
                return owner, name, ref
        raise RuntimeError("It looks like there is no internet connection and the repo could not be found in the "
                           f"cache ({get_dir()})") from e


def _ensure_trusted(owner, name, cached_name, trust_repo):
    """Ask before running code from a repository that is not on the trusted list (``get_dir()/trusted_list``),
    not already cached, and not owned by a trusted organisation; a repository the user trusts is added to it."""
    listing = os.path.join(get_dir(), "trusted_list")
    with open(listing, "a+") as f:  # created empty on first use, as PyTorch does
        f.seek(0)
        trusted = {line.strip() for line in f}
    owner_name = f"{owner}_{name}"
    known = (owner_name in trusted or owner in _TRUSTED_REPO_OWNERS
             or os.path.isdir(os.path.join(get_dir(), cached_name)))
    if trust_repo is False or (trust_repo == "check" and not known):
        answer = input(f"The repository {owner_name} does not belong to the list of trusted repositories and as "
                       "such cannot be downloaded. Do you trust this repository and wish to add it to the trusted "
                       "list of repositories (y/N)?").lower()
        if answer in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002 - PyTorch raises this plain type
        if answer not in ("y", "yes"):
            raise ValueError(f"Unrecognized response {answer}.")
        if known:
            print("The repository is already trusted.")
    if not known:
        with open(listing, "a") as f:
            f.write(owner_name + "\n")


def _github_repo_dir(github, force_reload, trust_repo, verbose=True):
    """The folder of the cached repository ``github`` (``owner/name[:ref]``), downloaded and unpacked first if it
    is not cached or ``force_reload``."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _repo_ref(github)
    flat_ref = ref.replace("/", "_")
    cached_name = f"{owner}_{name}_{flat_ref}"
    repo_dir = os.path.join(hub_dir, cached_name)
    _ensure_trusted(owner, name, cached_name, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    archive = os.path.join(hub_dir, flat_ref + ".zip")
    url = f"https://github.com/{owner}/{name}/zipball/{ref}"
    sys.stdout.write(f'Downloading: "{url}" to {archive}\n')
    download_url_to_file(url, archive, progress=False)
    try:
        with zipfile.ZipFile(archive) as z:
            top = z.infolist()[0].filename.split("/")[0]  # GitHub archives hold one folder, <owner>-<name>-<sha>
            root = os.path.realpath(hub_dir)
            for member in z.infolist():
                if not os.path.realpath(os.path.join(root, member.filename)).startswith(root + os.sep):
                    raise ValueError(f"{archive} holds a file outside the extraction folder: {member.filename}")
            shutil.rmtree(os.path.join(hub_dir, top), ignore_errors=True)
            z.extractall(hub_dir)
    finally:
        os.remove(archive)
    shutil.rmtree(repo_dir, ignore_errors=True)
    shutil.move(os.path.join(hub_dir, top), repo_dir)
    return repo_dir


def _check_source(source):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    return source


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):  # noqa: A001
    """The names of the entrypoints (public callables) a GitHub repository's ``hubconf.py`` offers.

    Args:
        github: ``"owner/name[:ref]"``; without a ref, the ``main`` branch if there is one, else ``master``.
        force_reload: download the repository again even if it is cached.
        skip_validation: accepted for compatibility (ember does not ask GitHub's API whether a ref belongs to a
            fork).
        trust_repo: ``"check"`` asks once for repositories not trusted yet, ``True`` (or ``None``) trusts without
            asking, ``False`` always asks.
        verbose: say when the cached copy is used.

    Example::

        >>> ember.hub.list("owner/repo")  # doctest: +SKIP
        ['tiny_net']
    """
    hubconf = _import_hubconf(_github_repo_dir(github, force_reload, trust_repo, verbose))
    return [name for name in dir(hubconf) if callable(getattr(hubconf, name)) and not name.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):  # noqa: A001
    """The docstring of entrypoint ``model`` of a GitHub repository's ``hubconf.py``.

    Args are those of :func:`list`, plus ``model``, the entrypoint's name.

    Example::

        >>> print(ember.hub.help("owner/repo", "tiny_net"))  # doctest: +SKIP
    """
    hubconf = _import_hubconf(_github_repo_dir(github, force_reload, trust_repo, verbose=True))
    return _entrypoint(hubconf, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """Call entrypoint ``model`` of a ``hubconf.py`` with ``*args`` and ``**kwargs`` and return what it returns
    (usually a model).

    The ``hubconf.py`` must be written for ember (``import ember``): a repository whose ``hubconf.py`` imports
    ``torch`` builds PyTorch models. Before running it, the names in its ``dependencies`` list must be importable.

    Args:
        repo_or_dir: ``"owner/name[:ref]"`` of a GitHub repository (``source="github"``), or a folder that holds a
            ``hubconf.py`` (``source="local"``).
        model: the entrypoint's name.
        *args: passed to the entrypoint.
        source: ``"github"`` (default) or ``"local"``.
        trust_repo, force_reload, verbose, skip_validation: as in :func:`list` (GitHub only).
        **kwargs: passed to the entrypoint.

    Raises:
        ValueError: an unknown ``source``, or ``model`` is not a string.
        RuntimeError: no callable ``model`` in the hubconf, or a missing dependency.
        FileNotFoundError: no ``hubconf.py`` in the folder.

    Example::

        >>> net = ember.hub.load("path/to/repo", "tiny_net", source="local", pretrained=False)  # doctest: +SKIP
    """
    if _check_source(source) == "github":
        repo_or_dir = _github_repo_dir(repo_or_dir, force_reload, trust_repo, verbose)
    return _entrypoint(_import_hubconf(repo_or_dir), model)(*args, **kwargs)
