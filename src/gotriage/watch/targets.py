"""Targets to watch: URLs from the command line and Prometheus file-based discovery files.

A discovery file (JSON or YAML, as Prometheus's ``file_sd_configs`` reads it) is a list of
groups, each ``{"targets": [...], "labels": {...}}``. A target here is a ``/debug/pprof/`` base
URL (``host:port`` alone means ``http://host:port/debug/pprof/``). Parsing is free of I/O;
:class:`TargetFiles` re-reads the files when their modification time changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gotriage import fetch
from gotriage.errors import InputError

#: Prometheus label names: what a discovery file may use, and what survives into metrics.
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_LABELS = 16
MAX_TARGET_FILE_BYTES = 4 << 20


@dataclass(frozen=True)
class Target:
    url: str  # the /debug/pprof/ base URL
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


def normalise(target: str) -> str:
    """The ``/debug/pprof/`` base URL for what a user or a discovery file wrote."""
    if not fetch.is_url(target):
        target = "http://" + target
    return fetch.pprof_url(target, "")


def parse_target_file(data: bytes, source: str = "") -> list[Target]:
    """Targets of one discovery file's bytes; InputError naming the file for anything else."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source=source) from None
    groups = _load(text, source)
    if not isinstance(groups, list):
        raise InputError("a discovery file is a list of {targets, labels} groups", source=source)
    found: list[Target] = []
    for number, group in enumerate(groups, 1):
        if not isinstance(group, dict):
            raise InputError(f"group {number} is not a mapping", source=source)
        targets = group.get("targets", [])
        labels = group.get("labels") or {}
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise InputError(f"group {number}: targets must be a list of strings", source=source)
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
        ):
            raise InputError(f"group {number}: labels must map strings to strings", source=source)
        bad = [name for name in labels if not LABEL_NAME.match(name) or name.startswith("__")]
        if bad:
            raise InputError(f"group {number}: invalid label name {bad[0]!r}", source=source)
        pairs = tuple(sorted(labels.items()))
        found.extend(Target(normalise(t), pairs) for t in targets)
    return found


def _load(text: str, source: str) -> object:
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", source=source, line=exc.lineno) from None
    import yaml  # only discovery files in YAML need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", exc)
        raise InputError(f"invalid YAML: {problem}", source=source, line=line) from None


def merge(targets: Iterable[Target]) -> list[Target]:
    """One target per URL (the first seen wins), in a stable order."""
    seen: dict[str, Target] = {}
    for target in targets:
        seen.setdefault(target.url, target)
    return list(seen.values())


@dataclass
class TargetFiles:
    """Discovery files, re-read when they change; a file that breaks keeps its last targets."""

    paths: Sequence[Path]
    _seen: dict[Path, tuple[float, int, list[Target]]] = field(default_factory=dict)

    def load(self, *, strict: bool) -> tuple[list[Target], list[str]]:
        """Current targets and problems. ``strict`` (the first load) raises on any problem."""
        targets: list[Target] = []
        problems: list[str] = []
        for path in self.paths:
            try:
                info = path.stat()
                key = (info.st_mtime, info.st_size)
                cached = self._seen.get(path)
                if cached is None or cached[:2] != key:
                    if info.st_size > MAX_TARGET_FILE_BYTES:
                        raise InputError("larger than 4 MiB", source=str(path))
                    found = parse_target_file(path.read_bytes(), str(path))
                    self._seen[path] = (*key, found)
                targets.extend(self._seen[path][2])
            except (OSError, InputError) as exc:
                message = str(exc) if isinstance(exc, InputError) else f"{path}: {exc.strerror}"
                if strict:
                    raise InputError(message) from None
                problems.append(message)
                if path in self._seen:
                    targets.extend(self._seen[path][2])
        return targets, problems
