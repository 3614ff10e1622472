"""The category rules (knowledge/cpu_categories.py), one stack per line: leaf first."""

from __future__ import annotations

import pytest

from gotriage.cpu.categorise import Categoriser
from gotriage.knowledge.cpu_categories import CATEGORY_NAMES, RULES, is_user_function
from gotriage.model import Frame

CASES = [
    # GC: mark workers, whatever the leaf (Go 1.27 and earlier releases)
    ("runtime.scanObjectSmall runtime.gcDrain runtime.gcBgMarkWorker runtime.goexit", "gc"),
    ("runtime.scanobject runtime.gcDrain runtime.gcBgMarkWorker", "gc"),
    (
        "runtime.tryDeferToSpanScan runtime.gcDrainN runtime.gcAssistAlloc1 runtime.systemstack "
        "runtime.gcAssistAlloc runtime.mallocgc runtime.newobject main.buildReport",
        "gc",
    ),
    ("runtime.(*sweepLocked).sweep runtime.sweepone runtime.bgsweep", "gc"),
    ("runtime._GC", "gc"),
    # allocating while the GC marks: the new object is marked at once, charged to the GC
    ("runtime.(*mspan).base runtime.gcmarknewobject runtime.mallocgc main.buildReport", "gc"),
    # allocation outside GC work
    (
        "runtime.memclrNoHeapPointers runtime.mallocgcSmallScanNoHeader runtime.mallocgc "
        "runtime.newobject main.buildReport",
        "alloc",
    ),
    (
        "runtime.lock2 runtime.(*mheap).alloc runtime.(*mcentral).grow runtime.mallocgc main.f",
        "alloc",
    ),
    # network: sockets and the netpoller own the system calls beneath them
    (
        "internal/runtime/syscall/linux.Syscall6 syscall.Syscall syscall.read "
        "internal/poll.ignoringEINTRIO internal/poll.(*FD).Read net.(*netFD).Read "
        "net.(*conn).Read net/http.(*connReader).Read bufio.(*Reader).fill "
        "net/http.(*conn).readRequest net/http.(*conn).serve",
        "network",
    ),
    (
        "internal/runtime/syscall/linux.Syscall6 syscall.accept4 internal/poll.accept "
        "internal/poll.(*FD).Accept net.(*netFD).accept net.(*TCPListener).accept "
        "net/http.(*Server).Serve",
        "network",
    ),
    (
        "runtime.epollwait runtime.netpoll runtime.findRunnable runtime.schedule runtime.park_m "
        "runtime.mcall",
        "network",
    ),
    (
        "net/textproto.readMIMEHeader net/http.readRequest net/http.(*conn).readRequest "
        "net/http.(*conn).serve",
        "network",
    ),
    # a handler under conn.serve is the user's
    (
        "strings.Repeat main.handler net/http.HandlerFunc.ServeHTTP "
        "net/http.serverHandler.ServeHTTP net/http.(*conn).serve",
        "user",
    ),
    # other system calls: files, pipes
    (
        "internal/runtime/syscall/linux.Syscall6 syscall.Syscall syscall.write "
        "internal/poll.ignoringEINTRIO internal/poll.(*FD).Write os.(*File).Write "
        "log.(*Logger).output",
        "syscall",
    ),
    # scheduler: channel hand-offs, parking, stealing
    (
        "runtime.futex runtime.futexwakeup runtime.notewakeup runtime.startm runtime.wakep "
        "runtime.ready runtime.goready runtime.send runtime.chansend runtime.chansend1 main.ping",
        "scheduler",
    ),
    (
        "runtime.stealWork runtime.findRunnable runtime.schedule runtime.park_m runtime.mcall",
        "scheduler",
    ),
    ("runtime.usleep runtime.sysmon runtime.mstart1 runtime.mstart", "scheduler"),
    # locks: sync slow paths own what is beneath them; runtime locks as the innermost anchor
    (
        "runtime.futex runtime.futexwakeup runtime.semrelease1 internal/sync.runtime_Semrelease "
        "internal/sync.(*Mutex).unlockSlow sync.(*Mutex).Unlock main.hammer",
        "locks",
    ),
    (
        "runtime.procyieldAsm internal/sync.runtime_doSpin internal/sync.(*Mutex).lockSlow "
        "sync.(*Mutex).Lock main.hammer",
        "locks",
    ),
    ("runtime.procyield runtime.lock2 runtime.lock runtime.chansend main.ping", "locks"),
    ("runtime._LostContendedRuntimeLock", "locks"),
    # user code, including the runtime helpers it calls directly
    ("main.crunchNumbers main.main.func2", "user"),
    ("runtime.memmove main.copyRows", "user"),
    ("runtime.mapaccess2_faststr github.com/acme/shop/cart.(*Cart).Total", "user"),
    # the rest
    (
        "runtime.traceWriter.event runtime.traceLocker.GoPark runtime.gopark main.worker",
        "runtime-other",
    ),
    ("runtime._System", "runtime-other"),
    ("runtime.nanotime1", "runtime-other"),
    ("encoding/json.Marshal", "runtime-other"),
]


def _frames(text: str) -> tuple[Frame, ...]:
    return tuple(Frame(name, "/x.go", 1) for name in text.split())


@pytest.mark.parametrize(("stack", "category"), CASES)
def test_category(stack, category):
    assert Categoriser().category(_frames(stack)) == category


def test_every_category_is_reachable_and_every_rule_names_a_category():
    assert {category for _, category in CASES} == set(CATEGORY_NAMES)
    assert all(rule.category in CATEGORY_NAMES and rule.why for rule in RULES)


@pytest.mark.parametrize(
    ("function", "user"),
    [
        ("main.main", True),
        ("main.(*Server).handle.func1", True),
        ("github.com/acme/shop/cart.(*Cart).Total", True),
        ("gotriage.test/fixtures/internal/fixture.Start", True),
        ("net/http.(*conn).serve", False),
        ("runtime.mallocgc", False),
        ("vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", False),
        ("internal/poll.(*FD).Read", False),
    ],
)
def test_user_function(function, user):
    assert is_user_function(function) is user


def test_user_call_site_is_the_innermost_user_frame():
    frames = _frames("runtime.mallocgc main.inner main.outer")
    user = Categoriser().user_frame(frames)
    assert user is not None and user.function == "main.inner"
