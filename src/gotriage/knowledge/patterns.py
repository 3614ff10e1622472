"""Leak patterns: what each one means and how such leaks are fixed, as data.

Keyed by pattern name; :mod:`gotriage.goroutines.suspects` picks the pattern from how a group
blocks. The text is written for the engineer reading the report at 3 a.m.: what is stuck, the
usual cause, the usual fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.server_timeouts import server_snippet
from gotriage.knowledge.wait_reasons import Kind


@dataclass(frozen=True, slots=True)
class Pattern:
    title: str
    explanation: str
    fix: str


PATTERNS: dict[str, Pattern] = {
    "chan-send": Pattern(
        "blocked sending on a channel nobody receives from",
        "The sender outlived its receiver: typically the caller waited on an unbuffered channel "
        "in a select with a timeout or ctx.Done(), gave up, and returned; the worker's send then "
        "waits forever and keeps everything it references alive.",
        "Give the channel a buffer of one (make(chan T, 1)) so the single send always completes, "
        "or have the sender select on ctx.Done() as well as the send.",
    ),
    "chan-receive": Pattern(
        "blocked receiving from a channel nobody sends on or closes",
        "The receiver waits for a value or a close() that never comes: the producer returned "
        "(on an error or early exit) without closing the channel, so `for v := range ch` or "
        "`<-ch` never ends.",
        "Close the channel when the producer is done (defer close(ch) in the producer), or have "
        "the receiver also select on ctx.Done().",
    ),
    "nil-chan": Pattern(
        "operation on a nil channel, which blocks forever",
        "A send or receive on a nil channel can never proceed: the channel was never made (a "
        "missing make, a struct field never initialised, a variable shadowed before use).",
        "Create the channel with make before any goroutine uses it; set a channel to nil only "
        "inside a select, where it deliberately disables that case.",
    ),
    "select-no-cases": Pattern(
        "empty select, which never returns",
        "`select {}` blocks its goroutine for the life of the process. It is sometimes used to "
        "park main, but in any other goroutine it is a goroutine that can never finish.",
        "Wait on something that ends: ctx.Done(), a quit channel, or a signal.",
    ),
    "select": Pattern(
        "blocked in a select that none of its cases will end",
        "A select whose channels are all abandoned: no case can fire, typically a loop without a "
        "ctx.Done() or quit case.",
        "Add a case <-ctx.Done(): return (or a quit channel that is closed on shutdown).",
    ),
    "mutex": Pattern(
        "waiting for a lock that is never released",
        "A Mutex or RWMutex was locked and not unlocked on some path (an early return, a panic "
        "recovered higher up), so every later Lock waits forever.",
        "Call defer mu.Unlock() on the line after mu.Lock(), or keep the critical section in a "
        "small function that always unlocks.",
    ),
    "waitgroup": Pattern(
        "WaitGroup.Wait whose counter never reaches zero",
        "Add was called more times than Done: a goroutine returned early, panicked, or was never "
        "started, so Wait waits forever.",
        "Call wg.Add before the go statement and defer wg.Done() as the first line of each "
        "goroutine; prefer one Add(n) for n goroutines started in a loop.",
    ),
    "cond": Pattern(
        "Cond.Wait that nobody will Signal or Broadcast",
        "The condition changed (or the producer quit) without a Signal or Broadcast, so the "
        "waiter sleeps forever.",
        "Broadcast whenever the condition changes, including on shutdown; a channel or context "
        "is usually simpler than sync.Cond.",
    ),
    "semaphore": Pattern(
        "waiting on a semaphore that is never released",
        "A semaphore (a sync primitive before Go 1.20 printed it as semacquire, or a "
        "golang.org/x/sync semaphore) was acquired without release on some path.",
        "Release on every path (defer sem.Release(1)) and bound the acquire with a context.",
    ),
    "unknown": Pattern(
        "many goroutines parked at one place",
        "This format does not say how these goroutines block (debug=1 drops the runtime frames "
        "and the source of this line is not here to read), so they weigh no more than receivers "
        "or selects would, which is how healthy pools wait too; other evidence (growth between "
        "two snapshots, a static finding) named them.",
        "Capture debug=2 (or pass the live /debug/pprof/ URL) to see the wait reason and "
        "duration, then check what wakes this line.",
    ),
    "server-without-timeouts": Pattern(
        "HTTP connection goroutine waiting on its client with no server timeout",
        "A connection goroutine of an http.Server is parked waiting on the client (reading a "
        "request, idle between keep-alive requests, or writing a response). A server started "
        "with http.ListenAndServe, http.Serve or their TLS variants has no timeouts at all, so a "
        "slow or vanished client holds the goroutine, its buffers and a file descriptor forever "
        "(slowloris).",
        "Start an http.Server with timeouts and call its own ListenAndServe: "
        + server_snippet("ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout")
        + " (with Addr and Handler set).",
    ),
    "client-without-timeout": Pattern(
        "HTTP client call waiting on an upstream for a long time",
        "An outbound request is waiting on the network with no deadline: http.Get, "
        "http.DefaultClient and an http.Client without Timeout wait forever on a stuck upstream.",
        "Use an http.Client with Timeout set, or a request context with a deadline "
        "(http.NewRequestWithContext with context.WithTimeout).",
    ),
}


#: The pattern of a group that blocks this way (the rest are "unknown").
PATTERN_BY_KIND = {
    Kind.CHAN_SEND: "chan-send",
    Kind.CHAN_RECEIVE: "chan-receive",
    Kind.NIL_CHAN: "nil-chan",
    Kind.SELECT_NO_CASES: "select-no-cases",
    Kind.SELECT: "select",
    Kind.MUTEX: "mutex",
    Kind.RWMUTEX: "mutex",
    Kind.WAITGROUP: "waitgroup",
    Kind.COND: "cond",
    Kind.SEMAPHORE: "semaphore",
}


def pattern_for(name: str) -> Pattern:
    return PATTERNS.get(name, PATTERNS["unknown"])
