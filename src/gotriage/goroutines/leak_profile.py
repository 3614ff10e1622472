"""The runtime's own leak verdict: the goroutines Go 1.27's ``goroutineleak`` profile marks.

Collecting the profile runs the runtime's leak detector (a GC cycle); a dump fetched after it also
carries ``(leaked)`` marks. Releases before 1.27 answer 404, which is said, not an error.
"""

from __future__ import annotations

from gotriage import fetch
from gotriage.goroutines.load import iter_goroutines
from gotriage.model import ParseReport

NOT_SERVED = "not served (Go releases before 1.27 have no goroutineleak profile)"


def leaked_ids(url: str, *, timeout: float, max_bytes: int) -> tuple[frozenset[int], str]:
    """The ids ``url`` (a goroutineleak profile with ``debug=2``) marks leaked, and a note."""
    report = ParseReport()
    try:
        chunks = fetch.stream(url, timeout=timeout, max_bytes=max_bytes)
        ids = frozenset(
            g.id for g in iter_goroutines(chunks, report, source=url) if g.leaked and g.id
        )
    except fetch.ProfileNotServed:
        return frozenset(), NOT_SERVED
    return ids, f"collected: {len(ids)} goroutine(s) marked leaked by the runtime"
