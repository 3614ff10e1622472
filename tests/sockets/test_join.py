"""The sockets view joined with a real goroutine dump of the sockstates fixture (mode silent:
five clients that connect and say nothing to a server without ReadHeaderTimeout)."""

from pathlib import Path

from gotriage.cli.goroutines import load
from gotriage.goroutines.source import SourceLookup
from gotriage.goroutines.suspects import Settings as GoroutineSettings
from gotriage.sockets.analyse import Settings, analyse
from gotriage.sockets.join import join
from gotriage.sockets.model import Socket, SocketTable, TcpInfo

DUMP = Path(__file__).parent / "dumps" / "silent_debug2.txt"


def test_idle_connections_joined_with_goroutines_reading_a_request():
    idle = TcpInfo(last_data_recv_ms=90_000, last_data_sent_ms=90_000)
    sockets = [Socket("LISTEN", "127.0.0.1", 8080, "0.0.0.0", 0, 0, 4096)]
    sockets += [
        Socket("ESTAB", "127.0.0.1", 8080, "127.0.0.1", 50000 + i, 0, 0, info=idle)
        for i in range(5)
    ]
    result = analyse([SocketTable("t", "ss", sockets=sockets)], Settings(slow_clients_min=5))
    goroutines = load(str(DUMP), GoroutineSettings(), SourceLookup(()), timeout=5, quiet=True)
    view = join(result, goroutines)
    assert view.phases["reading request"] == 5
    (finding,) = result.findings
    assert finding.goroutines == (
        "5 idle server connections, 5 connection goroutines reading a request: slow clients held "
        "by a server without ReadHeaderTimeout"
    )
