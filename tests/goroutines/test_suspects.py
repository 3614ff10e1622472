"""Leak scoring on small hand-built snapshots: one evidence rule per case."""

import pytest

from gotriage.goroutines.diff import growth
from gotriage.goroutines.group import group_goroutines
from gotriage.goroutines.suspects import Settings, assess
from gotriage.model import Confidence, Frame, Goroutine

SEND = (Frame("runtime.gopark"), Frame("runtime.chansend1"), Frame("main.produce", "/a.go", 7))
RECV = (Frame("runtime.gopark"), Frame("runtime.chanrecv1"), Frame("main.worker", "/a.go", 20))
CREATED = Frame("main.main", "/a.go", 30)


def goroutines(
    n, frames, *, state="chan send", first_id=100, creator=1, minutes=None, leaked=False
):
    return [
        Goroutine(
            first_id + i,
            state,
            frames,
            wait_minutes=minutes,
            leaked=leaked,
            created_by=CREATED,
            creator_id=creator,
        )
        for i in range(n)
    ]


MAIN = Goroutine(1, "sleep", (Frame("time.Sleep"), Frame("main.main", "/a.go", 40)))


@pytest.mark.parametrize(
    ("snapshot", "codes", "confidence"),
    [
        (goroutines(12, SEND), {"crowd"}, Confidence.MEDIUM),
        (goroutines(12, SEND, creator=99), {"crowd", "orphaned"}, Confidence.HIGH),
        (goroutines(1, SEND, leaked=True), {"runtime-leaked"}, Confidence.HIGH),
        (goroutines(1, SEND, minutes=45), {"long-wait"}, Confidence.MEDIUM),
        (goroutines(1, SEND, state="chan send (nil chan)"), {"never-wakes"}, Confidence.HIGH),
        (goroutines(1, RECV, creator=99, state="chan receive"), {"orphaned"}, Confidence.MEDIUM),
        # A worker pool: many receivers, started by a goroutine that is still there ...
        (goroutines(16, RECV, state="chan receive"), None, None),
        # ... and idle for most of an hour.
        (goroutines(16, RECV, state="chan receive", minutes=45), None, None),
        # One sender for less than a minute, creator alive: nothing to go on.
        (goroutines(3, SEND), None, None),
    ],
)
def test_evidence(snapshot, codes, confidence):
    result = assess(group_goroutines([MAIN, *snapshot]))
    if codes is None:
        assert result.suspects == []
        return
    (suspect,) = result.suspects
    assert {e.code for e in suspect.evidence} == codes
    assert suspect.confidence is confidence


def test_low_confidence_is_shown_only_when_asked():
    snapshot = [MAIN, *goroutines(16, RECV, state="chan receive")]
    settings = Settings(min_confidence=Confidence.LOW)
    (suspect,) = assess(group_goroutines(snapshot), settings).suspects
    assert suspect.confidence is Confidence.LOW


def test_ignore_pattern_sets_a_group_aside():
    snapshot = [MAIN, *goroutines(12, SEND, creator=99)]
    result = assess(group_goroutines(snapshot), Settings(ignore=("main.produce",)))
    assert result.suspects == []
    assert "ignored by pattern 'main.produce'" in result.by_design.values()


def test_growth_between_snapshots():
    before = group_goroutines([MAIN, *goroutines(5, SEND)])
    after = group_goroutines([MAIN, *goroutines(25, SEND)])
    (grown,) = growth(before, after)
    assert (grown.before, grown.after, grown.delta) == (5, 25, 20)


def test_connection_groups_are_named_by_role_not_by_runtime_file():
    frames = (
        Frame("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 351),
        Frame("net/http.(*conn).readRequest", "/go/src/net/http/server.go", 1000),
        Frame("net/http.(*conn).serve", "/go/src/net/http/server.go", 2000),
    )
    (group,) = group_goroutines([Goroutine(5, "IO wait", frames)]).groups.values()
    assert group.location == "net/http connection (reading request)"
