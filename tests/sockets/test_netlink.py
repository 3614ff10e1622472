"""The sock_diag decoder on crafted messages, and the fall back to /proc when netlink is refused."""

import errno
import socket
import struct
import sys

import pytest

from gotriage.sockets import live, netlink


def message(kind: int, body: bytes) -> bytes:
    return struct.pack("=IHHII", 16 + len(body), kind, 2, 1, 0) + body


def diag(state: int, sport: int, dport: int, rqueue: int, wqueue: int, info: bytes = b"") -> bytes:
    src = socket.inet_pton(socket.AF_INET, "127.0.0.1") + bytes(12)
    body = struct.pack(
        "=BBBB2s2s16s16sI8sIIIII",
        socket.AF_INET, state, 0, 0, sport.to_bytes(2, "big"), dport.to_bytes(2, "big"),
        src, src, 0, bytes(8), 0, rqueue, wqueue, 1000, 4242,
    )  # fmt: skip
    if info:
        body += struct.pack("=HH", 4 + len(info), netlink.INET_DIAG_INFO) + info
        body += bytes(-len(body) % 4)
    return message(netlink.SOCK_DIAG_BY_FAMILY, body)


def tcp_info(last_sent: int, last_recv: int, rtt_us: int) -> bytes:
    info = bytearray(104)
    info[2] = 3  # retransmits
    struct.pack_into("=I", info, 24, 7)  # unacked
    struct.pack_into("=IIII", info, 44, last_sent, 0, last_recv, 5)
    struct.pack_into("=I", info, 68, rtt_us)
    struct.pack_into("=I", info, 100, 9)  # total_retrans
    return bytes(info)


def test_decodes_queues_state_and_tcp_info():
    data = diag(10, 8080, 0, 3, 128) + diag(1, 8080, 5000, 100, 0, tcp_info(1500, 2500, 250))
    out: list = []
    assert netlink._decode(data + message(netlink.NLMSG_DONE, b"\0" * 4), out) is True
    listen, estab = out
    assert (listen.state, listen.recv_q, listen.send_q, listen.info) == ("LISTEN", 3, 128, None)
    assert (estab.local, estab.remote, estab.inode, estab.uid) == (
        "127.0.0.1:8080",
        "127.0.0.1:5000",
        4242,
        1000,
    )
    info = estab.info
    assert (info.last_data_sent_ms, info.last_data_recv_ms, info.last_ack_recv_ms) == (
        1500,
        2500,
        5,
    )
    assert (info.retransmits, info.unacked, info.total_retrans, info.rtt_ms) == (3, 7, 9, 0.25)


def test_an_error_message_is_netlink_unavailable():
    with pytest.raises(netlink.NetlinkUnavailable) as raised:
        netlink._decode(message(netlink.NLMSG_ERROR, struct.pack("=i", -errno.EPERM)), [])
    assert raised.value.errno == errno.EPERM


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/net/tcp is Linux")
def test_refused_netlink_falls_back_to_proc_and_says_what_is_missing(monkeypatch):
    def refused():
        raise netlink.NetlinkUnavailable(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(netlink, "read_all", refused)
    table = live.snapshot()
    assert table.format == "proc"
    assert any("netlink not usable" in n for n in table.notes)
    assert any(m.startswith("tcp_info") for m in table.missing)
