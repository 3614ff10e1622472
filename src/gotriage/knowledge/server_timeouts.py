"""The http.Server timeouts gotriage recommends, as data.

One table for every place that advises them: ``audit --fix`` writes them, the probe's verdicts
measure against them and quote them, and the leak explanations cite them. ReadHeaderTimeout is
short because a legitimate client sends its headers at once; ReadTimeout covers a request body;
WriteTimeout covers the handler and the response; IdleTimeout keeps keep-alive connections
longer than common client pools (60-90 s) so clients close first.
"""

from __future__ import annotations

RECOMMENDED_SECONDS: dict[str, int] = {
    "ReadHeaderTimeout": 10,
    "ReadTimeout": 30,
    "WriteTimeout": 60,
    "IdleTimeout": 120,
}


def go_duration(seconds: int) -> str:
    """A Go expression for a whole number of seconds: ``10 * time.Second``."""
    return f"{seconds} * time.Second"


def server_snippet(*fields: str) -> str:
    """``srv := &http.Server{Field: N * time.Second, ...}`` with the recommended values."""
    settings = ", ".join(f"{name}: {go_duration(RECOMMENDED_SECONDS[name])}" for name in fields)
    return f"srv := &http.Server{{{settings}}}"
