"""The probe's own open-file limit (RLIMIT_NOFILE), checked before it opens many connections.

Every connection is a file descriptor; a soft limit of 1024 (a common default) cannot hold
``--max-connections 2000``, and running out would look like a server that stopped answering.
So the soft limit is raised (to the hard limit) when it is too low, and when even that is not
enough the connection count is capped and the report says so.
"""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

# descriptors kept for everything else the probe opens at the same time: the other
# measurements' connections (stalled-reader opens about 15), heartbeats, the interpreter's own
RESERVE = 64


def _in_use() -> int:
    try:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())
    except OSError:
        return RESERVE


def allowed_connections(wanted: int) -> tuple[int, str]:
    """How many of ``wanted`` connections the probe can open, and a note when fewer."""
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
        f"--max-connections {wanted} capped to {allowed}: the probe may open only {soft} files "
        "(RLIMIT_NOFILE, soft and hard); raise it with ulimit -n"
    )
