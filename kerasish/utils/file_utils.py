"""``get_file``: Keras 3's download-and-cache function, with the same cache folder.

Files land where Keras puts them (``~/.keras/datasets``, or ``$KERAS_HOME/datasets``),
under the same names, so a file downloaded once by Keras is found here and the other
way round. Beyond Keras: a download is written to a temporary file beside its final
name and renamed only once it is complete and its hash matches; transient network
errors are retried; an archive with an entry that would land outside its folder, or a
link, is refused before anything is extracted; when the download fails, the error says
where to put the file by hand.
"""

import hashlib
import http.client
import os
import shutil
import socket
import stat
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

# Network policy. Module constants so that tests (and users behind a slow proxy) can
# change them; Keras itself has no retry and no timeout.
_ATTEMPTS = 3
_BACKOFF_S = 1.0  # waits 1 s, then 2 s, between attempts
_TIMEOUT_S = 60.0  # per blocking socket operation, not for the whole download
_CHUNK = 1 << 16
_RETRY_HTTP_CODES = frozenset({408, 425, 429, 500, 502, 503, 504})
_HASH_ALGORITHMS = ("auto", "sha256", "md5")
_ARCHIVE_FORMATS = ("tar", "zip")
# Where Keras falls back when the cache folder cannot be written: <this>/.keras.
_FALLBACK_ROOT = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """Downloads a file from a URL if it is not already in the cache.

    By default the file at the URL `origin` is downloaded to the cache folder
    `~/.keras` (or `$KERAS_HOME` when that environment variable is set), placed in the
    subfolder `cache_subdir` (`datasets`) and named `fname`: `example.txt` ends up at
    `~/.keras/datasets/example.txt`. These are Keras's locations, so files that Keras
    downloaded are reused. `.tar`, `.tar.gz`, `.tar.bz2` and `.zip` archives can also
    be extracted.

    The download goes to a temporary file in the same folder and is renamed to its
    final name only when it is complete and, if `file_hash` is given, when its hash
    matches: an interrupted or corrupted download never sits under the final name.
    Connection errors, truncated bodies and HTTP 429/5xx answers are retried (3
    attempts). A progress bar is shown when standard output is a terminal.

    Args:
        fname: Local name of the file. If `None`, the last part of the URL's path is
            used. With `extract=True`, an `fname` without extension names the
            extraction folder; with an extension (`"data.tar.gz"`), the archive keeps
            that name and is extracted to `"data_extracted"`.
        origin: URL of the file (`https://`, `http://` or `file://`).
        untar: Deprecated in favour of `extract`. Whether the file is a tar archive to
            extract.
        md5_hash: Deprecated in favour of `file_hash`. MD5 hash of the file.
        file_hash: The expected sha256 or md5 hash (hex string) of the file. A cached
            file that does not match is downloaded again; a downloaded file that does
            not match raises `ValueError`.
        cache_subdir: Subfolder of the cache folder where the file is saved. An
            absolute path is used as it is.
        hash_algorithm: `"sha256"`, `"md5"` or `"auto"` (sha256 for a 64-character
            hash, md5 otherwise).
        extract: If `True`, extracts the archive and returns the folder it was
            extracted to. Entries that would land outside that folder, and links, are
            refused (`ValueError`, nothing extracted).
        archive_format: `"auto"` (`["tar", "zip"]`), `"tar"`, `"zip"`, a list of those,
            or `None` / `[]` (nothing matches).
        cache_dir: Cache folder; `None` means `$KERAS_HOME`, or `~/.keras` when that is
            not set. If the folder cannot be written, `/tmp/.keras` is used, as in
            Keras.
        force_download: If `True`, downloads the file even if it is in the cache.

    Returns:
        Path (`str`) to the downloaded file, or with `extract=True` (or `untar=True`)
        to the folder the archive was extracted to.

    Raises:
        ValueError: for invalid arguments, a hash mismatch, an archive that cannot be
            extracted or holds unsafe entries.
        OSError: when the download fails after retries; the message names the URL and
            the exact path where the file can be put by hand.

    Example (a `file://` URL, so that it runs offline):

    >>> import os, tempfile
    >>> source = os.path.join(tempfile.mkdtemp(), "hello.txt")
    >>> with open(source, "w") as f:
    ...     _ = f.write("hello")
    >>> cache = tempfile.mkdtemp()
    >>> path = get_file(origin="file://" + source, cache_dir=cache)  # doctest: +ELLIPSIS
    Downloading data from file://.../hello.txt
    >>> path == os.path.join(cache, "datasets", "hello.txt")
    True
    >>> get_file(origin="file://" + source, cache_dir=cache) == path  # cached: no download
    True

    **Warning on malicious downloads**: never download a file you do not trust; pass
    `file_hash` (from a separate channel) to be sure you get the file you expect.
    """
    if origin is None:
        raise ValueError(
            'Please specify the "origin" argument (URL of the file to download). '
            "Received: origin=None"
        )
    if not isinstance(origin, str) or not origin:
        raise ValueError(
            f"`origin` must be a URL string such as 'https://host/file.npz'. "
            f"Received: origin={origin!r}"
        )
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    if hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(
            f"`hash_algorithm` must be one of {_HASH_ALGORITHMS}. "
            f"Received: hash_algorithm={hash_algorithm!r}"
        )
    if file_hash is not None and not isinstance(file_hash, str):
        raise ValueError(
            f"`file_hash` must be a hex string (sha256 or md5) or None. "
            f"Received: file_hash={file_hash!r}"
        )
    if untar:
        archive_format = "tar"
    formats = _archive_formats(archive_format)

    fname = os.fspath(fname) if fname is not None else None
    provided_fname = fname
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'. "
                "Please specify the `fname` argument."
            )
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the "
            f"file's parent directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    if fname in (".", ".."):
        raise ValueError(f"`fname` must name a file. Received: fname={fname!r}")

    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    names = _target_names(fname, provided_fname, extract or untar)
    cached = None if force_download else _cached_state(
        os.path.join(datadir, names[0]), file_hash, hash_algorithm)
    # A read-only cache (a shared, pre-filled folder) is fine as long as nothing is written.
    if (cached != "valid" or extract or untar) and not _writable_dir(datadir):
        fallback = os.path.join(_FALLBACK_ROOT, ".keras", cache_subdir)
        warnings.warn(
            f"get_file: the cache folder {datadir!r} cannot be written; using {fallback!r} "
            "instead. Pass a writable `cache_dir` (or set KERAS_HOME) to choose the place.",
            stacklevel=2,
        )
        datadir = fallback
        os.makedirs(datadir, exist_ok=True)
        cached = None if force_download else _cached_state(
            os.path.join(datadir, names[0]), file_hash, hash_algorithm)
    download_target = os.path.join(datadir, names[0])

    if cached == "stale":
        print(
            "A local file was found, but it seems to be incomplete or outdated because the "
            f"{_hasher(hash_algorithm, file_hash)[1]} file hash does not match the original "
            f"value of {file_hash} so we will re-download the data.",
            flush=True,
        )
    if cached != "valid":
        _download(origin, download_target, file_hash, hash_algorithm)

    if extract or untar:
        extraction_dir = os.path.join(datadir, names[1])
        _extract(download_target, extraction_dir, formats)
        return extraction_dir
    return download_target


def _cache_root(cache_dir):
    if cache_dir is None:
        # Read at call time (Keras reads it at import): setting KERAS_HOME in a running
        # program takes effect.
        cache_dir = os.environ.get("KERAS_HOME")
        if not cache_dir:
            home = os.path.expanduser("~")
            cache_dir = os.path.join(home if os.access(home, os.W_OK) else _FALLBACK_ROOT,
                                     ".keras")
    return os.path.expanduser(os.fspath(cache_dir))


def _writable_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def _target_names(fname, provided_fname, extract):
    """(download name, extraction folder name), Keras 3's naming rules."""
    if not extract:
        return (fname,)
    if provided_fname and "." in fname:
        return fname, fname[: fname.find(".")] + "_extracted"
    return f"{fname}_archive", fname


def _archive_formats(archive_format):
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(_ARCHIVE_FORMATS)
    formats = [archive_format] if isinstance(archive_format, str) else archive_format
    try:
        formats = list(formats)
    except TypeError:
        formats = [archive_format]
    bad = [f for f in formats if f not in _ARCHIVE_FORMATS]
    if bad:
        raise ValueError(
            "`archive_format` must be 'auto', 'tar', 'zip', a list of 'tar'/'zip', or None. "
            f"Received: archive_format={archive_format!r}"
        )
    return formats


def _hasher(algorithm, file_hash):
    if algorithm == "sha256" or (algorithm == "auto" and len(file_hash) == 64):
        return hashlib.sha256(), "sha256"
    return hashlib.md5(), "md5"


def _hash_file(path, file_hash, algorithm):
    hasher, name = _hasher(algorithm, file_hash)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest(), name


def _cached_state(path, file_hash, algorithm):
    """"missing", "valid", or "stale" (present but its hash does not match)."""
    if not os.path.isfile(path):
        return "missing"
    if file_hash is None or _hash_file(path, file_hash, algorithm)[0] == file_hash.lower():
        return "valid"
    return "stale"


class _TransientError(Exception):
    """A failure worth another attempt (connection, truncated body, HTTP 429/5xx)."""


def _download(origin, target, file_hash, algorithm):
    print(f"Downloading data from {origin}", flush=True)
    reason = None
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            tmp = _fetch_to_temp(origin, target)
            break
        except _TransientError as e:
            reason = str(e)
        except urllib.error.HTTPError as e:
            if e.code not in _RETRY_HTTP_CODES:
                raise OSError(_fetch_failure(origin, target, f"{e.code} -- {e.reason}",
                                             file_hash, attempt)) from e
            reason = f"{e.code} -- {e.reason}"
        if attempt < _ATTEMPTS:
            time.sleep(_BACKOFF_S * 2 ** (attempt - 1))
    else:
        raise OSError(_fetch_failure(origin, target, reason, file_hash, _ATTEMPTS))

    try:
        if file_hash is not None:
            digest, name = _hash_file(tmp, file_hash, algorithm)
            if digest != file_hash.lower():
                raise ValueError(
                    f"Incomplete or corrupted file detected. The {name} file hash does not "
                    f"match the provided value of {file_hash}.\n"
                    f"  URL: {origin}\n  expected {name}: {file_hash}\n"
                    f"  received {name}: {digest}\n"
                    f"The download was discarded; nothing was written to {target}. If the "
                    "file at the URL changed on purpose, pass its new `file_hash`."
                )
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def _fetch_failure(origin, target, reason, file_hash, attempts):
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    check = (f" Its hash is checked against {file_hash}." if file_hash else "")
    return (
        f"URL fetch failure on {origin}: {reason} (after {tries}).\n"
        "If this machine is offline or the URL is blocked, download the file on another "
        f"machine from\n    {origin}\nand put it, under exactly this name, at\n"
        f"    {target}\nthen run again: a file found there is used without downloading."
        f"{check}"
    )


def _fetch_to_temp(origin, target):
    """Stream `origin` into a new temporary file beside `target`; return its path."""
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(origin, headers={"User-Agent": "kerasish"})
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _ProgressBar(total)
                done = 0
                try:
                    while True:
                        try:
                            chunk = response.read(_CHUNK)
                        except (http.client.IncompleteRead, ConnectionError,
                                socket.timeout) as e:
                            raise _TransientError(
                                f"connection lost after {done} bytes ({e!r})") from e
                        if not chunk:
                            break
                        out.write(chunk)
                        done += len(chunk)
                        bar.update(done)
                finally:
                    bar.close(done)
                # http.client's read(n) returns b"" when the server closes early; only a
                # comparison with Content-Length tells a truncated body from a whole one.
                if total is not None and done != total:
                    raise _TransientError(
                        f"the server closed the connection after {done} of {total} bytes")
        return tmp
    except urllib.error.URLError as e:
        _remove(tmp)
        if isinstance(e, urllib.error.HTTPError):
            raise
        raise _TransientError(str(e.reason)) from e
    except (ConnectionError, socket.timeout, http.client.HTTPException) as e:
        _remove(tmp)
        raise _TransientError(repr(e)) from e
    except BaseException:
        _remove(tmp)
        raise


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


class _ProgressBar:
    """One line on stdout, redrawn at most 10 times a second; silent off a terminal
    (a log file gets no carriage-return noise)."""

    _WIDTH = 30

    def __init__(self, total):
        self.total = total
        self.stream = sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.start = self.last = time.monotonic()
        self.drawn = False

    def update(self, done, final=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6)
        if self.total:
            filled = int(self._WIDTH * min(done / self.total, 1.0))
            bar = "=" * filled + (">" if filled < self._WIDTH else "")
            text = (f"{_size(done)}/{_size(self.total)} [{bar:<{self._WIDTH}}] "
                    f"{100 * done // self.total:3d}%  {_size(rate)}/s")
        else:
            text = f"{_size(done)}  {_size(rate)}/s"
        self.stream.write("\r" + text)
        self.stream.flush()
        self.drawn = True

    def close(self, done):
        if self.enabled:
            self.update(done, final=True)
            self.stream.write("\n")
            self.stream.flush()


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


def _extract(archive, folder, formats):
    """Extract `archive` to `folder` atomically: into a temporary folder beside it,
    renamed over `folder` once every entry is out. Entries are checked first."""
    for fmt in formats:
        is_match = tarfile.is_tarfile if fmt == "tar" else zipfile.is_zipfile
        if is_match(archive):
            break
    else:
        raise ValueError(
            f"Could not extract {archive}: it is not a {' or '.join(formats) or 'known'} "
            f"archive (archive_format tried: {formats}). Pass extract=False to keep the "
            "file as it is, or the right `archive_format`."
        )
    parent, name = os.path.split(folder)
    tmp = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".extracting")
    try:
        if fmt == "tar":
            with tarfile.open(archive) as tar:
                members = tar.getmembers()
                _check_entries(archive, tmp, [(m.name, _tar_kind(m)) for m in members])
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(tmp, members=members, **kwargs)
        else:
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
                _check_entries(archive, tmp, [(i.filename, _zip_kind(i)) for i in infos])
                zf.extractall(tmp, members=infos)
        if os.path.isdir(folder) and not os.path.islink(folder):
            shutil.rmtree(folder)
        elif os.path.lexists(folder):
            os.remove(folder)
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _tar_kind(member):
    if member.issym() or member.islnk():
        return f"link to {member.linkname!r}"
    if member.isfile() or member.isdir():
        return None
    return "device or fifo"


def _zip_kind(info):
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link"
    return None


def _check_entries(archive, root, entries):
    root = os.path.realpath(root)
    for name, kind in entries:
        where = os.path.realpath(os.path.join(root, name))
        outside = os.path.isabs(name) or os.path.commonpath([where, root]) != root
        if outside or kind:
            problem = "would be written outside the extraction folder" if outside else (
                f"is a {kind}; links can point outside the extraction folder")
            raise ValueError(
                f"Refusing to extract {archive}: its entry {name!r} {problem}. Nothing "
                "was extracted. Expected an archive of plain files and folders under one "
                "root. If you trust this archive, call get_file with extract=False and "
                "unpack it yourself."
            )
