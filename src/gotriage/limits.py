"""Our own open-file limit (RLIMIT_NOFILE), checked before ``probe`` or ``reproduce`` opens
many connections.

Every connection is a file descriptor; a soft limit of 1024 (a common default) cannot hold
2,000 connections, and running out would look like a server that stopped answering. So the soft
limit is raised (to the hard limit) when it is too low, and when even that is not enough the
connection count is capped and the report says so.
"""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

# descriptors kept for everything else opened at the same time: the probe's other measurements
# (stalled-reader opens about 15), heartbeats, reproduce's samples, the interpreter's own
RESERVE = 64


def _in_use() -> int:
    try:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())
    except OSError:
        return RESERVE


def allowed_connections(
    wanted: int, *, option: str = "--max-connections", who: str = "the probe"
) -> tuple[int, str]:
    """How many of ``wanted`` connections can be opened, and a note when fewer."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = _in_use() + wanted + RESERVE
    unlimited = resource.RLIM_INFINITY
    if soft != unlimited and soft < needed:
        raised = needed if hard == unlimited else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == unlimited or soft >= needed:
        return wanted, ""
    # under a small limit keep a quarter of it for the rest
    allowed = max(1, soft - _in_use() - min(RESERVE, soft // 4))
    return allowed, (
        f"{option} {wanted} capped to {allowed}: {who} may open only {soft} files "
        "(RLIMIT_NOFILE, soft and hard); raise it with ulimit -n"
    )
