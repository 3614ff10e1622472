"""One sample of one target: fetch its goroutine profile, run the goroutines analysis on it,
and fold the groups into counts per site.

The cheap profile (``goroutine?debug=0``, protobuf: counts per stack) is taken every interval.
The costly one (``goroutine?debug=2``: every goroutine's stack, wait reason, duration and
creator, printed with the world stopped) is taken only when asked for; it names sites fully and
its goroutine ids tell a restarted process from the same one. Where the target serves Go 1.27's
``goroutineleak`` profile it is collected with the full dump (it runs a GC cycle).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gotriage import fetch
from gotriage.errors import GotriageError
from gotriage.goroutines.analyse import Analysis, analyse
from gotriage.goroutines.group import Group
from gotriage.goroutines.leak_profile import leaked_ids as runtime_leaked_ids
from gotriage.goroutines.load import iter_goroutines
from gotriage.goroutines.suspects import Settings
from gotriage.model import ParseReport
from gotriage.watch.store import SiteInfo


@dataclass
class Sample:
    url: str
    at: float
    full: bool  # debug=2 (True) or protobuf counts (False)
    total: int = 0
    fetch_seconds: float = 0.0
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # site key -> goroutines
    sites: dict[str, SiteInfo] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    max_goroutine_id: int | None = None
    leaked: dict[str, int] = field(default_factory=dict)  # site key -> marked leaked
    leak_profile: str = "not collected"


def site_key(group: Group) -> str:
    """A site's identity across samples and formats: where it blocks in the user's code."""
    return group.location


def site_info(analysis: Analysis, group: Group) -> SiteInfo:
    site = group.site
    return SiteInfo(
        key=site_key(group),
        function=site.function if site is not None else "",
        file=site.file if site is not None else "",
        line=site.line if site is not None else 0,
        kind=group.kind.value,
        creator=group.created_by.function if group.created_by is not None else "",
        by_design=analysis.by_design(group),
    )


def fold(sample: Sample, analysis: Analysis) -> None:
    """Counts per site and per kind from one analysis."""
    for group in analysis.grouping.groups.values():
        key = site_key(group)
        sample.counts[key] = sample.counts.get(key, 0) + group.count
        sample.kinds[group.kind.value] = sample.kinds.get(group.kind.value, 0) + group.count
        info = site_info(analysis, group)
        known = sample.sites.get(key)
        # A site is by design only when every group at it is.
        if known is not None and (known.by_design is None or info.by_design is None):
            info = dataclasses.replace(info, by_design=None)
        sample.sites[key] = info
        if group.leaked:
            sample.leaked[key] = sample.leaked.get(key, 0) + group.leaked
    sample.total = analysis.grouping.total
    ids = analysis.grouping.goroutine_ids
    sample.max_goroutine_id = max(ids) if ids else None


def take(
    url: str,
    *,
    full: bool,
    settings: Settings,
    timeout: float,
    max_bytes: int,
    leak_profile: bool,
    clock: Callable[[], float] = time.time,
) -> Sample:
    """Fetch and analyse one sample; a failure is recorded in the sample, never raised."""
    sample = Sample(url, clock(), full)
    started = time.monotonic()
    try:
        leaked_ids: frozenset[int] = frozenset()
        if full and leak_profile:
            leak_url = fetch.pprof_url(url, "goroutineleak", "debug=2")
            leaked_ids, sample.leak_profile = runtime_leaked_ids(
                leak_url, timeout=timeout, max_bytes=max_bytes
            )
        query = "debug=2" if full else "debug=0"
        chunks = fetch.stream(
            fetch.pprof_url(url, "goroutine", query), timeout=timeout, max_bytes=max_bytes
        )
        report = ParseReport()
        goroutines = iter_goroutines(chunks, report, source=url)
        analysis = analyse(goroutines, report, source=url, settings=settings, leaked_ids=leaked_ids)
        fold(sample, analysis)
    except GotriageError as exc:
        sample.error = str(exc)
    except Exception as exc:  # one bad sample must never end a long watch
        sample.error = f"internal error reading the sample: {type(exc).__name__}: {exc}"
    sample.fetch_seconds = time.monotonic() - started
    return sample
