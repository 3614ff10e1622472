"""The taxonomy of how a goroutine blocks, as data.

Every wait reason the Go runtime prints (runtime2.go ``waitReasonStrings``, Go 1.13 to 1.27) and
every goroutine status maps to one :class:`Kind`. Formats that carry no wait reason (debug=1,
protobuf) are classified from the runtime and ``sync`` frames on top of the stack instead, with
:data:`FRAME_KINDS`.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    CHAN_SEND = "chan send"
    CHAN_RECEIVE = "chan receive"
    NIL_CHAN = "nil channel"
    SELECT = "select"
    SELECT_NO_CASES = "select with no cases"
    MUTEX = "Mutex"
    RWMUTEX = "RWMutex"
    WAITGROUP = "WaitGroup"
    COND = "Cond"
    SEMAPHORE = "semaphore"
    NETWORK_IO = "network I/O"
    FILE_IO = "file I/O"
    SLEEP = "sleep/timer"
    SYSCALL = "syscall"
    RUNTIME = "GC/runtime internal"
    RUNNING = "running"
    RUNNABLE = "runnable"
    UNKNOWN = "unknown"


#: Kinds a goroutine can stay in forever because of a bug in the program's own logic: nothing
#: outside the process (a client, a disk, a timer) will wake it. These are the leak candidates.
CAN_BLOCK_FOREVER = frozenset(
    {
        Kind.CHAN_SEND,
        Kind.CHAN_RECEIVE,
        Kind.NIL_CHAN,
        Kind.SELECT,
        Kind.SELECT_NO_CASES,
        Kind.MUTEX,
        Kind.RWMUTEX,
        Kind.WAITGROUP,
        Kind.COND,
        Kind.SEMAPHORE,
    }
)

#: Kinds that can never be woken at all: proof of a leak on their own.
NEVER_WAKES = frozenset({Kind.NIL_CHAN, Kind.SELECT_NO_CASES})

#: Kinds where many goroutines waiting at one place is unusual (a send, a lock), as opposed to
#: receivers and selects, which is also how healthy worker pools wait for work.
CROWD_IS_EVIDENCE = frozenset(
    {
        Kind.CHAN_SEND,
        Kind.NIL_CHAN,
        Kind.MUTEX,
        Kind.RWMUTEX,
        Kind.WAITGROUP,
        Kind.COND,
        Kind.SEMAPHORE,
    }
)

WAIT_REASONS: dict[str, Kind] = {
    # channels and select
    "chan send": Kind.CHAN_SEND,
    "chan receive": Kind.CHAN_RECEIVE,
    "chan send (nil chan)": Kind.NIL_CHAN,
    "chan receive (nil chan)": Kind.NIL_CHAN,
    "select": Kind.SELECT,
    "select (no cases)": Kind.SELECT_NO_CASES,
    "chan send (durable)": Kind.CHAN_SEND,
    "chan receive (durable)": Kind.CHAN_RECEIVE,
    "select (durable)": Kind.SELECT,
    "chan send (synctest)": Kind.CHAN_SEND,
    "chan receive (synctest)": Kind.CHAN_RECEIVE,
    "select (synctest)": Kind.SELECT,
    # sync
    "sync.Mutex.Lock": Kind.MUTEX,
    "sync.RWMutex.RLock": Kind.RWMUTEX,
    "sync.RWMutex.Lock": Kind.RWMUTEX,
    "sync.WaitGroup.Wait": Kind.WAITGROUP,
    "sync.WaitGroup.Wait (durable)": Kind.WAITGROUP,
    "sync.Cond.Wait": Kind.COND,
    "semacquire": Kind.SEMAPHORE,  # before Go 1.20 every sync wait read "semacquire"
    # I/O, time and system calls
    "IO wait": Kind.NETWORK_IO,
    "sleep": Kind.SLEEP,
    "timer goroutine (idle)": Kind.SLEEP,
    "syscall": Kind.SYSCALL,
    # goroutine statuses printed in place of a wait reason
    "running": Kind.RUNNING,
    "runnable": Kind.RUNNABLE,
    "preempted": Kind.RUNNABLE,
    "copystack": Kind.RUNNING,
    "waiting": Kind.UNKNOWN,
    "idle": Kind.RUNTIME,
    "dead": Kind.RUNTIME,
    # the runtime's own machinery
    "GC assist marking": Kind.RUNTIME,
    "GC assist wait": Kind.RUNTIME,
    "GC sweep wait": Kind.RUNTIME,
    "GC scavenge wait": Kind.RUNTIME,
    "GC worker (idle)": Kind.RUNTIME,
    "GC worker (active)": Kind.RUNTIME,
    "GC mark termination": Kind.RUNTIME,
    "GC weak to strong wait": Kind.RUNTIME,
    "GOMAXPROCS updater (idle)": Kind.RUNTIME,
    "garbage collection": Kind.RUNTIME,
    "garbage collection scan": Kind.RUNTIME,
    "wait for GC cycle": Kind.RUNTIME,
    "finalizer wait": Kind.RUNTIME,
    "cleanup wait": Kind.RUNTIME,
    "force gc (idle)": Kind.RUNTIME,
    "dumping heap": Kind.RUNTIME,
    "panicwait": Kind.RUNTIME,
    "trace reader (blocked)": Kind.RUNTIME,
    "trace goroutine status": Kind.RUNTIME,
    "trace proc status": Kind.RUNTIME,
    "page trace flush": Kind.RUNTIME,
    "debug call": Kind.RUNTIME,
    "stopping the world": Kind.RUNTIME,
    "flushing proc caches": Kind.RUNTIME,
    "coroutine": Kind.RUNTIME,
    "synctest.Run": Kind.RUNTIME,
    "synctest.Wait": Kind.RUNTIME,
}

#: Frames on top of a stack that say how it blocks, for formats without wait reasons and to
#: refine "semacquire". Matched as exact function names; the first match from the top wins.
FRAME_KINDS: dict[str, Kind] = {
    "runtime.chansend": Kind.CHAN_SEND,
    "runtime.chansend1": Kind.CHAN_SEND,
    "runtime.chanrecv": Kind.CHAN_RECEIVE,
    "runtime.chanrecv1": Kind.CHAN_RECEIVE,
    "runtime.chanrecv2": Kind.CHAN_RECEIVE,
    "runtime.selectgo": Kind.SELECT,
    "runtime.block": Kind.SELECT_NO_CASES,
    "sync.runtime_SemacquireMutex": Kind.MUTEX,
    "internal/sync.runtime_SemacquireMutex": Kind.MUTEX,
    "sync.(*Mutex).Lock": Kind.MUTEX,
    "sync.(*RWMutex).Lock": Kind.RWMUTEX,
    "sync.(*RWMutex).RLock": Kind.RWMUTEX,
    "sync.runtime_SemacquireRWMutex": Kind.RWMUTEX,
    "sync.runtime_SemacquireRWMutexR": Kind.RWMUTEX,
    "sync.runtime_SemacquireWaitGroup": Kind.WAITGROUP,
    "sync.(*WaitGroup).Wait": Kind.WAITGROUP,
    "sync.runtime_notifyListWait": Kind.COND,
    "sync.(*Cond).Wait": Kind.COND,
    "sync.runtime_Semacquire": Kind.SEMAPHORE,
    "internal/poll.runtime_pollWait": Kind.NETWORK_IO,
    "time.Sleep": Kind.SLEEP,
    "runtime.timeSleep": Kind.SLEEP,
    "syscall.Syscall": Kind.SYSCALL,
    "syscall.Syscall6": Kind.SYSCALL,
    "syscall.RawSyscall": Kind.SYSCALL,
    "internal/runtime/syscall.Syscall6": Kind.SYSCALL,
    "runtime.gcBgMarkWorker": Kind.RUNTIME,
    "runtime.bgsweep": Kind.RUNTIME,
    "runtime.bgscavenge": Kind.RUNTIME,
    "runtime.forcegchelper": Kind.RUNTIME,
    "runtime.runfinq": Kind.RUNTIME,
    "runtime.runCleanups": Kind.RUNTIME,
}

#: Sync kinds that the generic "semacquire" wait reason can be refined to from the frames.
SEMACQUIRE_REFINES = frozenset({Kind.MUTEX, Kind.RWMUTEX, Kind.WAITGROUP, Kind.COND})


def kind_of_reason(reason: str) -> Kind:
    """The kind for a wait reason; unknown reasons (a future release's) map to UNKNOWN."""
    return WAIT_REASONS.get(reason, Kind.UNKNOWN)
