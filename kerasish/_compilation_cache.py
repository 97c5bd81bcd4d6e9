"""JAX's persistent compilation cache, on by default for kerasish users.

For the small models kerasish is mostly used with, a script's run time is dominated by
XLA compiling the training step (1-3 s), not by training. With the cache, the second
run of the same script loads the compiled programs from disk instead.

* Folder: ``$KERASISH_CACHE_DIR``, else ``$XDG_CACHE_HOME/kerasish/jax``, else
  ``~/.cache/kerasish/jax``.
* Size: bounded by ``$KERASISH_CACHE_MAX_BYTES`` (default 512 MiB; JAX evicts the
  least recently used entries beyond it).
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
        jax.config.update("jax_compilation_cache_max_size", max_bytes)
    except (AttributeError, KeyError):
        pass  # older JAX without the size bound
    return folder
