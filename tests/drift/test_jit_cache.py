from __future__ import annotations

from pathlib import Path

from drift._jit_cache import drop_stale_cache


def test_cache_of_dependants_dropped_only_when_a_source_changes(tmp_path: Path) -> None:
    callee, caller = tmp_path / "callee.py", tmp_path / "caller.py"
    callee.write_text("x = 1\n")
    caller.write_text("y = 2\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    cached = [cache / "caller.f-3.py311.nbi", cache / "caller.f-3.py311.1.nbc"]
    other = cache / "unrelated.g-1.py311.nbi"
    for path in [*cached, other]:
        path.write_text("code")

    assert drop_stale_cache([caller], [caller, callee])  # no stamp yet: dropped
    assert not any(p.exists() for p in cached) and other.exists()

    for path in cached:
        path.write_text("code")
    assert not drop_stale_cache([caller], [caller, callee])  # nothing changed: kept
    assert all(p.exists() for p in cached)

    callee.write_text("x = 3\n")  # the callee changed: the caller's cache is stale
    assert drop_stale_cache([caller], [caller, callee])
    assert not any(p.exists() for p in cached)
