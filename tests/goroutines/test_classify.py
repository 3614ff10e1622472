import pytest

from gotriage.goroutines.classify import (
    ACCEPT_LOOP,
    PHASE_IDLE,
    PHASE_READING,
    classify,
    is_std,
)
from gotriage.knowledge.wait_reasons import WAIT_REASONS, Kind
from gotriage.model import Frame, Goroutine


def stack(*functions: str) -> tuple[Frame, ...]:
    return tuple(Frame(f, "/src/x.go", 10 + i) for i, f in enumerate(functions))


@pytest.mark.parametrize(
    ("function", "std"),
    [
        ("runtime.gopark", True),
        ("net/http.(*conn).serve", True),
        ("internal/poll.runtime_pollWait", True),
        ("vendor/golang.org/x/net/http2.(*Framer).ReadFrame", True),
        ("main.main", False),
        ("main.(*server).handle.func1", False),
        ("github.com/acme/shop/pay.Charge", False),
        ("gotriage.test/fixtures/internal/fixture.Wait", False),
        ("golang.org/x/sync/errgroup.(*Group).Wait", False),
    ],
)
def test_standard_library_is_plumbing(function, std):
    assert is_std(function) is std


@pytest.mark.parametrize(
    ("state", "functions", "kind"),
    [
        ("chan send", ("runtime.gopark", "runtime.chansend", "main.work"), Kind.CHAN_SEND),
        ("chan receive (nil chan)", ("runtime.gopark", "main.work"), Kind.NIL_CHAN),
        ("select (no cases)", ("runtime.gopark", "runtime.block", "main.f"), Kind.SELECT_NO_CASES),
        # Before Go 1.20 every sync wait read "semacquire": the frames say which primitive.
        (
            "semacquire",
            (
                "sync.runtime_SemacquireMutex",
                "sync.(*Mutex).lockSlow",
                "sync.(*Mutex).Lock",
                "main.f",
            ),
            Kind.MUTEX,
        ),
        (
            "semacquire",
            ("sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "main.f"),
            Kind.WAITGROUP,
        ),
        ("semacquire", ("sync.runtime_Semacquire", "main.f"), Kind.SEMAPHORE),
        # No wait reason (debug=1, protobuf): the runtime frames decide.
        (
            "",
            ("runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", "main.f"),
            Kind.CHAN_RECEIVE,
        ),
        ("", ("runtime.gopark", "runtime.selectgo", "main.f"), Kind.SELECT),
        ("", ("main.f",), Kind.UNKNOWN),
        ("IO wait", ("internal/poll.runtime_pollWait", "os.(*File).Read", "main.f"), Kind.FILE_IO),
        ("a wait reason from the future", ("main.f",), Kind.UNKNOWN),
    ],
)
def test_kind(state, functions, kind):
    assert classify(Goroutine(1, state, stack(*functions))).kind is kind


def test_blocking_site_is_first_user_frame():
    frames = stack("runtime.gopark", "sync.(*Cond).Wait", "main.(*queue).pop", "main.main")
    assert classify(Goroutine(1, "sync.Cond.Wait", frames)).site == frames[2]


@pytest.mark.parametrize(
    ("functions", "phase", "package_level"),
    [
        (
            (
                "internal/poll.runtime_pollWait",
                "net.(*TCPListener).Accept",
                "net/http.(*Server).Serve",
                "net/http.Serve",
                "main.main",
            ),
            ACCEPT_LOOP,
            True,
        ),
        (
            (
                "internal/poll.runtime_pollWait",
                "net.(*TCPListener).Accept",
                "net/http.(*Server).Serve",
                "main.main",
            ),
            ACCEPT_LOOP,
            False,
        ),
        (
            (
                "internal/poll.runtime_pollWait",
                "net.(*conn).Read",
                "net/http.(*connReader).Read",
                "bufio.(*Reader).fill",
                "bufio.(*Reader).ReadLine",
                "net/http.(*conn).readRequest",
                "net/http.(*conn).serve",
            ),
            PHASE_READING,
            False,
        ),
        (
            (
                "internal/poll.runtime_pollWait",
                "net.(*conn).Read",
                "net/http.(*connReader).Read",
                "bufio.(*Reader).fill",
                "bufio.(*Reader).Peek",
                "net/http.(*conn).serve",
            ),
            PHASE_IDLE,
            False,
        ),
    ],
)
def test_http_phases(functions, phase, package_level):
    blocking = classify(Goroutine(1, "IO wait", stack(*functions)))
    assert (blocking.http_phase, blocking.serve_is_package_level) == (phase, package_level)


def test_handler_stuck_writing_waits_on_the_client():
    functions = (
        "internal/poll.runtime_pollWait", "internal/poll.(*FD).Write", "net.(*conn).Write",
        "net/http.checkConnErrorWriter.Write", "bufio.(*Writer).Flush",
        "net/http.(*chunkWriter).Write", "bufio.(*Writer).Write", "net/http.(*response).write",
        "net/http.(*response).Write", "main.export", "net/http.HandlerFunc.ServeHTTP",
        "net/http.serverHandler.ServeHTTP", "net/http.(*conn).serve",
    )  # fmt: skip
    blocking = classify(Goroutine(1, "IO wait", stack(*functions)))
    assert blocking.http_phase == "writing response"
    assert blocking.site.function == "main.export"


def test_every_runtime_wait_reason_has_a_kind():
    assert all(isinstance(kind, Kind) for kind in WAIT_REASONS.values())
    assert WAIT_REASONS["sync.WaitGroup.Wait"] is Kind.WAITGROUP
