"""The diagnoses ``gotriage doctor`` draws, as data.

Each diagnosis names the findings of every analysis that support it (a :class:`Signal`: the side
that sees it, the ids there, and optionally tags the finding must carry) and those that
contradict it, explains what is going on, gives the fix with code, and says how to verify the
fix with ``gotriage reproduce URL --scenario NAME``. The anchors are the ids the analyses
already publish: audit rule IDs, probe measurement names, leak pattern names and goroutine
evidence codes, CPU verdict ids and socket finding ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.server_timeouts import server_snippet
from gotriage.model import Severity

LEAK_PATTERNS = (
    "chan-send",
    "chan-receive",
    "nil-chan",
    "select-no-cases",
    "select",
    "waitgroup",
    "cond",
    "semaphore",
    "unknown",
)
LEAK_RULES = ("GT201", "GT202", "GT203", "GT204", "GT206", "GT207")


@dataclass(frozen=True, slots=True)
class Signal:
    side: str
    ids: tuple[str, ...]
    tags: tuple[str, ...] = ()  # any of these must be among the finding's tags ("" for any)
    problem: bool = True  # False: a healthy measurement
    means: str = ""  # what this evidence shows, said when that side was not gathered


@dataclass(frozen=True, slots=True)
class DiagnosisText:
    id: str
    title: str
    severity: Severity
    explanation: str
    fix: str
    fix_code: str
    scenario: str  # the reproduce scenario that verifies the fix, "" when none fits
    supports: tuple[Signal, ...]
    contradicts: tuple[Signal, ...] = ()
    verify: str = ""  # another way to verify, when no scenario fits


def server_block(*fields: str) -> str:
    """:func:`server_snippet` laid out one field a line, as gofmt would."""
    head, _, rest = server_snippet(*fields).partition("{")
    settings = rest.rstrip("}").split(", ")
    return head + "{\n" + "".join(f"\t{item},\n" for item in settings) + "}"


PROBLEM = ("problem",)
HEALTHY = ("healthy",)

DIAGNOSES: tuple[DiagnosisText, ...] = (
    DiagnosisText(
        "server-without-read-header-timeout",
        "server without ReadHeaderTimeout: slow or silent clients hold its connections",
        Severity.HIGH,
        "The http.Server waits for a request header as long as a client cares to take. Clients "
        "that connect and send slowly or nothing (slowloris, scanners, broken NAT, a load "
        "balancer's pre-opened connections) each hold a connection goroutine, its buffers and "
        "a file descriptor until the process runs out of them.",
        "Serve with an http.Server that has ReadHeaderTimeout (and ReadTimeout for bodies); "
        "never http.ListenAndServe or http.Serve, which cannot have timeouts.",
        server_block("ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout")
        + "\nsrv.Addr, srv.Handler = addr, mux\nlog.Fatal(srv.ListenAndServe())",
        "slow-clients",
        (
            Signal("source", ("GT101",), ("ReadHeaderTimeout",), means="the server's literal"),
            Signal("source", ("GT102",), means="a package-level ListenAndServe/Serve"),
            Signal("probe", ("header-timeout",), PROBLEM, means="the measured header timeout"),
            Signal(
                "goroutines",
                ("server-without-timeouts",),
                ("slow-clients", "server-without-timeouts", "long-wait"),
                means="connection goroutines reading a request",
            ),
            Signal("sockets", ("slow-clients",), means="silent ESTABLISHED connections"),
            Signal("cpu", ("connection-churn",), means="network-bound CPU under held connections"),
        ),
        (Signal("probe", ("header-timeout",), HEALTHY, problem=False),),
    ),
    DiagnosisText(
        "goroutine-leak",
        "goroutines leak: they block forever at a site that grows with the traffic",
        Severity.HIGH,
        "Goroutines park at a channel operation, lock or select that nothing will ever complete: "
        "typically a worker whose caller gave up (a timeout, ctx.Done()) and returned, leaving "
        "the worker's send on an unbuffered channel with no receiver. Each one keeps its stack "
        "and everything it references; their number grows with every request until memory and "
        "the garbage collector's work do.",
        "Give the channel a buffer of one so the single send always completes, or have the "
        "sender select on ctx.Done() as well; close channels when the producer is done.",
        "result := make(chan T, 1) // the send completes even when nobody receives\n"
        "go func() { result <- work(ctx) }()\n"
        "select {\ncase v := <-result:\n\tuse(v)\ncase <-ctx.Done():\n\treturn ctx.Err()\n}",
        "blocking-handler",
        (
            Signal("goroutines", LEAK_PATTERNS, means="goroutines blocked at one site"),
            Signal("source", LEAK_RULES, means="the audit's goroutine-leak rules"),
            Signal("history", ("alert", "site-growth"), means="growth in the watch history"),
        ),
    ),
    DiagnosisText(
        "gc-pressure",
        "allocation-heavy code keeps the garbage collector busy",
        Severity.MEDIUM,
        "A large share of the CPU goes to the garbage collector: code allocates many short-lived "
        "objects (or keeps a growing heap of leaked ones) and every allocation pays for marking.",
        "Allocate less on the hot path: reuse buffers (sync.Pool), preallocate slices, avoid "
        "pointer-heavy structures rebuilt per request; raise GOGC or set GOMEMLIMIT once the "
        "allocation rate is as low as it reasonably gets.",
        "var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}\n\n"
        "buf := bufs.Get().(*bytes.Buffer)\nbuf.Reset()\ndefer bufs.Put(buf)",
        "",
        (Signal("cpu", ("gc-pressure",), means="the CPU profile's GC share"),),
        (Signal("cpu", ("gc-not-the-problem",), problem=False),),
        verify="gotriage cpu PPROF_URL --seconds 10  # the gc-pressure verdict is gone",
    ),
    DiagnosisText(
        "server-without-idle-timeout",
        "server without IdleTimeout: idle keep-alive connections are kept forever",
        Severity.MEDIUM,
        "Without IdleTimeout (or ReadTimeout) an idle keep-alive connection is kept as long as "
        "the client keeps it; clients that vanish without closing leave connections, goroutines "
        "and descriptors behind.",
        "Set IdleTimeout longer than your clients' pools keep connections (60-90 s) so they "
        "close first.",
        server_snippet("IdleTimeout"),
        "idle-keepalive",
        (
            Signal("source", ("GT101", "GT104"), ("IdleTimeout",), means="the server's literal"),
            Signal("probe", ("idle-timeout",), PROBLEM, means="the measured idle timeout"),
        ),
        (Signal("probe", ("idle-timeout",), HEALTHY, problem=False),),
    ),
    DiagnosisText(
        "server-without-write-timeout",
        "server without WriteTimeout: clients that stop reading block their handlers",
        Severity.MEDIUM,
        "A handler writing to a client that stopped reading blocks once the socket buffers are "
        "full, for as long as the client stays connected: its goroutine and whatever it holds "
        "(locks, database connections) stay with it.",
        "Set WriteTimeout (or a per-handler deadline with http.ResponseController); bound "
        "handlers with http.TimeoutHandler.",
        server_snippet("WriteTimeout"),
        "slow-readers",
        (
            Signal("source", ("GT101", "GT103"), ("WriteTimeout",), means="the server's literal"),
            Signal("probe", ("write-timeout", "stalled-reader"), PROBLEM, means="a stalled read"),
        ),
        (Signal("probe", ("stalled-reader",), HEALTHY, problem=False),),
    ),
    DiagnosisText(
        "request-body-unbounded",
        "request bodies are read slowly or without a size limit",
        Severity.MEDIUM,
        "A client can send a body as slowly or as large as it likes: without ReadTimeout and "
        "http.MaxBytesReader each such request holds a goroutine and memory.",
        "Set ReadTimeout and wrap bodies in http.MaxBytesReader.",
        server_snippet("ReadTimeout")
        + "\nr.Body = http.MaxBytesReader(w, r.Body, 1<<20) // or http.MaxBytesHandler(h, 1<<20)",
        "slow-body",
        (
            Signal("source", ("GT107",), means="a body read without a limit"),
            Signal("probe", ("body-timeout", "max-body"), PROBLEM, means="the measured limits"),
        ),
        (Signal("probe", ("body-timeout",), HEALTHY, problem=False),),
    ),
    DiagnosisText(
        "header-oversize",
        "headers of any size are accepted",
        Severity.MEDIUM,
        "MaxHeaderBytes set very high (or a proxy in front that allows more) lets each request "
        "hold megabytes of header memory.",
        "Keep MaxHeaderBytes at Go's default (1 MB) or lower.",
        "srv := &http.Server{MaxHeaderBytes: 64 << 10}",
        "header-oversize",
        (
            Signal("source", ("GT106",), means="MaxHeaderBytes in the source"),
            Signal("probe", ("max-header",), PROBLEM, means="the largest header accepted"),
        ),
        (Signal("probe", ("max-header",), HEALTHY, problem=False),),
    ),
    DiagnosisText(
        "connection-churn",
        "connections are opened and closed at a high rate",
        Severity.MEDIUM,
        "Each request opens a new connection (clients without keep-alive, a default client "
        "without timeouts recreated per call, or a flood of aborted connections): the kernel "
        "fills with TIME-WAIT and the CPU goes to the network stack.",
        "Reuse one http.Client with a Transport per upstream; give it a Timeout; close response "
        "bodies so connections return to the pool.",
        "var client = &http.Client{Timeout: 10 * time.Second}\n\n"
        "resp, err := client.Do(req)\nif err != nil { return err }\ndefer resp.Body.Close()\n"
        "io.Copy(io.Discard, resp.Body)",
        "connection-churn",
        (
            Signal("cpu", ("connection-churn",), means="network-bound CPU"),
            Signal("sockets", ("time-wait-storm",), means="TIME-WAIT piling up"),
            Signal("source", ("GT108", "GT109"), means="clients without timeouts"),
            Signal("goroutines", ("client-without-timeout",), means="clients waiting forever"),
        ),
    ),
    DiagnosisText(
        "connections-abandoned",
        "connections are closed by the peer and never by the service",
        Severity.MEDIUM,
        "CLOSE-WAIT or unread data piles up: the peer closed, or sent, and the service never "
        "reads or closes, usually a handler blocked before it reads or a response body never "
        "closed.",
        "Close every response body (defer resp.Body.Close()); give blocked handlers a deadline.",
        "resp, err := client.Do(req)\nif err != nil { return err }\ndefer resp.Body.Close()",
        "abrupt-close",
        (
            Signal("sockets", ("close-wait-pile", "zombie-connections"), means="CLOSE-WAIT"),
            Signal("source", ("GT111",), means="connections tracked and never released"),
        ),
    ),
    DiagnosisText(
        "lock-contention",
        "goroutines queue on a lock",
        Severity.MEDIUM,
        "Many goroutines wait for one mutex, or one is held and never released on some path.",
        "Unlock with defer right after Lock; shorten the critical section or shard the lock.",
        "mu.Lock()\ndefer mu.Unlock()",
        "blocking-handler",
        (
            Signal("cpu", ("lock-contention",), means="CPU in lock code"),
            Signal("goroutines", ("mutex",), means="goroutines waiting for a lock"),
            Signal("source", ("GT205",), means="a Lock without Unlock"),
        ),
    ),
)

BY_ID: dict[str, DiagnosisText] = {d.id: d for d in DIAGNOSES}


def verify_command(diagnosis: DiagnosisText, url: str = "URL") -> str:
    """How to check the fix: a reproduce scenario against the service, or another command."""
    if diagnosis.scenario:
        return f"gotriage reproduce {url} --scenario {diagnosis.scenario}"
    return diagnosis.verify
