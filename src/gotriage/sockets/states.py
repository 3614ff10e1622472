"""Every spelling of a TCP state that ss, netstat and /proc print, mapped to the name ``ss``
prints (the name used everywhere in gotriage's output)."""

from __future__ import annotations

ESTAB = "ESTAB"
SYN_SENT = "SYN-SENT"
SYN_RECV = "SYN-RECV"
FIN_WAIT_1 = "FIN-WAIT-1"
FIN_WAIT_2 = "FIN-WAIT-2"
TIME_WAIT = "TIME-WAIT"
CLOSE = "UNCONN"
CLOSE_WAIT = "CLOSE-WAIT"
LAST_ACK = "LAST-ACK"
LISTEN = "LISTEN"
CLOSING = "CLOSING"

# Kernel numbering (include/net/tcp_states.h), as /proc/net/tcp and sock_diag give it.
BY_NUMBER: dict[int, str] = {
    1: ESTAB,
    2: SYN_SENT,
    3: SYN_RECV,
    4: FIN_WAIT_1,
    5: FIN_WAIT_2,
    6: TIME_WAIT,
    7: CLOSE,
    8: CLOSE_WAIT,
    9: LAST_ACK,
    10: LISTEN,
    11: CLOSING,
    12: SYN_RECV,  # TCP_NEW_SYN_RECV: a request socket, shown by ss as SYN-RECV
}

_SPELLINGS: dict[str, str] = {}
for _name in (*BY_NUMBER.values(), "UNKNOWN"):
    _SPELLINGS[_name] = _name
_SPELLINGS.update(
    {
        "ESTABLISHED": ESTAB,
        "SYN_SENT": SYN_SENT,
        "SYN_RECV": SYN_RECV,
        "SYN-RECEIVED": SYN_RECV,
        "SYN_RECEIVED": SYN_RECV,
        "NEW_SYN_RECV": SYN_RECV,
        "FIN_WAIT1": FIN_WAIT_1,
        "FIN_WAIT_1": FIN_WAIT_1,
        "FIN-WAIT1": FIN_WAIT_1,
        "FIN_WAIT2": FIN_WAIT_2,
        "FIN_WAIT_2": FIN_WAIT_2,
        "FIN-WAIT2": FIN_WAIT_2,
        "TIME_WAIT": TIME_WAIT,
        "TIMEWAIT": TIME_WAIT,
        "CLOSE": CLOSE,
        "CLOSED": CLOSE,
        "CLOSE_WAIT": CLOSE_WAIT,
        "LAST_ACK": LAST_ACK,
        "LISTENING": LISTEN,
        "BOUND": CLOSE,
    }
)

ORDER = [LISTEN, ESTAB, SYN_SENT, SYN_RECV, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK]
ORDER += [CLOSING, TIME_WAIT, CLOSE, "UNKNOWN"]


def state_name(text: str) -> str | None:
    """The ss name of a state as any tool spells it (case-insensitive), or None."""
    return _SPELLINGS.get(text.upper())


def is_state(text: str) -> bool:
    return text.upper() in _SPELLINGS
