"""Discovery files as Prometheus reads them, and the targets they name."""

from __future__ import annotations

import contextlib
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.watch.targets import Target, TargetFiles, merge, normalise, parse_target_file

JSON_FILE = json.dumps(
    [
        {"targets": ["127.0.0.1:6060", "10.0.0.2:6060"], "labels": {"service": "shop"}},
        {"targets": ["http://127.0.0.1:7070/debug/pprof/"]},
    ]
).encode()

YAML_FILE = b"""\
- targets: ['127.0.0.1:6060']
  labels:
    service: shop
    env: prod
"""


@pytest.mark.parametrize(
    ("written", "url"),
    [
        ("127.0.0.1:6060", "http://127.0.0.1:6060/debug/pprof/"),
        ("http://127.0.0.1:6060", "http://127.0.0.1:6060/debug/pprof/"),
        ("http://127.0.0.1:6060/debug/pprof/", "http://127.0.0.1:6060/debug/pprof/"),
        ("http://127.0.0.1:6060/debug/pprof/goroutine", "http://127.0.0.1:6060/debug/pprof/"),
        ("https://[::1]:6060/x", "https://[::1]:6060/x/debug/pprof/"),
    ],
)
def test_normalise(written, url):
    assert normalise(written) == url


def test_json_and_yaml():
    targets = parse_target_file(JSON_FILE, "sd.json")
    assert [t.url for t in targets] == [
        "http://127.0.0.1:6060/debug/pprof/",
        "http://10.0.0.2:6060/debug/pprof/",
        "http://127.0.0.1:7070/debug/pprof/",
    ]
    assert targets[0].label_dict == {"service": "shop"}
    (yaml_target,) = parse_target_file(YAML_FILE, "sd.yml")
    assert yaml_target.label_dict == {"env": "prod", "service": "shop"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[{", "invalid JSON"),
        (b"- targets: [\n", "invalid YAML"),
        (b'{"targets": []}', "a list of"),
        (b"[5]", "group 1 is not a mapping"),
        (b'[{"targets": "127.0.0.1:1"}]', "targets must be a list"),
        (b'[{"targets": [], "labels": {"a": 1}}]', "labels must map"),
        (b'[{"targets": [], "labels": {"__meta": "x"}}]', "invalid label name"),
        (b'[{"targets": [], "labels": {"a-b": "x"}}]', "invalid label name"),
    ],
)
def test_bad_files_name_the_file(data, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_target_file(data, "sd.json")
    assert "sd.json" in str(caught.value)


def test_merge_keeps_the_first_of_each_url():
    a, b = Target("u", (("x", "1"),)), Target("u", (("x", "2"),))
    assert merge([a, b, Target("v")]) == [a, Target("v")]


def test_files_are_reread_when_they_change(tmp_path):
    path = tmp_path / "sd.json"
    path.write_bytes(JSON_FILE)
    files = TargetFiles([path])
    first, problems = files.load(strict=True)
    assert len(first) == 3 and not problems
    path.write_text(json.dumps([{"targets": ["127.0.0.1:9"]}]))
    os.utime(path, (1, 1))
    second, _ = files.load(strict=False)
    assert [t.url for t in second] == ["http://127.0.0.1:9/debug/pprof/"]
    # A file broken later keeps its last good targets, with the problem said.
    path.write_text("[{")
    os.utime(path, (2, 2))
    third, problems = files.load(strict=False)
    assert third == second and "invalid JSON" in problems[0]


def test_missing_file_at_start_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"sd\.json"):
        TargetFiles([tmp_path / "sd.json"]).load(strict=True)


@given(st.binary(max_size=300))
def test_any_bytes_are_targets_or_input_error(data):
    with contextlib.suppress(InputError):
        parse_target_file(data, "f")
