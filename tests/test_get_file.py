"""`utils.get_file` against a local HTTP server on 127.0.0.1 (nothing leaves the machine):
caching, hashes, interrupted and failed downloads, extraction and its refusals, the cache
folder, the progress bar; and Keras 3's own get_file as the oracle for its file names."""

import collections
import hashlib
import http.server
import io
import os
import re
import socket
import sys
import tarfile
import threading
import zipfile

import pytest

from kerasish.utils import file_utils, get_file


class LocalServer:
    """Serves `files` (URL path -> bytes); `faults[path]` is a list of faults used up one
    per request: "truncate" (sends half the body, then closes), or an HTTP status code."""

    def __init__(self):
        self.files, self.faults = {}, collections.defaultdict(list)
        self.requests = collections.Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests[self.path] += 1
                fault = server.faults[self.path].pop(0) if server.faults[self.path] else None
                if isinstance(fault, int) or self.path not in server.files:
                    self.send_error(fault if isinstance(fault, int) else 404)
                    return
                body = server.files[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "truncate":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def add(self, path, data):
        self.files[path] = data
        return self.url(path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No waiting between attempts, and no test ever writes to the real ~/.keras or /tmp."""
    monkeypatch.setattr(file_utils, "_BACKOFF_S", 0.0)
    monkeypatch.setattr(file_utils, "_TIMEOUT_S", 5.0)
    monkeypatch.setattr(file_utils, "_FALLBACK_ROOT", str(tmp_path / "fallback"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


DATA = os.urandom(200_000)  # several chunks, so a truncated body stops mid-stream
SHA256 = hashlib.sha256(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()


def leftovers(folder):
    """Anything in `folder` that is a temporary file or folder of ours."""
    return [n for n in os.listdir(folder) if n.endswith((".part", ".extracting"))]


# -- downloading and caching --------------------------------------------------------------

def test_downloads_once_then_uses_the_cache(server, tmp_path, capsys):
    url = server.add("/d/data.bin", DATA)
    path = get_file("data.bin", origin=url, cache_dir=tmp_path / "c")
    assert path == os.path.join(tmp_path, "c", "datasets", "data.bin")
    assert open(path, "rb").read() == DATA
    assert get_file("data.bin", origin=url, cache_dir=tmp_path / "c", file_hash=SHA256) == path
    assert server.requests["/d/data.bin"] == 1
    assert capsys.readouterr().out.count(f"Downloading data from {url}") == 1


def test_name_from_url_and_default_cache_is_keras_home(server, tmp_path):
    url = server.add("/files/weights.h5", DATA)
    assert get_file(origin=url) == str(tmp_path / "keras_home" / "datasets" / "weights.h5")


def test_without_keras_home_the_cache_is_home_dot_keras(server, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME")
    os.makedirs(tmp_path / "home")
    url = server.add("/a.bin", DATA)
    path = get_file(origin=url, cache_subdir="models")
    assert path == str(tmp_path / "home" / ".keras" / "models" / "a.bin")


def test_absolute_cache_subdir_is_used_as_it_is(server, tmp_path):
    url = server.add("/a.bin", DATA)
    assert get_file(origin=url, cache_subdir=str(tmp_path / "abs")) == str(tmp_path / "abs" / "a.bin")


def test_force_download_fetches_again(server, tmp_path):
    url = server.add("/a.bin", DATA)
    get_file(origin=url, cache_dir=tmp_path)
    server.files["/a.bin"] = b"new content"
    path = get_file(origin=url, cache_dir=tmp_path, force_download=True)
    assert server.requests["/a.bin"] == 2 and open(path, "rb").read() == b"new content"


@pytest.mark.parametrize("kwargs", [
    {"file_hash": SHA256}, {"file_hash": MD5}, {"file_hash": SHA256.upper()},
    {"file_hash": MD5, "hash_algorithm": "md5"}, {"md5_hash": MD5},
])
def test_good_hashes_are_accepted(server, tmp_path, kwargs):
    url = server.add("/a.bin", DATA)
    assert open(get_file(origin=url, cache_dir=tmp_path, **kwargs), "rb").read() == DATA


def test_md5_hash_and_hash_algorithm_are_honoured(server, tmp_path):
    url = server.add("/a.bin", DATA)
    assert open(get_file(origin=url, cache_dir=tmp_path, md5_hash=MD5), "rb").read() == DATA
    with pytest.raises(ValueError, match="The md5 file hash does not match"):
        get_file(origin=url, cache_dir=tmp_path / "x", md5_hash="0" * 32)
    # A sha256 checked as md5 (hash_algorithm wins over the length-based "auto").
    with pytest.raises(ValueError, match=f"received md5: {MD5}"):
        get_file(origin=url, cache_dir=tmp_path / "y", file_hash=SHA256, hash_algorithm="md5")
    path = get_file(origin=url, cache_dir=tmp_path / "z", file_hash=SHA256, hash_algorithm="sha256")
    assert open(path, "rb").read() == DATA


def test_hash_mismatch_leaves_nothing_under_the_final_name(server, tmp_path):
    url = server.add("/a.bin", DATA)
    wrong = "0" * 64
    with pytest.raises(ValueError, match=r"(?s)hash does not match the provided value of 0{64}"
                                         r".*received sha256: " + SHA256):
        get_file(origin=url, cache_dir=tmp_path, file_hash=wrong)
    folder = tmp_path / "datasets"
    assert os.listdir(folder) == []
    assert server.requests["/a.bin"] == 1  # a wrong hash is not a transient error


def test_stale_cached_file_is_downloaded_again(server, tmp_path, capsys):
    url = server.add("/a.bin", DATA)
    os.makedirs(tmp_path / "datasets")
    (tmp_path / "datasets" / "a.bin").write_bytes(b"half a file")
    path = get_file(origin=url, cache_dir=tmp_path, file_hash=SHA256)
    assert open(path, "rb").read() == DATA and server.requests["/a.bin"] == 1
    assert "hash does not match the original value" in capsys.readouterr().out


# -- failures and retries ------------------------------------------------------------------

def test_interrupted_download_is_retried_and_never_left_partial(server, tmp_path):
    url = server.add("/a.bin", DATA)
    server.faults["/a.bin"] = ["truncate", 503]
    path = get_file(origin=url, cache_dir=tmp_path, file_hash=SHA256)
    assert open(path, "rb").read() == DATA
    assert server.requests["/a.bin"] == 3
    assert leftovers(tmp_path / "datasets") == []


def test_download_that_keeps_failing_leaves_no_file(server, tmp_path):
    url = server.add("/a.bin", DATA)
    server.faults["/a.bin"] = ["truncate"] * 3
    target = tmp_path / "datasets" / "a.bin"
    with pytest.raises(OSError, match=r"(?s)URL fetch failure on .*/a.bin: the server closed "
                                      r"the connection after 100000 of 200000 bytes "
                                      r"\(after 3 attempts\)"):
        get_file(origin=url, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == [] and not target.exists()
    # The interrupted attempts did not poison the cache: the next call downloads cleanly.
    assert open(get_file(origin=url, cache_dir=tmp_path), "rb").read() == DATA


def test_old_file_survives_a_failed_forced_download(server, tmp_path):
    url = server.add("/a.bin", DATA)
    path = get_file(origin=url, cache_dir=tmp_path)
    server.faults["/a.bin"] = ["truncate"] * 3
    with pytest.raises(OSError):
        get_file(origin=url, cache_dir=tmp_path, force_download=True)
    assert open(path, "rb").read() == DATA


def test_http_404_is_not_retried(server, tmp_path):
    url = server.url("/missing.npz")
    with pytest.raises(OSError, match=r"URL fetch failure on .*/missing.npz: 404 -- Not Found "
                                      r"\(after 1 attempt\)"):
        get_file(origin=url, cache_dir=tmp_path)
    assert server.requests["/missing.npz"] == 1


def test_offline_error_names_the_url_and_where_to_put_the_file(tmp_path, server):
    with socket.socket() as s:  # a port on 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tf-keras-datasets/mnist.npz"
    target = os.path.join(tmp_path, "datasets", "mnist.npz")
    with pytest.raises(OSError) as info:
        get_file("mnist.npz", origin=url, cache_dir=tmp_path, file_hash=SHA256)
    message = str(info.value)
    assert message.startswith(f"URL fetch failure on {url}: ")
    assert "Connection refused" in message and "(after 3 attempts)" in message
    assert f"download the file on another machine from\n    {url}\n" in message
    assert f"and put it, under exactly this name, at\n    {target}\n" in message
    assert f"Its hash is checked against {SHA256}." in message
    # Doing what the message says works, with no network at all.
    with open(target, "wb") as f:
        f.write(DATA)
    assert get_file("mnist.npz", origin=url, cache_dir=tmp_path, file_hash=SHA256) == target


def test_keyboard_interrupt_mid_download_leaves_no_file(server, tmp_path, monkeypatch):
    url = server.add("/a.bin", DATA)

    class Interrupting(file_utils._ProgressBar):
        def update(self, done, final=False):
            raise KeyboardInterrupt

    monkeypatch.setattr(file_utils, "_ProgressBar", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        get_file(origin=url, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


# -- progress bar ---------------------------------------------------------------------------

def test_no_progress_bar_off_a_terminal(server, tmp_path, capsys):
    url = server.add("/a.bin", DATA)
    get_file(origin=url, cache_dir=tmp_path)
    out = capsys.readouterr()
    assert out.out == f"Downloading data from {url}\n" and out.err == ""


def test_progress_bar_on_a_terminal(server, tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    url = server.add("/a.bin", DATA)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    get_file(origin=url, cache_dir=tmp_path)
    lines = terminal.getvalue().split("\n")
    assert lines[0] == f"Downloading data from {url}"
    assert lines[1].startswith("\r") and lines[1].split("\r")[-1].startswith(
        "200.0 KB/200.0 KB [==============================] 100%")
    assert lines[2] == ""


# -- extraction ----------------------------------------------------------------------------

def make_tar(entries, mode="w:gz"):
    """`entries`: (name, bytes) for files, (name, ("sym"|"hard", target)) for links."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "sym" else tarfile.LNKTYPE
                info.linkname = content[1]
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def make_zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in entries:
            if isinstance(content, tuple):
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o120777 << 16)  # a symlink entry, as `zip -y` writes
                zf.writestr(info, content[1])
            else:
                zf.writestr(name, content)
    return buf.getvalue()


GOOD = [("pack/a.txt", b"alpha"), ("pack/sub/b.txt", b"beta")]
OUTSIDE = "would be written outside the extraction folder"
LINK = "; links can point outside the extraction folder"


@pytest.mark.parametrize("fname, archive_name, folder_name", [
    ("pack", "pack_archive", "pack"),
    ("pack.tar.gz", "pack.tar.gz", "pack_extracted"),
    (None, "pack.tar.gz_archive", "pack.tar.gz"),
])
def test_tar_extraction_and_keras_names(server, tmp_path, fname, archive_name, folder_name):
    url = server.add("/pack.tar.gz", make_tar(GOOD))
    folder = get_file(fname, origin=url, cache_dir=tmp_path, extract=True)
    datadir = tmp_path / "datasets"
    assert folder == str(datadir / folder_name)
    assert (datadir / archive_name).is_file()
    assert open(os.path.join(folder, "pack", "sub", "b.txt"), "rb").read() == b"beta"
    assert leftovers(datadir) == []


@pytest.mark.parametrize("fname, extract, untar", [
    ("pack", True, False), ("pack.tar.gz", True, False), (None, True, False),
    ("pack", False, True), (None, False, False), ("plain.bin", False, False),
])
def test_same_paths_as_keras(server, tmp_path, keras, fname, extract, untar):
    """Keras 3's get_file (a file:// origin, so it too stays offline) returns the same
    paths relative to the cache folder, and extracts the same files."""
    source = tmp_path / "src" / "pack.tar.gz"
    os.makedirs(source.parent)
    source.write_bytes(make_tar(GOOD))
    ours = get_file(fname, origin=server.add("/pack.tar.gz", source.read_bytes()),
                    cache_dir=tmp_path / "ours", extract=extract, untar=untar)
    os.makedirs(tmp_path / "keras")
    theirs = keras.utils.get_file(fname, origin=source.as_uri(), cache_dir=str(tmp_path / "keras"),
                                  extract=extract, untar=untar)
    assert os.path.relpath(ours, tmp_path / "ours") == os.path.relpath(theirs, tmp_path / "keras")

    def tree(root):
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, files in os.walk(root) for f in files)

    assert tree(tmp_path / "ours") == tree(tmp_path / "keras")


def test_zip_extraction_and_untar(server, tmp_path):
    url = server.add("/pack.zip", make_zip(GOOD))
    folder = get_file("pack.zip", origin=url, cache_dir=tmp_path, extract=True)
    assert open(os.path.join(folder, "pack", "a.txt"), "rb").read() == b"alpha"
    url = server.add("/t.tar", make_tar(GOOD, mode="w"))
    folder = get_file("t", origin=url, cache_dir=tmp_path, untar=True)
    assert open(os.path.join(folder, "pack", "a.txt"), "rb").read() == b"alpha"


def test_extracting_again_replaces_the_folder(server, tmp_path):
    url = server.add("/p.tar.gz", make_tar(GOOD))
    folder = get_file("p", origin=url, cache_dir=tmp_path, extract=True)
    server.files["/p.tar.gz"] = make_tar([("pack/c.txt", b"gamma")])
    assert get_file("p", origin=url, cache_dir=tmp_path, extract=True, force_download=True) == folder
    assert sorted(os.listdir(os.path.join(folder, "pack"))) == ["c.txt"]


@pytest.mark.parametrize("maker, entry, problem", [
    (make_tar, ("../evil.txt", b"x"), OUTSIDE),
    (make_tar, ("pack/../../evil.txt", b"x"), OUTSIDE),
    (make_tar, ("/abs/evil.txt", b"x"), OUTSIDE),
    (make_tar, ("pack/link", ("sym", "/etc/passwd")), "is a link to '/etc/passwd'" + LINK),
    (make_tar, ("pack/inner", ("sym", "a.txt")), "is a link to 'a.txt'" + LINK),
    (make_tar, ("pack/hard", ("hard", "pack/a.txt")), "is a link to 'pack/a.txt'" + LINK),
    (make_zip, ("../evil.txt", b"x"), OUTSIDE),
    (make_zip, ("pack/link", ("sym", "/etc/passwd")), "is a symbolic link" + LINK),
])
def test_unsafe_entries_are_refused_and_nothing_is_extracted(server, tmp_path, maker, entry,
                                                             problem):
    url = server.add("/bad", maker(GOOD + [entry]))
    expected = f"its entry {re.escape(repr(entry[0]))} {re.escape(problem)}. Nothing was extracted"
    with pytest.raises(ValueError, match="Refusing to extract .*bad_archive: " + expected):
        get_file("bad", origin=url, cache_dir=tmp_path, extract=True)
    assert sorted(os.listdir(tmp_path / "datasets")) == ["bad_archive"]
    assert not (tmp_path / "evil.txt").exists()


def test_not_an_archive(server, tmp_path):
    url = server.add("/a.csv", b"x,y\n1,2\n")
    with pytest.raises(ValueError, match=r"Could not extract .*a.csv: it is not a tar or zip "
                                         r"archive .*Pass extract=False"):
        get_file("a.csv", origin=url, cache_dir=tmp_path, extract=True)
    url = server.add("/p.tar.gz", make_tar(GOOD))
    with pytest.raises(ValueError, match="it is not a zip archive"):
        get_file("p", origin=url, cache_dir=tmp_path, extract=True, archive_format="zip")


# -- arguments and cache folders -----------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({}, 'Please specify the "origin" argument'),
    ({"origin": "http://127.0.0.1/"}, "Can't parse the file name from the origin provided"),
    ({"fname": "a/b.npz", "origin": "http://127.0.0.1/b"}, "Paths are no longer accepted"),
    ({"fname": "..", "origin": "http://127.0.0.1/b"}, r"`fname` must name a file. Received: "),
    ({"origin": "http://127.0.0.1/b", "hash_algorithm": "sha1"},
     r"`hash_algorithm` must be one of \('auto', 'sha256', 'md5'\). Received: hash_algorithm='sha1'"),
    ({"origin": "http://127.0.0.1/b", "extract": True, "archive_format": "rar"},
     r"`archive_format` must be 'auto', 'tar', 'zip'.* Received: archive_format='rar'"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_file(**kwargs)


def test_unwritable_cache_falls_back_like_keras(server, tmp_path, monkeypatch):
    url = server.add("/a.bin", DATA)
    readonly = str(tmp_path / "readonly" / "datasets")
    os.makedirs(readonly)
    (tmp_path / "readonly" / "datasets" / "cached.bin").write_bytes(DATA)
    real = file_utils._writable_dir
    monkeypatch.setattr(file_utils, "_writable_dir", lambda p: p != readonly and real(p))
    # A file already in a read-only cache is used in place...
    assert get_file("cached.bin", origin=url, cache_dir=tmp_path / "readonly",
                    file_hash=SHA256) == os.path.join(readonly, "cached.bin")
    assert server.requests["/a.bin"] == 0
    # ... and a download goes to <tmp>/.keras, with a warning that says so.
    with pytest.warns(UserWarning, match="cannot be written; using .*fallback/.keras/datasets"):
        path = get_file("a.bin", origin=url, cache_dir=tmp_path / "readonly")
    assert path == str(tmp_path / "fallback" / ".keras" / "datasets" / "a.bin")


def test_file_url_origin(tmp_path):
    source = tmp_path / "hello.txt"
    source.write_text("hello")
    path = get_file(origin=source.as_uri(), cache_dir=tmp_path / "c")
    assert open(path).read() == "hello"
