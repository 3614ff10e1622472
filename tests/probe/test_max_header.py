from hypothesis import given
from hypothesis import strategies as st

from gotriage.probe.conn import Session
from gotriage.probe.max_header import one_line_head, request_head
from gotriage.probe.target import Target

SESSION = Session(
    Target("http://127.0.0.1:8080/", "http", "127.0.0.1", 8080, "/", "127.0.0.1"), None
)
SMALLEST = len(request_head(SESSION, 0))


@given(st.integers(min_value=SMALLEST + 64, max_value=8 << 20))
def test_request_head_has_the_asked_size(size):
    head = request_head(SESSION, size)
    assert len(head) == size
    assert head.endswith(b"\r\n\r\n") and head.count(b"\r\n\r\n") == 1
    lines = head.split(b"\r\n")
    assert len(lines) < 200  # within Go's default cap of 500 header values
    # lines of a few KiB; the last may take the few bytes too short for a line of their own
    assert all(len(line) <= max(4000, size // 190 + 1) + 32 for line in lines)


@given(
    st.integers(min_value=SMALLEST + 64, max_value=1 << 20),
    st.integers(min_value=256, max_value=8000),
)
def test_request_head_keeps_every_line_under_a_per_line_limit(size, longest):
    head = request_head(SESSION, size, longest)
    assert len(head) == size
    assert head.endswith(b"\r\n\r\n") and head.count(b"\r\n\r\n") == 1
    pads = [line for line in head.split(b"\r\n") if line.startswith(b"X-Gotriage-Pad")]
    # the last line may take the few bytes too short for a line of their own
    assert all(len(line) + 2 <= longest for line in pads[:-1])
    assert all(len(line) + 2 <= longest + 40 for line in pads[-1:])


@given(st.integers(min_value=40, max_value=64 << 10))
def test_one_line_head_has_one_pad_line_of_the_asked_size(line):
    head = one_line_head(SESSION, line)
    (pad,) = [x for x in head.split(b"\r\n") if x.startswith(b"X-Gotriage-Pad")]
    assert len(pad) + 2 == line
