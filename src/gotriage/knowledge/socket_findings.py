"""What each `gotriage sockets` finding means, why it happens to Go services, and how it is
fixed; and the thresholds the findings use by default. Facts as data, quoted by the findings and
the README."""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.server_timeouts import server_snippet


@dataclass(frozen=True, slots=True)
class SocketFindingText:
    id: str
    title: str
    explanation: str
    fix: str


# Defaults of the command-line thresholds.
IDLE_SECONDS = 30.0  # slow-clients: no data either way for this long
SLOW_CLIENTS_MIN = 10  # slow-clients: this many connections on one port
STALE_SECONDS = 5.0  # zombie/close-wait from one snapshot: unread data or FIN this old
TIME_WAIT_MIN = 1000  # time-wait-storm: TIME-WAIT on one port or towards one upstream
CLOSE_WAIT_MIN = 10  # close-wait-pile: CLOSE-WAIT on one port or towards one upstream
PORT_RANGE_HIGH = 0.5  # share of ip_local_port_range in use towards one upstream: high
MANY = 10  # a count this many times the minimum makes a finding high

FINDINGS: dict[str, SocketFindingText] = {
    t.id: t
    for t in (
        SocketFindingText(
            "zombie-connections",
            "server connections with data the server never reads",
            "Bytes sit in Recv-Q of server-side ESTABLISHED connections across samples: the "
            "kernel received them, the process does not read them. In a Go server that is a "
            "handler stuck before it reads the request body (waiting on a lock, a channel, a "
            "downstream call without a deadline), or a connection goroutine that is not "
            "scheduled at all. Each such connection keeps a goroutine, its buffers and a file "
            "descriptor.",
            "Find where the handlers block (`gotriage goroutines` on the live /debug/pprof/ "
            "URL, or `--goroutines` here) and give that wait a deadline: pass r.Context() down, "
            "use context.WithTimeout around downstream calls, and bound the handler with "
            "http.TimeoutHandler or ReadTimeout/WriteTimeout on the http.Server.",
        ),
        SocketFindingText(
            "slow-clients",
            "server connections idle for a long time, held open by the server",
            "Many server-side connections have carried no data either way for longer than the "
            "threshold. Clients that connect and say nothing (slowloris, port scanners, broken "
            "NAT) or keep-alive clients that went away are held as long as the server lets "
            "them: a Go http.Server without ReadHeaderTimeout waits for a request header "
            "forever, and without IdleTimeout (or ReadTimeout) an idle keep-alive connection "
            "is kept forever. Each holds a goroutine and a file descriptor until the process "
            "runs out of them.",
            "Set the server's timeouts: "
            + server_snippet("ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout")
            + ". Never serve with http.ListenAndServe/http.Serve, which cannot have them.",
        ),
        SocketFindingText(
            "time-wait-storm",
            "TIME-WAIT sockets by the thousand",
            "The side that closes a TCP connection first keeps it in TIME-WAIT for 60 s on "
            "Linux. On the server side (the local port is a LISTEN port) the server closes "
            "first: IdleTimeout shorter than the clients' keep-alive, responses with "
            "`Connection: close`, SetKeepAlivesEnabled(false). On the client side towards one "
            "upstream, a Go http.Client is not reusing connections: response bodies not read "
            "to the end and closed, MaxIdleConnsPerHost left at 2 under concurrency, a new "
            "http.Transport per request, DisableKeepAlives. Every client-side TIME-WAIT holds "
            "an ephemeral port towards that upstream; when ip_local_port_range is used up, "
            "connect() fails with EADDRNOTAVAIL.",
            "Server side: keep IdleTimeout longer than the clients' idle keep-alive (Go's "
            "http.Transport keeps idle connections 90 s) and do not send Connection: close. "
            "Client side: always `io.Copy(io.Discard, resp.Body); resp.Body.Close()`, share one "
            "http.Client/Transport, and raise MaxIdleConnsPerHost to the concurrency you use "
            "(`&http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100, IdleConnTimeout: "
            "90 * time.Second}`). net.ipv4.tcp_tw_reuse=1 lets outgoing connections reuse "
            "TIME-WAIT ports; it is no cure for a client that does not reuse connections.",
        ),
        SocketFindingText(
            "close-wait-pile",
            "CLOSE-WAIT sockets that persist: the process never closes its side",
            "CLOSE-WAIT means the peer has closed and this process has not called close(). It "
            "is never the kernel's doing: the connection stays until the process closes it. In "
            "Go: an http.Response whose Body is never closed (the client's connection to a "
            "server that closed it stays in CLOSE-WAIT), a net.Conn dropped without Close, or a "
            "goroutine that owns the connection and is blocked elsewhere.",
            "Close every response body on every path (`defer resp.Body.Close()` right after "
            "the error check) and every net.Conn you accept or dial; look for the goroutines "
            "that still own these connections (`--goroutines`).",
        ),
        SocketFindingText(
            "accept-queue-overflow",
            "a listener's accept queue is full, or the kernel drops connections at it",
            "On a LISTEN socket ss shows the accept queue's length as Recv-Q and its backlog "
            "as Send-Q. When the queue is at its backlog the kernel drops new handshakes and "
            "counts them in ListenOverflows and ListenDrops (/proc/net/netstat): clients see "
            "connect timeouts and retransmitted SYNs. The process is not calling accept() fast "
            "enough: an accept loop blocked (a limiting listener at its cap, a mutex), CPU "
            "starvation or GC pressure, or a backlog smaller than bursts (Go listens with "
            "net.core.somaxconn).",
            "Find why accept() is slow: the accept loop's goroutine (`--goroutines`), CPU "
            "(`go tool pprof`). Raise net.core.somaxconn (and tcp_max_syn_backlog) for bursty "
            "traffic; a limiting listener (netutil.LimitListener) should be sized with the "
            "server's timeouts so its slots free up.",
        ),
    )
}
