"""The persistent compilation cache's size bound: oldest entries removed beyond it, at
most once a day (JAX's own bound rescans the folder at every write)."""

import os
import time

from kerasish import _compilation_cache as cache


def _entry(folder, name, size, age_s):
    path = folder / name
    path.write_bytes(b"x" * size)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_trim_removes_the_oldest_entries_beyond_the_bound(tmp_path):
    old = _entry(tmp_path, "a-cache", 400, age_s=300)
    mid = _entry(tmp_path, "b-cache", 400, age_s=200)
    new = _entry(tmp_path, "c-cache", 400, age_s=100)
    assert cache.trim(tmp_path, max_bytes=900) == 1
    assert not old.exists() and mid.exists() and new.exists()
    # Within a day of the last trim, nothing is scanned or removed.
    _entry(tmp_path, "d-cache", 400, age_s=50)
    assert cache.trim(tmp_path, max_bytes=100, every_s=cache.DAY) == 0
    assert cache.trim(tmp_path, max_bytes=100) == 3  # forced: all but under 100 bytes
    assert not any(p.name.endswith("-cache") for p in tmp_path.iterdir())


def test_jax_keeps_no_size_bound_of_its_own():
    import jax

    if jax.config.jax_compilation_cache_dir:  # the cache is on in this process
        assert jax.config.jax_compilation_cache_max_size == -1


def test_cache_entries_are_written_atomically(tmp_path, monkeypatch):
    """A reader in another process sees a whole entry or none: the entry is written to
    a hidden temporary file and renamed (os.replace) to its final name."""
    from jax._src import lru_cache

    from kerasish import _compilation_cache

    _compilation_cache._atomic_writes()
    cache = lru_cache.LRUCache(str(tmp_path), max_size=-1)
    renames = []
    real_replace = os.replace

    def replace(src, dst):
        renames.append((os.path.basename(src), os.path.basename(dst), os.path.getsize(src)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    cache.put("entry", b"x" * 1000)
    cache.put("entry", b"y" * 5)  # an existing entry is kept, as JAX does
    assert renames == [(f".entry.{os.getpid()}.tmp", f"entry{lru_cache._CACHE_SUFFIX}", 1000)]
    assert cache.get("entry") == b"x" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"entry{lru_cache._CACHE_SUFFIX}"]
