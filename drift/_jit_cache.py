"""Keep Numba's on-disk cache consistent across kernel modules that call each other.

Numba keys a cached function on its own source file only: when a kernel in one module changes,
the cached machine code of kernels in other modules that inlined it stays stale. Before those
modules are imported, `drop_stale_cache` hashes the sources of every kernel module involved
and, when the hash differs from the one recorded with the cache, deletes the cached files of
the dependent modules so that Numba compiles them again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["drop_stale_cache"]


def drop_stale_cache(dependants: Sequence[Path], sources: Sequence[Path]) -> bool:
    """Delete the Numba cache of `dependants` if any of `sources` changed; True if it did.

    Parameters
    ----------
    dependants
        Kernel modules whose cached code embeds code from `sources`.
    sources
        Every kernel module the dependants' code comes from (themselves included).
    """
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    stamp = dependants[0].parent / "__pycache__" / "kernels.sha256"
    current = digest.hexdigest()
    try:
        if stamp.read_text() == current:
            return False
    except OSError:
        pass
    for module in dependants:
        for cached in module.parent.glob(f"__pycache__/{module.stem}.*.nb[ic]"):
            try:
                cached.unlink()
            except OSError:  # read-only install: Numba will not have cached there either
                logger.debug("could not remove %s", cached)
    try:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(current)
    except OSError:
        logger.debug("could not record the kernel hash in %s", stamp)
    return True
