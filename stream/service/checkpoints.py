"""A folder of service checkpoints: the model and the offsets it has consumed, in one file each.

Files are `ckpt-<sequence>.npz` (`learners.state` format: arrays plus JSON, a version and a
checksum; never pickle), written atomically. The newest `keep` files are kept. Restoring takes
the newest file that verifies and skips (with a warning) any that does not, so a checkpoint torn
by a crash or damaged on disk is never loaded.

A checkpoint's `info` (readable without rebuilding the model) holds at least `learner`,
`n_learned`, `offsets` (`{"TOPIC:PARTITION": next_offset}`), `created_at` (ISO 8601, UTC) and
`sequence`.

Examples
--------
>>> import tempfile
>>> store = CheckpointStore(tempfile.mkdtemp(), keep=2)
>>> for n in range(3):
...     _ = store.save({"model": n}, {"learner": "toy", "n_learned": n, "offsets": {"t:0": n}})
>>> [p.name for p in store.paths()]
['ckpt-000000000002.npz', 'ckpt-000000000003.npz']
>>> restored = store.restore()
>>> restored.state, restored.info["offsets"], restored.info["sequence"]
({'model': 2}, {'t:0': 2}, 3)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from learners import state as learner_state
from stream.errors import IhomerError

__all__ = ["CheckpointStore", "Restored", "offsets_from_info", "offsets_to_info"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^ckpt-(\d{12})\.npz$")


@dataclasses.dataclass(frozen=True)
class Restored:
    """A checkpoint read back: the saved object, its info and its file."""

    state: Any
    info: dict[str, Any]
    path: Path


def offsets_to_info(offsets: Mapping[tuple[str, int], int]) -> dict[str, int]:
    """`{(topic, partition): offset}` as the checkpoint's `{"topic:partition": offset}`.

    >>> offsets_to_info({("in", 1): 12, ("in", 0): 3})
    {'in:0': 3, 'in:1': 12}
    """
    return {f"{t}:{p}": o for (t, p), o in sorted(offsets.items())}


def offsets_from_info(offsets: Mapping[str, int]) -> dict[tuple[str, int], int]:
    """The inverse of `offsets_to_info` (topic names may contain colons).

    >>> offsets_from_info({"a:b:3": 7})
    {('a:b', 3): 7}
    """
    out = {}
    for key, offset in offsets.items():
        topic, sep, partition = key.rpartition(":")
        if not sep or not partition.isdigit() or type(offset) is not int:
            raise IhomerError(f"bad offset entry {key!r}: {offset!r}")
        out[(topic, int(partition))] = offset
    return out


class CheckpointStore:
    """Checkpoints in `folder`, the newest `keep` of them kept.

    Parameters
    ----------
    folder
        Created if needed.
    keep
        How many checkpoints to keep (the newest); at least 1.
    """

    def __init__(self, folder: str | Path, keep: int = 3) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IhomerError(f"cannot create the checkpoint folder {folder}: {exc}") from None
        self.keep = keep
        existing = self.paths()
        self._sequence = _sequence(existing[-1]) if existing else 0

    @property
    def sequence(self) -> int:
        """The sequence number of the newest checkpoint this store wrote or found."""
        return self._sequence

    def newest_sequence(self) -> int:
        """The sequence number of the newest checkpoint file on disk now (0 if none)."""
        existing = self.paths()
        return _sequence(existing[-1]) if existing else 0

    def paths(self) -> list[Path]:
        """Checkpoint files, oldest first."""
        found = [p for p in self.folder.iterdir() if _NAME.match(p.name)]
        return sorted(found, key=_sequence)

    def save(self, obj: Any, info: Mapping[str, Any]) -> Path:
        """Write a new checkpoint atomically, then drop the oldest beyond `keep`.

        `info` is completed with `sequence`, `created_at` and `created_at_unix`.
        """
        self._sequence += 1
        now = time.time()
        full = dict(info)
        full["sequence"] = self._sequence
        full["created_at"] = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
        full["created_at_unix"] = now
        path = self.folder / f"ckpt-{self._sequence:012d}.npz"
        started = time.perf_counter()
        size = learner_state.save_file(path, obj, info=full)
        logger.info(
            'checkpoint saved path="%s" bytes=%d seconds=%.3f n_learned=%s',
            path,
            size,
            time.perf_counter() - started,
            full.get("n_learned"),
        )
        for old in self.paths()[: -self.keep]:
            old.unlink(missing_ok=True)
        return path

    def restore(self) -> Restored | None:
        """The newest checkpoint that verifies, or None; damaged ones are skipped with a warning."""
        for path in reversed(self.paths()):
            try:
                obj, info = learner_state.load_file(path)
            except learner_state.StateError as exc:
                logger.warning('skipping a damaged checkpoint path="%s": %s', path, exc)
                continue
            return Restored(obj, info, path)
        return None

    def newest_info(self) -> tuple[Path, dict[str, Any]] | None:
        """The newest verified checkpoint's path and info, without rebuilding the model."""
        for path in reversed(self.paths()):
            try:
                return path, learner_state.read_info(path)
            except learner_state.StateError as exc:
                logger.warning('skipping a damaged checkpoint path="%s": %s', path, exc)
        return None


def _sequence(path: Path) -> int:
    match = _NAME.match(path.name)
    return int(match.group(1)) if match else -1
