import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from gotriage.probe.sizes import search


def run_search(limit, cap, **kw):
    tried = []

    async def attempt(size):
        tried.append(size)
        return size <= limit

    return asyncio.run(search(attempt, start=16 << 10, cap=cap, **kw)), tried


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=1 << 26), st.integers(min_value=1 << 10, max_value=1 << 27)
)
def test_absolute_precision(limit, cap):
    result, tried = run_search(limit, cap, absolute=1024)
    if limit >= cap:
        assert result.hi is None and result.lo == cap
    else:
        assert result.lo <= limit < result.hi
        assert result.hi - result.lo <= 1024
    assert result.attempts == len(tried) <= 64


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=1 << 26))
def test_relative_precision(limit):
    result, _ = run_search(limit, 64 << 20, relative=0.10)
    if limit >= 64 << 20:
        assert result.hi is None
        return
    assert result.lo <= limit < result.hi
    assert result.hi - result.lo <= max(1, result.lo * 0.10)


def test_stops_at_the_first_error():
    async def attempt(size):
        return "target gone" if size > 20000 else True

    result = asyncio.run(search(attempt, start=16 << 10, cap=1 << 20, absolute=1024))
    assert result.error == "target gone"
    assert result.lo == 16 << 10
