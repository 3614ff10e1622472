"""Where CPU time goes in a Go program, as data: the categories, the rules that assign a sample
to one, and what each verdict means and how it is fixed.

A sample is categorised by the *anchors* on its stack, not by its leaf: leaf names change from
release to release (Go 1.27 marks in ``scanObjectSmall`` and ``tryDeferToSpanScan``, earlier
releases in ``scanobject``), while the frames that start the work (``runtime.gcBgMarkWorker``,
``runtime.mallocgc``, ``internal/poll.runtime_pollWait``) stay. Two kinds of rule:

* ``anywhere`` rules name work that owns everything beneath it, wherever it is on the stack: a GC
  assist under a handler is GC, a system call under ``net.(*netFD).Read`` is network. They are
  tried in order and the first that matches wins.
* ``innermost`` rules are tried from the leaf towards the root: the frame nearest the leaf that
  matches one of them (or belongs to the user's own code) decides. ``runtime.chansend`` called
  from ``main.worker`` is scheduler work; ``runtime.memmove`` called from ``main.copyRows`` is the
  user's.

A stack that matches nothing is ``runtime-other``. Patterns are shell globs on the function name
as profiles print it (``net/http.(*conn).serve``); ``*`` matches any text, ``?`` one character.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

USER = "user"
GC = "gc"
ALLOC = "alloc"
SCHEDULER = "scheduler"
NETWORK = "network"
SYSCALL = "syscall"
LOCKS = "locks"
RUNTIME_OTHER = "runtime-other"


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    title: str
    meaning: str


CATEGORIES: tuple[Category, ...] = (
    Category(USER, "your code", "the program's own functions (and third-party modules)"),
    Category(GC, "garbage collector", "mark workers, mark assists, sweeping, write barriers"),
    Category(ALLOC, "allocation", "mallocgc and the heap allocator, outside GC work"),
    Category(SCHEDULER, "scheduler", "schedule, findRunnable, stealing, spinning, park/ready"),
    Category(NETWORK, "network", "the netpoller, internal/poll, net.Conn I/O, accept, net/http"),
    Category(SYSCALL, "system calls", "other system calls (files, pipes, signals)"),
    Category(LOCKS, "locks", "sync.Mutex/RWMutex slow paths, semaphores, runtime locks"),
    Category(RUNTIME_OTHER, "runtime, other", "everything else the runtime does"),
)
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)

Scope = Literal["anywhere", "innermost"]


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    scope: Scope
    patterns: tuple[str, ...]
    why: str


#: Pseudo-frames the runtime records when a sample has no Go stack (the leaf of the sample).
PSEUDO_FRAMES: dict[str, str] = {
    "runtime._GC": GC,
    "runtime._System": RUNTIME_OTHER,
    "runtime._ExternalCode": RUNTIME_OTHER,
    "runtime._VDSO": RUNTIME_OTHER,
    "runtime._LostExternalCode": RUNTIME_OTHER,
    "runtime._LostSIGPROFDuringAtomic64": RUNTIME_OTHER,
    "runtime._LostContendedRuntimeLock": LOCKS,
}

RULES: tuple[Rule, ...] = (
    Rule(
        RUNTIME_OTHER,
        "anywhere",
        (
            "runtime.traceWriter*",
            "runtime.traceStack",
            "runtime.(*traceMap).*",
            "runtime.traceLocker.*",
            "runtime.(*traceBuf).*",
            "runtime.traceAdvance",
            "runtime.traceReader*",
            "runtime/trace.*",
        ),
        "the execution tracer's own cost, present only while a trace is being recorded",
    ),
    Rule(
        GC,
        "anywhere",
        (
            "runtime.gcBgMarkWorker",
            "runtime.gcAssistAlloc*",
            "runtime.deductAssistCredit",
            "runtime.gcmarknewobject",
            "runtime.gcDrain*",
            "runtime.gcStart",
            "runtime.gcMarkDone",
            "runtime.gcMarkTermination",
            "runtime.markroot*",
            "runtime.bgsweep",
            "runtime.sweepone",
            "runtime.deductSweepCredit",
            "runtime.(*sweepLocked).sweep",
            "runtime.(*mspan).sweep",
            "runtime.bgscavenge",
            "runtime.(*scavengerState).*",
            "runtime.wbBufFlush*",
            "runtime.gcWriteBarrier*",
            "runtime.bulkBarrierPreWrite*",
            "runtime.GC",
        ),
        "GC work owns everything beneath it: marking, sweeping, assists charged to allocations",
    ),
    Rule(
        NETWORK,
        "anywhere",
        (
            "net.*",
            "internal/poll.runtime_poll*",
            "internal/poll.(*pollDesc).*",
            "internal/poll.(*FD).Accept",
            "internal/poll.accept",
            "runtime.netpoll*",
            "runtime.poll_runtime_*",
            "internal/poll.runtime_pollWait",
        ),
        "socket I/O and the netpoller: the system calls beneath them are network work",
    ),
    Rule(
        LOCKS,
        "anywhere",
        (
            "sync.(*Mutex).lockSlow",
            "sync.(*Mutex).unlockSlow",
            "internal/sync.(*Mutex).lockSlow",
            "internal/sync.(*Mutex).unlockSlow",
            "sync.(*RWMutex).rUnlockSlow",
            "sync.runtime_Semacquire*",
            "sync.runtime_Semrelease*",
            "internal/sync.runtime_Semacquire*",
            "internal/sync.runtime_Semrelease*",
            "sync.runtime_doSpin",
            "internal/sync.runtime_doSpin",
            "runtime.semacquire*",
            "runtime.semrelease*",
            "runtime.sync_runtime_*",
            "runtime.internal_sync_runtime_*",
        ),
        "the slow paths of sync.Mutex and friends: spinning and semaphore hand-offs",
    ),
    Rule(
        ALLOC,
        "anywhere",
        (
            "runtime.mallocgc*",
            "runtime.newobject",
            "runtime.newarray",
            "runtime.makeslice*",
            "runtime.growslice",
            "runtime.(*mcache).*",
            "runtime.(*mcentral).*",
            "runtime.(*mheap).*",
            "runtime.largeAlloc",
        ),
        "heap allocation (unless GC work is charged to it, which is GC)",
    ),
    Rule(
        LOCKS,
        "innermost",
        (
            "runtime.lock",
            "runtime.lock2",
            "runtime.lockWithRank",
            "runtime.unlock2",
            "sync.(*Mutex).*",
            "sync.(*RWMutex).*",
            "internal/sync.(*Mutex).*",
        ),
        "the runtime's internal locks (channels, the scheduler, timers), and the lock and "
        "unlock fast paths, which cost little unless the lock's cache line is fought over",
    ),
    Rule(
        SCHEDULER,
        "innermost",
        (
            "runtime.schedule",
            "runtime.findRunnable",
            "runtime.findrunnable",
            "runtime.stealWork",
            "runtime.runqsteal",
            "runtime.runqgrab",
            "runtime.park_m",
            "runtime.gopark",
            "runtime.goparkunlock",
            "runtime.goready",
            "runtime.ready",
            "runtime.wakep",
            "runtime.startm",
            "runtime.stopm",
            "runtime.mPark",
            "runtime.handoffp",
            "runtime.execute",
            "runtime.gosched_m",
            "runtime.goschedImpl",
            "runtime.Gosched",
            "runtime.goexit0",
            "runtime.newproc",
            "runtime.newproc1",
            "runtime.chansend*",
            "runtime.chanrecv*",
            "runtime.selectgo",
            "runtime.closechan",
            "runtime.sysmon",
            "runtime.retake",
            "runtime.preemptone",
            "runtime.resetspinning",
            "runtime.checkTimers",
            "runtime.exitsyscall0",
            "runtime.injectglist",
            "runtime.mcall",
        ),
        "handing CPUs to goroutines: parking, waking, run queues, spinning threads",
    ),
    Rule(
        SYSCALL,
        "innermost",
        (
            "syscall.Syscall*",
            "syscall.RawSyscall*",
            "syscall.syscall*",
            "syscall.rawSyscall*",
            "syscall.rawVforkSyscall",
            "internal/runtime/syscall.*",
            "internal/runtime/syscall/*",
            "runtime/internal/syscall.*",
            "runtime.entersyscall*",
            "runtime.exitsyscall",
            "golang.org/x/sys/unix.*yscall*",
        ),
        "system calls outside the network paths above",
    ),
    Rule(
        NETWORK,
        "innermost",
        (
            "net/http.(*conn).serve",
            "net/http.(*conn).readRequest",
            "net/http.(*connReader).*",
            "net/http.(*Server).Serve",
            "net/http.(*persistConn).*",
            "crypto/tls.(*Conn).*",
        ),
        "net/http connection handling that is not a handler: reading and parsing requests",
    ),
)


#: Blocking sites of net/http's connection goroutines, as the execution-trace summary names them.
READING_REQUESTS = "net/http.(*conn).serve reading requests"
WATCHING_CLIENT = "net/http.(*connReader).backgroundRead watching for the client to close"


def is_user_function(function: str) -> bool:
    """True for the program's own code: ``main`` or a package whose path starts with a domain.

    The standard library's first path element has no dot (``net/http``, ``runtime``,
    ``vendor/golang.org/x/net``); a module path starts with a domain (``example.com/shop``).
    """
    slash = function.rfind("/")
    dot = function.find(".", slash + 1)
    package = function if dot < 0 else function[:dot]
    if package == "main":
        return True
    first = package.split("/", 1)[0]
    return "." in first and "/" in package


# --- verdicts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerdictText:
    id: str
    title: str
    explanation: str
    fix: str
    confirm: tuple[str, ...] = ()


VERDICTS: dict[str, VerdictText] = {
    v.id: v
    for v in (
        VerdictText(
            "connection-churn",
            "connection churn: the CPU goes to accepting, reading and closing connections",
            "Network and system-call work dominate while the GC is quiet. A server without "
            "timeouts holds every slow, idle or silent client, and clients that connect, send a "
            "few bytes and give up make it accept, read and tear down connections endlessly: "
            "the CPU goes to the netpoller and socket system calls, not to your handlers.",
            "Set the http.Server timeouts: srv := &http.Server{ReadHeaderTimeout: 10 * "
            "time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, "
            "IdleTimeout: 120 * time.Second}; cap concurrent connections "
            "(golang.org/x/net/netutil.LimitListener) when clients are untrusted.",
            (
                "gotriage audit ./ (finds http.Server values without timeouts)",
                "gotriage probe http://HOST:PORT/ (measures what the server does to slow clients)",
                "gotriage goroutines http://HOST:PORT/debug/pprof/ (the connections it holds)",
            ),
        ),
        VerdictText(
            "gc-pressure",
            "GC pressure: the garbage collector and its assists take the CPU",
            "The program allocates faster than the collector can comfortably keep up: "
            "background mark workers take a quarter of GOMAXPROCS and allocating goroutines are "
            "made to assist, so request paths slow down with the GC.",
            "Allocate less at the sites listed (reuse buffers, preallocate slices, avoid "
            "string/byte conversions and fmt in hot paths, sync.Pool for short-lived objects); "
            "raise GOGC (for example GOGC=200) to trade memory for CPU, and set GOMEMLIMIT to the "
            "container's memory so a higher GOGC cannot run it out of memory.",
            ("go tool pprof -sample_index=alloc_space http://HOST:PORT/debug/pprof/heap",),
        ),
        VerdictText(
            "scheduler-thrash",
            "scheduler thrash: the CPU goes to parking and waking goroutines",
            "Goroutines hand work to each other so often (unbuffered channel ping-pong, one "
            "goroutine per tiny task) that the scheduler's parking, waking and work stealing "
            "costs more than the work; too many runnable goroutines, or GOMAXPROCS above the "
            "container's CPU quota (Go before 1.25 ignores cgroup limits), make it worse.",
            "Batch work per channel operation, buffer channels between stages, use a bounded "
            "worker pool instead of a goroutine per item, and set GOMAXPROCS to the CPU quota "
            "(Go 1.25+ does so by itself; before that, go.uber.org/automaxprocs).",
        ),
        VerdictText(
            "lock-contention",
            "lock contention: goroutines fight over a lock",
            "Many goroutines take the same lock: sync.Mutex spins, then parks and wakes "
            "waiters through the runtime's semaphores, and that hand-off takes the CPU.",
            "Shorten the critical section, shard the lock (one per key range), use sync/atomic "
            "for counters, sync.RWMutex for read-mostly data, or give each goroutine its own "
            "state and merge it at the end.",
            ("go tool pprof http://HOST:PORT/debug/pprof/mutex (needs SetMutexProfileFraction)",),
        ),
        VerdictText(
            "hot-user-code",
            "hot code: one of your functions takes most of the CPU",
            "The CPU goes to your own code, not to the runtime: one function dominates the "
            "profile. That may be the service's real work, or an accidental busy loop or an "
            "algorithm that does not scale.",
            "Look at the function with go tool pprof -list FUNCTION; make the loop cheaper, "
            "cache its result, or stop it spinning (wait on a channel or timer instead).",
        ),
        VerdictText(
            "blocking-without-limit",
            "blocking without limit: threads or runnable goroutines keep climbing",
            "Work blocks (in system calls, cgo or on locks) while new work keeps arriving and "
            "nothing bounds how much runs at once: the runtime adds a thread for each goroutine "
            "stuck in a system call, and runnable goroutines queue up, the avalanche that ends "
            "in 'thread exhaustion' or an out-of-memory kill.",
            "Bound the work in flight: a semaphore or worker pool around the blocking call, "
            "timeouts on it (context deadlines), server-side concurrency limits, and "
            "debug.SetMaxThreads as a last line of defence.",
            ("gotriage goroutines http://HOST:PORT/debug/pprof/ (where the goroutines block)",),
        ),
    )
}


#: The thresholds of the verdicts, their defaults and what they mean; ``[cpu]`` settings and the
#: README quote this table.
THRESHOLDS: dict[str, tuple[float, str]] = {
    "min_samples": (20, "fewer CPU samples than this and no profile verdict is drawn (idle)"),
    "gc_percent": (25, "gc-pressure: GC share of samples, or GC CPU % in gctrace, at least"),
    "gc_low_percent": (10, "below this GC share the report says GC is not the problem"),
    "network_percent": (40, "connection-churn: network + syscall share at least"),
    "scheduler_percent": (30, "scheduler-thrash: scheduler share at least"),
    "locks_percent": (20, "lock-contention: locks share at least"),
    "hot_function_percent": (40, "hot-user-code: one user function's share at least"),
    "held_connections": (200, "connection-churn: connections waiting for a request, at least"),
    "held_growth": (20, "connection-churn: growth of those connections during the capture"),
    "thread_growth": (20, "blocking-without-limit: threads climbing by at least this"),
    "runqueue_growth": (50, "blocking-without-limit: runnable goroutines climbing by this"),
    "status_growth": (50, "scheddetail: a goroutine status whose count grows this much"),
}
