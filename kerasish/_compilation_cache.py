"""JAX's persistent compilation cache, on by default for kerasish users.

For the small models kerasish is mostly used with, a script's run time is dominated by
XLA compiling the training step (1-3 s), not by training. With the cache, the second
run of the same script loads the compiled programs from disk instead.

* Folder: ``$KERASISH_CACHE_DIR``, else ``$XDG_CACHE_HOME/kerasish/jax``, else
  ``~/.cache/kerasish/jax``.
* Size: bounded by ``$KERASISH_CACHE_MAX_BYTES`` (default 512 MiB): at most once a day,
  at import, the oldest entries beyond it are removed. (JAX's own bound is not used: it
  lists and reads every entry of the folder at every write, under a file lock, which
  made each compile slower as the cache grew: 0.1 s per write at 17,000 entries.)
* Writes are atomic (a temporary file renamed into place): without its size bound,
  JAX writes an entry straight to its final name, and another process compiling at
  the same moment (parallel runs sharing the folder) could read half a file, which
  crashes XLA's loader with a segmentation fault.
* Off: ``KERASISH_COMPILATION_CACHE=0``. Left alone when the user already configured a
  cache for JAX (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``).
"""

import os


def enable():
    if os.environ.get("KERASISH_COMPILATION_CACHE", "1").lower() in ("0", "false", "no", "off"):
        return None
    import jax

    if os.environ.get("JAX_COMPILATION_CACHE_DIR") or jax.config.jax_compilation_cache_dir:
        return None
    folder = os.environ.get("KERASISH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "kerasish", "jax")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None  # read-only home: run without the cache rather than fail
    jax.config.update("jax_compilation_cache_dir", folder)
    # Cache even the quick compiles: a small model's programs each take well under a second.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    max_bytes = int(os.environ.get("KERASISH_CACHE_MAX_BYTES", 512 * 1024 * 1024))
    try:
        jax.config.update("jax_compilation_cache_max_size", -1)  # see the module docstring
    except (AttributeError, KeyError):
        pass  # older JAX: no size bound of its own
    _atomic_writes()
    if max_bytes >= 0:
        trim(folder, max_bytes, every_s=DAY)
    return folder


def _atomic_writes():
    """Make the file cache's ``put`` write a temporary file and rename it into place,
    so readers in other processes see a whole entry or none (see the docstring)."""
    try:
        from jax._src import lru_cache
    except ImportError:
        return
    cache_class = getattr(lru_cache, "LRUCache", None)
    original = getattr(cache_class, "put", None)
    if original is None or getattr(original, "_kerasish_atomic", False):
        return

    def put(self, key, value):
        if getattr(self, "eviction_enabled", True):  # JAX's bounded mode writes under a lock
            return original(self, key, value)
        if not key:
            raise ValueError("key cannot be empty")
        final = self.path / f"{key}{lru_cache._CACHE_SUFFIX}"
        if final.exists():
            return None
        temporary = self.path / f".{key}.{os.getpid()}.tmp"
        try:
            temporary.write_bytes(value)
            os.replace(temporary, final)
        except OSError:
            try:
                os.remove(temporary)
            except OSError:
                pass
        return None

    put._kerasish_atomic = True
    cache_class.put = put


DAY = 24 * 3600
_MARKER = ".kerasish-trimmed"


def trim(folder, max_bytes, every_s=0):
    """Remove the oldest cache entries until the folder holds at most ``max_bytes``;
    skipped when the last trim was less than ``every_s`` seconds ago. Returns the
    number of entries removed."""
    import time

    marker = os.path.join(folder, _MARKER)
    try:
        if every_s and time.time() - os.path.getmtime(marker) < every_s:
            return 0
    except OSError:
        pass  # never trimmed
    entries = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_file() and not entry.name.startswith("."):
                    st = entry.stat()
                    entries.append((st.st_mtime, st.st_size, entry.path))
        total, removed = sum(size for _, size, _ in entries), 0
        for _, size, path in sorted(entries):  # oldest first
            if total <= max_bytes:
                break
            os.remove(path)
            total, removed = total - size, removed + 1
        with open(marker, "w"):
            pass
        return removed
    except OSError:
        return 0  # another process trimming, or a read-only folder: not an error
