"""How and where one goroutine blocks.

The runtime frames on top of a blocked stack say how it blocks; the first frame below the
runtime and standard-library plumbing says where, in the user's own code: the blocking site.
Goroutines inside ``net/http`` connection handling get a phase (reading a request, idle between
keep-alive requests, writing a response), since a phase that waits on the client points at a
missing server timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.wait_reasons import (
    FRAME_KINDS,
    SEMACQUIRE_REFINES,
    Kind,
    kind_of_reason,
)
from gotriage.model import Frame, Goroutine

# First path elements of the standard library's import paths (Go 1.13 to 1.27). A package whose
# first element is one of these is plumbing, not the user's code.
STD_ROOTS = frozenset(
    {
        "archive",
        "arena",
        "bufio",
        "builtin",
        "bytes",
        "cmp",
        "compress",
        "container",
        "context",
        "crypto",
        "database",
        "debug",
        "embed",
        "encoding",
        "errors",
        "expvar",
        "flag",
        "fmt",
        "go",
        "hash",
        "html",
        "image",
        "index",
        "internal",
        "io",
        "iter",
        "log",
        "maps",
        "math",
        "mime",
        "net",
        "os",
        "path",
        "plugin",
        "reflect",
        "regexp",
        "runtime",
        "slices",
        "sort",
        "strconv",
        "strings",
        "structs",
        "sync",
        "syscall",
        "testing",
        "text",
        "time",
        "unicode",
        "unique",
        "unsafe",
        "vendor",
        "weak",
    }
)

# net/http connection phases. The ones that wait on the client are what server timeouts bound.
PHASE_READING = "reading request"
PHASE_IDLE = "idle keep-alive"
PHASE_WRITING = "writing response"
PHASE_HANDLER = "in handler"
PHASE_TLS = "TLS handshake"
WAITS_ON_CLIENT = frozenset({PHASE_READING, PHASE_IDLE, PHASE_WRITING, PHASE_TLS})

ACCEPT_LOOP = "accept loop"
_RESPONSE_WRITERS = ("net/http.(*response).", "net/http.(*chunkWriter).", "net/http.check")
PACKAGE_LEVEL_SERVE = frozenset(
    {
        "net/http.ListenAndServe",
        "net/http.ListenAndServeTLS",
        "net/http.Serve",
        "net/http.ServeTLS",
    }
)


def is_std(function: str) -> bool:
    """True for functions of the Go standard library (and the runtime)."""
    slash = function.find("/")
    dot = function.find(".")
    if slash < 0 or (0 <= dot < slash):
        root = function[:dot] if dot >= 0 else function
    else:
        root = function[:slash]
    return root in STD_ROOTS


@dataclass(frozen=True, slots=True)
class Blocking:
    """How a goroutine blocks (``kind``), where (``site``), and its net/http role if any."""

    kind: Kind
    site: Frame | None
    http_phase: str | None = None
    serve_is_package_level: bool = False


def user_frame(frames: tuple[Frame, ...]) -> Frame | None:
    for frame in frames:
        if not is_std(frame.function):
            return frame
    return None


def _kind_from_frames(frames: tuple[Frame, ...]) -> Kind:
    """The first telling frame from the top; a bare semaphore is refined by the sync frame
    above the user's code (``sync.runtime_Semacquire`` under ``sync.(*WaitGroup).Wait``)."""
    found = Kind.UNKNOWN
    for frame in frames:
        if not is_std(frame.function):
            break
        kind = FRAME_KINDS.get(frame.function)
        if kind is None:
            continue
        if found is Kind.UNKNOWN:
            found = kind
        elif found is Kind.SEMAPHORE and kind in SEMACQUIRE_REFINES:
            return kind
        if found is not Kind.SEMAPHORE:
            return found
    return found


def _refine_io(kind: Kind, frames: tuple[Frame, ...]) -> Kind:
    """IO wait on an os.File (a pipe, a FIFO) or a syscall inside os.File is file I/O."""
    if kind in (Kind.NETWORK_IO, Kind.SYSCALL):
        for frame in frames[:12]:
            if frame.function.startswith(("os.(*File).", "os.ReadFile", "os.WriteFile")):
                return Kind.FILE_IO
    return kind


def http_phase(frames: tuple[Frame, ...]) -> tuple[str | None, bool]:
    """The net/http role of a stack, and whether it was started with a package-level helper."""
    functions = [frame.function for frame in frames]
    names = set(functions)
    if "net/http.(*Server).Serve" in names and any("Accept" in f for f in functions[:12]):
        return ACCEPT_LOOP, bool(names & PACKAGE_LEVEL_SERVE)
    if "net/http.(*conn).serve" not in names:
        return None, False
    # A handler stuck writing to a client that does not read waits on the client too.
    for function in functions:
        if not is_std(function):
            break
        if function.startswith(_RESPONSE_WRITERS):
            return PHASE_WRITING, False
    if "net/http.serverHandler.ServeHTTP" in names:
        return PHASE_HANDLER, False
    if "crypto/tls.(*Conn).HandshakeContext" in names or "crypto/tls.(*Conn).Handshake" in names:
        return PHASE_TLS, False
    if "net/http.(*conn).readRequest" in names:
        return PHASE_READING, False
    if any(f.startswith(_RESPONSE_WRITERS) for f in functions):
        return PHASE_WRITING, False
    serve_at = functions.index("net/http.(*conn).serve")
    if serve_at > 0 and functions[serve_at - 1] == "bufio.(*Reader).Peek":
        return PHASE_IDLE, False
    return "connection", False


def classify(goroutine: Goroutine) -> Blocking:
    frames = goroutine.frames
    kind = kind_of_reason(goroutine.state) if goroutine.state else Kind.UNKNOWN
    if kind in (Kind.UNKNOWN, Kind.SEMAPHORE):
        from_frames = _kind_from_frames(frames)
        if kind is Kind.UNKNOWN or from_frames in SEMACQUIRE_REFINES:
            kind = from_frames if from_frames is not Kind.UNKNOWN else kind
    kind = _refine_io(kind, frames)
    phase, package_level = http_phase(frames)
    return Blocking(kind, user_frame(frames), phase, package_level)
