"""``/proc/PID/stat``: CPU time and threads of the target process. Text in, numbers out."""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.errors import InputError


@dataclass(frozen=True, slots=True)
class ProcStat:
    cpu_ticks: int  # utime + stime, in clock ticks
    threads: int


def parse(text: str) -> ProcStat:
    # The command name (field 2) is in parentheses and may itself hold spaces and ')'.
    end = text.rfind(")")
    fields = text[end + 2 :].split() if end >= 0 else []
    try:
        # Fields after the name start at field 3 (state): utime is 14, stime 15, threads 20.
        utime, stime, threads = int(fields[11]), int(fields[12]), int(fields[17])
    except (IndexError, ValueError):
        raise InputError("not a /proc/PID/stat line") from None
    return ProcStat(utime + stime, threads)
