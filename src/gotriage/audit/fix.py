"""``--fix``: add the missing timeouts to ``http.Server`` composite literals.

Only literals are rewritten (a server built field by field is left to its author), and only
fields that are absent: a field set to zero, or assigned later, is a decision to respect. The
values are starting points an operator can defend, not tuned numbers:

* ``ReadHeaderTimeout: 10 * time.Second`` when neither ReadHeaderTimeout nor ReadTimeout is
  set: generous for headers over a slow mobile link, short enough to shed slowloris clients;
* ``ReadTimeout: 30 * time.Second`` (or ReadHeaderTimeout's value if that is longer): the
  whole request including its body;
* ``WriteTimeout: 60 * time.Second``: the handler's response, from the end of the headers;
* ``IdleTimeout: 120 * time.Second``: keep-alive between requests, longer than the 60 s idle
  timeout of common load balancers so the balancer, not the server, closes first.

The rewrite is what gofmt prints: single-line literals stay on one line; in multi-line
literals the new fields form their own block after a blank line, aligned the way gofmt
aligns keyed elements. ``time`` is imported when the file does not import it yet. Inserted
lines end the way the file's lines do (CRLF files stay CRLF) and a byte order mark stays.

A server missing several timeouts is one finding (see
:class:`~gotriage.audit.shared.MissingServerTimeout`); it is resolved when every field it
lists is added, which is what the rewrite does for a literal.
"""

from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import FileContext
from gotriage.audit.registry import all_rules
from gotriage.audit.shared import HTTPValue, MissingServerTimeout, http_values
from gotriage.audit.syntax import line_of, text
from gotriage.audit.values import TIME_UNITS
from gotriage.knowledge.server_timeouts import RECOMMENDED_SECONDS

RECOMMENDED = tuple(RECOMMENDED_SECONDS.items())

Edit = tuple[int, int, bytes]  # start byte, end byte, replacement


def missing_timeouts(ctx: FileContext, server: HTTPValue) -> list[tuple[str, int]]:
    """(field, seconds) to add to ``server``."""
    fields = server.fields
    out: list[tuple[str, int]] = []
    header = ctx.value(fields["ReadHeaderTimeout"]) if "ReadHeaderTimeout" in fields else None
    for name, seconds in RECOMMENDED:
        if name in fields:
            continue
        if name == "ReadHeaderTimeout" and "ReadTimeout" in fields:
            continue  # ReadTimeout already bounds the headers
        if name == "ReadTimeout" and "ReadHeaderTimeout" in fields:
            if header is None:
                continue  # cannot tell whether 30s would undercut it
            seconds = max(seconds, -(-int(header) // TIME_UNITS["Second"]))
        out.append((name, seconds))
    return out


def fix_source(ctx: FileContext, root: Node) -> tuple[bytes | None, set[tuple[str, int]]]:
    """The file (``root`` is its syntax tree) with its servers' missing timeouts added (None if
    nothing to do), and the (rule, line) findings the rewrite resolves."""
    edits: list[Edit] = []
    resolved: set[tuple[str, int]] = set()
    time_name = next(iter(sorted(ctx.names_for("time"))), "")
    # A missing-timeout finding is resolved once one of the fields of each rule it stands for
    # is added; the rewrite adds every absent one, so the whole finding goes.
    resolvable = [r for r in all_rules() if issubclass(r, MissingServerTimeout)]
    for server in http_values(ctx, "Server"):
        if server.literal is None:
            continue
        additions = missing_timeouts(ctx, server)
        if not additions:
            continue
        edit = _literal_edit(ctx.source, server.literal, additions, time_name or "time")
        if edit is not None:
            edits.append(edit)
            added = {name for name, _ in additions}
            resolved.update(
                (rule.id, line_of(server.node)) for rule in resolvable if added & set(rule.any_of)
            )
    if not edits:
        return None, set()
    if not time_name:
        import_edit = _import_time(ctx.source, root)
        if import_edit is None:
            return None, set()
        edits.append(import_edit)
    source = ctx.source
    eol = b"\r\n" if source.count(b"\r\n") * 2 > source.count(b"\n") else b"\n"
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        source = source[:start] + replacement.replace(b"\n", eol) + source[end:]
    return source, resolved


def _line_end(source: bytes, position: int) -> int:
    """Where the line holding ``position`` ends: its ``\n``, or the ``\r`` of ``\r\n``;
    -1 on the last line without a newline."""
    end = source.find(b"\n", position)
    if end > 0 and source[end - 1 : end] == b"\r":
        return end - 1
    return end


def _literal_edit(
    source: bytes, literal: Node, additions: list[tuple[str, int]], time_name: str
) -> Edit | None:
    body = literal.child_by_field_name("body")
    if body is None:
        return None
    elements = [n for n in body.named_children if n.type != "comment"]
    values = [f"{seconds} * {time_name}.Second" for _, seconds in additions]
    if not elements or body.start_point[0] == body.end_point[0]:
        inline = ", ".join(
            f"{name}: {value}" for (name, _), value in zip(additions, values, strict=True)
        )
        if elements:
            end = elements[-1].end_byte
            return end, end, f", {inline}".encode()
        close = body.end_byte - 1  # the closing brace
        return close, close, inline.encode()
    last = elements[-1]
    if last.end_point[0] == body.end_point[0]:
        return None  # closing brace on the last element's line: not gofmt's layout
    first_line_start = source.rfind(b"\n", 0, elements[0].start_byte) + 1
    indent = source[first_line_start : elements[0].start_byte].decode()
    if indent.strip():
        return None  # first element shares a line with something else
    width = max(len(name) for name, _ in additions) + 1
    lines = [
        f"{indent}{(name + ':').ljust(width)} {value},"
        for (name, _), value in zip(additions, values, strict=True)
    ]
    line_end = _line_end(source, last.end_byte)
    if line_end < 0:
        return None
    insertion = ("\n\n" + "\n".join(lines)).encode()
    return line_end, line_end, insertion


def _import_time(source: bytes, root: Node) -> Edit | None:
    declarations = [n for n in root.named_children if n.type == "import_declaration"]
    if not declarations:
        return None
    for declaration in declarations:
        spec_list = next(
            (n for n in declaration.named_children if n.type == "import_spec_list"), None
        )
        if spec_list is None:
            continue
        specs = [n for n in spec_list.named_children if n.type == "import_spec"]
        for group in _groups(specs):
            paths = [text(s.child_by_field_name("path")).strip('"`') for s in group]
            if not all("." not in p.split("/")[0] for p in paths):
                continue
            for spec, path in zip(group, paths, strict=True):
                if path > "time":
                    start = source.rfind(b"\n", 0, spec.start_byte) + 1
                    indent = source[start : spec.start_byte].decode()
                    return start, start, f'{indent}"time"\n'.encode()
            last = group[-1]
            start = source.rfind(b"\n", 0, last.start_byte) + 1
            indent = source[start : last.start_byte].decode()
            end = _line_end(source, last.end_byte)
            return end, end, f'\n{indent}"time"'.encode()
    last_declaration = declarations[-1]
    end = last_declaration.end_byte
    return end, end, b'\nimport "time"'


def _groups(specs: list[Node]) -> list[list[Node]]:
    """Import specs split where a blank line separates them (gofmt sorts within a group)."""
    groups: list[list[Node]] = []
    for spec in specs:
        if groups and spec.start_point[0] - groups[-1][-1].end_point[0] <= 1:
            groups[-1].append(spec)
        else:
            groups.append([spec])
    return groups
