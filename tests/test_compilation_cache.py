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
