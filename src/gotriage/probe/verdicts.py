"""Verdicts: each measured value against a recommended bound, with the Go field that fixes it.

Pure data and functions. A value ``<= good_max`` is good, ``> bad_above`` bad, between is warn.
"None up to X" (status none) means the real value is above X: bad when X already exceeds
``bad_above``, warn otherwise (raising --max-wait, --max-body, ... can tell more).
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.server_timeouts import RECOMMENDED_SECONDS, server_snippet
from gotriage.probe.model import Measurement, Status, Unit, Verdict
from gotriage.units import format_duration, format_size


@dataclass(frozen=True, slots=True)
class Advice:
    title: str
    go_field: str
    good_max: float
    bad_above: float
    fix: str
    none_is_bad: bool = False  # "no limit up to the probe's bound" is bad regardless of the bound


ADVICE: dict[str, Advice] = {
    "header-timeout": Advice(
        "header timeout",
        "ReadHeaderTimeout (else ReadTimeout)",
        10.0,
        30.0,
        server_snippet("ReadHeaderTimeout"),
    ),
    "body-timeout": Advice(
        "body timeout",
        "ReadTimeout",
        30.0,
        60.0,
        server_snippet("ReadTimeout") + "  // or per handler: "
        "http.NewResponseController(w).SetReadDeadline(...)",
    ),
    "idle-timeout": Advice(
        "idle keep-alive timeout",
        "IdleTimeout (else ReadTimeout)",
        120.0,
        600.0,
        server_snippet("IdleTimeout"),
    ),
    "write-timeout": Advice(
        "write/handler deadline",
        "WriteTimeout",
        60.0,
        300.0,
        server_snippet("WriteTimeout") + "  // or http.TimeoutHandler(h, "
        f'{RECOMMENDED_SECONDS["WriteTimeout"] - 5}*time.Second, "timeout")',
    ),
    "stalled-reader": Advice(
        "stalled reader abandoned",
        "WriteTimeout",
        60.0,
        300.0,
        server_snippet("WriteTimeout"),
    ),
    "max-header": Advice(
        "largest header accepted",
        "MaxHeaderBytes",
        (1 << 20) + 4096,
        (8 << 20),
        "srv := &http.Server{MaxHeaderBytes: 64 << 10}  // Go reads 4096 bytes more",
        none_is_bad=True,
    ),
    "max-body": Advice(
        "largest body accepted",
        "http.MaxBytesReader",
        10 << 20,
        100 << 20,
        "r.Body = http.MaxBytesReader(w, r.Body, 1<<20)  // or http.MaxBytesHandler(h, 1<<20)",
    ),
    "connections": Advice(
        "slow connections held at once",
        "ReadHeaderTimeout + a connection cap",
        float("inf"),
        float("inf"),
        "ln = netutil.LimitListener(ln, 1000)  // golang.org/x/net/netutil; keep "
        "ReadHeaderTimeout short",
    ),
}

ORDER = tuple(ADVICE)


def show(value: float | None, unit: Unit) -> str:
    if value is None:
        return "-"
    if unit is Unit.SECONDS:
        return format_duration(value)
    if unit is Unit.BYTES:
        return format_size(value)
    return f"{value:.0f}"


def recommended(name: str, unit: Unit) -> str:
    advice = ADVICE[name]
    if name == "connections":
        return "capped, still serving"
    if name == "idle-timeout":
        return f"<= {show(advice.good_max, unit)} (or no keep-alive)"
    return f"<= {show(advice.good_max, unit)}"


def _grade(value: float, advice: Advice) -> Verdict:
    if value <= advice.good_max:
        return Verdict.GOOD
    if value > advice.bad_above:
        return Verdict.BAD
    return Verdict.WARN


def verdict_for(m: Measurement) -> Verdict:
    advice = ADVICE[m.name]
    if m.status is Status.SKIPPED:
        return Verdict.SKIPPED
    if m.status is Status.ERROR:
        return Verdict.ERROR
    if m.status is Status.INCONCLUSIVE:
        return Verdict.INCONCLUSIVE
    if m.name == "connections":
        if m.outcome != "served":
            return Verdict.BAD
        return Verdict.WARN if m.status is Status.NONE else Verdict.GOOD
    if m.status is Status.NONE:
        if advice.none_is_bad or (m.value is not None and m.value >= advice.bad_above):
            return Verdict.BAD
        return Verdict.WARN
    assert m.value is not None
    return _grade(m.value, advice)


def assess(m: Measurement) -> Measurement:
    """``m`` with its verdict, recommendation, Go field and fix filled in."""
    advice = ADVICE[m.name]
    verdict = verdict_for(m)
    fix = advice.fix if verdict in (Verdict.WARN, Verdict.BAD) else ""
    if m.name == "connections" and verdict is Verdict.BAD:
        fix = (
            server_snippet("ReadHeaderTimeout") + "  // slow clients must not keep every slot; "
            "a cap alone turns them into a denial of service"
        )
    return m.with_fields(
        verdict=verdict,
        recommended=recommended(m.name, m.unit),
        go_field=advice.go_field,
        fix=fix,
    )


def measured_text(m: Measurement) -> str:
    """The value as the table shows it: "1.02 s", "none within 30 s", "no cap up to 64 MiB"."""
    if m.status is Status.SKIPPED:
        return f"skipped (needs {m.enable_with})"
    if m.status is Status.ERROR:
        return "could not measure"
    if m.status is Status.INCONCLUSIVE:
        return "inconclusive: the server stopped answering"
    value = show(m.value, m.unit)
    if m.status is Status.NONE:
        if m.unit is Unit.SECONDS:
            return f"none within {value}"
        return f"no cap up to {value}"
    if m.name == "idle-timeout" and m.outcome == "no keep-alive":
        return "no keep-alive"
    return value


def precision_text(m: Measurement) -> str:
    """The precision of a measured timing ("± 4 ms") or size ("within 1 KiB"), else nothing."""
    if m.status is not Status.MEASURED or m.precision is None or m.unit is Unit.CONNECTIONS:
        return ""
    prefix = "± " if m.unit is Unit.SECONDS else "within "
    return prefix + show(m.precision, m.unit)
