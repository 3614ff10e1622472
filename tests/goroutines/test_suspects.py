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


PPROF_DO = (
    Frame("runtime.gopark"),
    Frame("runtime.chanrecv1"),
    Frame("main.job.func1", "/a.go", 50),
    Frame("runtime/pprof.Do", "/go/src/runtime/pprof/runtime.go", 51),
    Frame("main.job", "/a.go", 49),
)
IN_TEST = (
    Frame("runtime.gopark"),
    Frame("runtime.chanrecv1"),
    Frame("example.com/p.TestHang", "/p/p_test.go", 9),
    Frame("testing.tRunner", "/go/src/testing/testing.go", 1792),
)
T_RUN = (
    Frame("runtime.gopark"),
    Frame("runtime.chanrecv1"),
    Frame("testing.(*T).Run", "/go/src/testing/testing.go", 1750),
    Frame("testing.runTests.func1", "/go/src/testing/testing.go", 2161),
    Frame("testing.tRunner", "/go/src/testing/testing.go", 1689),
    Frame("main.main", "_testmain.go", 47),
)
PARKED = (Frame("runtime.gopark"), Frame("runtime.block"), Frame("main.main", "/a.go", 60))


@pytest.mark.parametrize(
    ("frames", "state", "reason"),
    [
        (PPROF_DO, "chan receive", None),  # pprof.Do is below where it waits
        (IN_TEST, "chan receive", None),  # a test blocked in its own code
        (T_RUN, "chan receive", "testing machinery"),  # main waiting for the tests to end
        (PARKED, "select (no cases)", "main goroutine parked for the life of the process"),
    ],
)
def test_by_design_looks_at_where_a_goroutine_waits(frames, state, reason):
    from gotriage.goroutines.suspects import by_design_reason

    main = Goroutine(1, state, frames)
    (group,) = group_goroutines([main]).groups.values()
    got = by_design_reason(group)
    assert (got or "").startswith(reason or "") and (got is None) == (reason is None)


def test_pprof_do_receivers_left_behind_are_suspects():
    crowd = goroutines(12, PPROF_DO, state="chan receive", creator=99)
    (suspect,) = assess(group_goroutines([MAIN, *crowd])).suspects
    assert suspect.group.count == 12 and "orphaned" in {e.code for e in suspect.evidence}


def test_select_no_cases_outside_main_is_still_a_leak():
    parked = Goroutine(7, "select (no cases)", (*PARKED[:2], Frame("main.f", "/a.go", 9)))
    (suspect,) = assess(group_goroutines([MAIN, parked])).suspects
    assert suspect.confidence is Confidence.HIGH


WRITER = (
    Frame("runtime.gopark"),
    Frame("sync.runtime_notifyListWait"),
    Frame("sync.(*Cond).Wait"),
    Frame("srv.(*client).writeLoop", "/s.go", 91),
)
READER = (
    Frame("internal/poll.runtime_pollWait"),
    Frame("net.(*conn).Read"),
    Frame("srv.(*client).readLoop", "/s.go", 71),
)


@pytest.mark.parametrize(
    ("readers", "reader_creator", "paired"),
    [
        (40, 5, True),
        (39, 5, False),  # one writer more than readers: not one to one
        (40, 6, False),  # readers started by another goroutine
    ],
)
def test_connection_writers_paired_with_readers(readers, reader_creator, paired):
    writers = [
        Goroutine(100 + i, "sync.Cond.Wait", WRITER, created_by=CREATED, creator_id=5)
        for i in range(40)
    ]
    reads = [
        Goroutine(200 + i, "IO wait", READER, created_by=CREATED, creator_id=reader_creator)
        for i in range(readers)
    ]
    lives = [
        Goroutine(gid, "IO wait", (*READER[:2], Frame("srv.accept", "/s.go", 5))) for gid in (5, 6)
    ]
    result = assess(group_goroutines([MAIN, *lives, *writers, *reads]))
    assert (result.suspects == []) is paired


@pytest.mark.parametrize("state", ["select", ""])
def test_unknown_kind_weighs_no_more_than_a_select(state):
    """The same watch streams read from debug=2 (select) and from debug=1 (no wait reason, no
    runtime frames, no source): the same verdict, low."""
    frames = (Frame("etcd.(*watchStream).run", "/w.go", 50),)
    if state:
        frames = (Frame("runtime.gopark"), Frame("runtime.selectgo"), *frames)
    crowd = [Goroutine(None, state, frames, count=30)]
    result = assess(group_goroutines(crowd), Settings(min_confidence=Confidence.LOW))
    (suspect,) = result.suspects
    assert suspect.confidence is Confidence.LOW


def _compare(before, after, **kwargs):
    from gotriage.goroutines.diff import compare

    return compare(group_goroutines(before), group_goroutines(after), **kwargs)


LOCK = (
    Frame("runtime.gopark"),
    Frame("sync.runtime_SemacquireMutex"),
    Frame("sync.(*Mutex).Lock"),
    Frame("main.update", "/a.go", 38),
)


@pytest.mark.parametrize(
    ("before", "after", "minutes", "settings", "confidence"),
    [
        (0, 3, 0.5, Settings(), Confidence.HIGH),  # a lock never released, +3 in 30 s
        (0, 3, None, Settings(), Confidence.HIGH),  # interval unknown: the count decides
        (0, 2, 0.5, Settings(), None),  # below growth_min
        (0, 3, 600, Settings(), None),  # +3 in ten hours: slower than 1 per minute
        (0, 3, 600, Settings(growth_per_minute=0.001), Confidence.HIGH),
        (0, 3, 0.5, Settings(growth_min=4), None),
        (3, 3, 0.5, Settings(), None),  # no growth
    ],
)
def test_growth_is_evidence(before, after, minutes, settings, confidence):
    old = [MAIN, *goroutines(before, LOCK, state="sync.Mutex.Lock")]
    new = [MAIN, *goroutines(after, LOCK, state="sync.Mutex.Lock", first_id=300)]
    grouping = group_goroutines(new)
    from gotriage.goroutines.diff import compare

    comparison = compare(group_goroutines(old), grouping, minutes=minutes)
    suspects = assess(grouping, settings, comparison=comparison).suspects
    if confidence is None:
        assert suspects == []
        return
    (suspect,) = suspects
    assert suspect.confidence is confidence
    (grew,) = [e for e in suspect.evidence if e.code == "growth"]
    assert f"grew from {before} to {after} (+{after - before})" in grew.text


def test_growth_compared_at_shared_precision():
    """debug=1 (no wait reasons, no creators) against debug=2: same sites, no false growth."""
    lossy = [Goroutine(None, "", LOCK[2:], count=3)]
    full = goroutines(3, LOCK, state="sync.Mutex.Lock")
    comparison = _compare(lossy, full, same_format=False)
    assert comparison.compared_by == ("blocking site", "net/http phase")
    assert comparison.growth == []
    # The same format on both sides compares how they block too.
    assert _compare(full, full).compared_by == (
        "blocking site",
        "net/http phase",
        "how it blocks",
        "creator",
    )


def test_growth_never_names_a_runtime_file():
    netpoll = (
        Frame("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 351),
        Frame("net.(*netFD).Read", "/go/src/net/fd_posix.go", 68),
        Frame("net/http.(*persistConn).readLoop", "/go/src/net/http/transport.go", 2205),
    )
    after = [Goroutine(10 + i, "IO wait", netpoll) for i in range(3)]
    (grew,) = _compare([], after).growth
    assert grew.group.location == "net/http.(*persistConn).readLoop"
