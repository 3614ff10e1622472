from __future__ import annotations

from typing import cast

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.audit.values import format_duration
from gotriage.model import Finding, Location, Severity


class ContradictoryTimeouts(Rule):
    """Server timeouts that contradict each other, so one of them never does what it says.

    Why it matters: ``ReadTimeout`` covers the whole request including its headers, so a
    ``ReadHeaderTimeout`` longer than ``ReadTimeout`` never fires: whoever tuned it believes
    slow headers get more time than they do. An ``http.TimeoutHandler`` whose limit is not
    shorter than the server's ``WriteTimeout`` never gets to send its 503: the connection's
    write deadline expires first and the client sees a reset instead of a response. Values are
    compared when they are constants or simple expressions (``5 * time.Second``); handlers are
    compared with the servers of the same package.

    Bad::

        srv := &http.Server{ReadHeaderTimeout: 30 * time.Second, ReadTimeout: 10 * time.Second,
            WriteTimeout: 5 * time.Second, Handler: http.TimeoutHandler(h, 10*time.Second, "")}

    Good::

        srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
            WriteTimeout: 15 * time.Second, Handler: http.TimeoutHandler(h, 10*time.Second, "")}

    How to fix: keep ReadHeaderTimeout <= ReadTimeout, and TimeoutHandler's limit a few seconds
    below WriteTimeout.
    """

    id = "GT105"
    name = "contradictory-timeouts"
    title = "server timeouts that contradict each other"
    severity = Severity.MEDIUM
    fix_hint = "keep ReadHeaderTimeout <= ReadTimeout and TimeoutHandler below WriteTimeout"
    imports = (HTTP,)
    uses = (HTTPValues,)
    call_names = frozenset({"TimeoutHandler"})

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if not self.ctx.is_pkg(qualifier, HTTP):
            return
        args = node.child_by_field_name("arguments")
        if args is None or args.named_child_count < 2:
            return
        limit = self.ctx.value(args.named_child(1))
        if limit is None or limit <= 0:
            return
        self.ctx.facts["timeout_handlers"].append((self.ctx.location(node), limit))

    def finish(self) -> None:
        for server in http_values(self.ctx, "Server"):
            header = server.value_of(self.ctx, "ReadHeaderTimeout")
            read = server.value_of(self.ctx, "ReadTimeout")
            if header and read and 0 < read < header:
                self.ctx.report(
                    type(self),
                    server.fields["ReadHeaderTimeout"] or server.node,
                    f"ReadHeaderTimeout ({format_duration(header)}) is longer than ReadTimeout "
                    f"({format_duration(read)}): ReadTimeout cuts the header read first",
                )
            # A server without WriteTimeout records 0: no deadline, any handler limit works.
            write = (
                server.value_of(self.ctx, "WriteTimeout") if "WriteTimeout" in server.fields else 0
            )
            self.ctx.facts["write_timeouts"].append(write)

    @classmethod
    def resolve_package(cls, facts: dict[str, list[object]]) -> list[Finding]:
        handlers = cast(list[tuple[Location, float]], facts.get("timeout_handlers", []))
        writes = facts.get("write_timeouts", [])
        # A server with no write deadline (or one not known) lets any handler limit work.
        if (
            not handlers
            or not writes
            or not all(isinstance(w, int | float) and w > 0 for w in writes)
        ):
            return []
        longest = max(cast(list[float], writes))
        return [
            cls.finding_at(
                location,
                f"http.TimeoutHandler limit ({format_duration(limit)}) is not shorter than the "
                f"server's WriteTimeout ({format_duration(longest)}): the write deadline fires "
                "first and clients see a reset, not a 503",
            )
            for location, limit in handlers
            if limit >= longest
        ]
