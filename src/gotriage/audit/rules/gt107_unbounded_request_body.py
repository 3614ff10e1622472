from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import FileContext, Rule
from gotriage.audit.shared import HTTP
from gotriage.audit.syntax import (
    arguments,
    calls_in,
    enclosing_function,
    text,
    unparen,
)
from gotriage.audit.values import format_bytes
from gotriage.model import Confidence, Severity

READERS = {  # called name -> (packages, index of the reader argument)
    "ReadAll": (("io", "io/ioutil"), 0),
    "NewDecoder": (("encoding/json", "encoding/xml", "encoding/gob"), 0),
    "Copy": (("io",), 1),
}
MIDDLEWARE_FACT = "request_bodies_limited"


class UnboundedRequestBody(Rule):
    """A handler reads the request body without http.MaxBytesReader.

    Why it matters: ``io.ReadAll(r.Body)`` and ``json.NewDecoder(r.Body).Decode`` read as much
    as the client sends. One request with a multi-gigabyte body (or a slow endless one) makes
    the process allocate until the kernel's OOM killer steps in, taking every other request
    with it. ``ParseMultipartForm`` with a huge memory size does the same for uploads.

    Bad::

        func create(w http.ResponseWriter, r *http.Request) {
            body, _ := io.ReadAll(r.Body)
        }

    Good::

        func create(w http.ResponseWriter, r *http.Request) {
            r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
            body, err := io.ReadAll(r.Body)
            if err != nil { // *http.MaxBytesError when the client sent too much
                http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
                return
            }
        }

    The rule stays silent when the handler limits the body itself (``http.MaxBytesReader``,
    ``io.LimitReader``) or when the package wraps handlers in ``http.MaxBytesHandler`` or a
    middleware calling ``http.MaxBytesReader``. Limits applied in another package cannot be
    seen, hence medium confidence. The memory size that counts as huge for
    ``ParseMultipartForm`` is ``multipart-memory-max`` (default 64 MiB).

    How to fix: wrap ``r.Body`` in ``http.MaxBytesReader`` with the largest body the endpoint
    accepts, or wrap the whole mux in ``http.MaxBytesHandler``.
    """

    id = "GT107"
    name = "unbounded-request-body"
    title = "request body read without http.MaxBytesReader"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    fix_hint = "r.Body = http.MaxBytesReader(w, r.Body, limit) before reading it"
    imports = (HTTP,)
    call_names = frozenset({*READERS, "ParseMultipartForm", "MaxBytesHandler", "MaxBytesReader"})

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._limited: dict[int, bool] = {}

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if name in ("MaxBytesHandler", "MaxBytesReader"):
            if self.ctx.is_pkg(qualifier, HTTP) and (
                name == "MaxBytesHandler" or self._in_middleware(node)
            ):
                self.ctx.facts[MIDDLEWARE_FACT].append(True)
            return
        if name == "ParseMultipartForm":
            self._multipart(node, qualifier)
            return
        packages, index = READERS[name]
        if self.ctx.package_of(qualifier) not in packages:
            return
        args = arguments(node)
        if len(args) <= index:
            return
        reader = unparen(args[index])
        if reader is None or reader.type != "selector_expression":
            return
        if text(reader.child_by_field_name("field")) != "Body":
            return
        request = text(reader.child_by_field_name("operand"))
        self._report_unlimited(
            node,
            request,
            f"{qualifier}.{name}({request}.Body) reads a request body of any size: wrap it in "
            "http.MaxBytesReader first",
        )

    def _multipart(self, node: Node, request: str) -> None:
        args = arguments(node)
        if len(args) != 1:
            return
        size = self.ctx.value(args[0])
        limit = self.ctx.config.multipart_memory_max
        if size is None or size <= limit:
            return
        self._report_unlimited(
            node,
            request,
            f"ParseMultipartForm keeps up to {format_bytes(size)} of each upload in memory "
            f"(more than {format_bytes(limit)}) and the body is not limited",
        )

    def _report_unlimited(self, node: Node, request: str, message: str) -> None:
        """Report ``node`` when it is in a handler of ``request`` that does not limit the body
        itself, unless some middleware of the package does."""
        handler = self._handler(node, request)
        if handler is not None and not self._is_limited(handler):
            self.ctx.report(type(self), node, message, unless=MIDDLEWARE_FACT)

    def _handler(self, node: Node, request: str) -> Node | None:
        """The enclosing handler (it takes an ``http.ResponseWriter``) whose ``*http.Request``
        parameter is ``request``."""
        function = enclosing_function(node)
        while function is not None:
            parameters = function.child_by_field_name("parameters")
            params = parameters.named_children if parameters is not None else []
            if not any(
                self.ctx.is_type(p.child_by_field_name("type"), HTTP, "ResponseWriter")
                for p in params
            ):
                function = enclosing_function(function)
                continue
            for parameter in params:
                type_node = parameter.child_by_field_name("type")
                if type_node is None or type_node.type != "pointer_type":
                    continue
                if not self.ctx.is_type(type_node.named_child(0), HTTP, "Request"):
                    continue
                names = [text(n) for n in parameter.children_by_field_name("name")]
                if request in names:
                    return function
            function = enclosing_function(function)
        return None

    def _is_limited(self, handler: Node) -> bool:
        known = self._limited.get(handler.id)
        if known is None:
            known = any(
                name in ("MaxBytesReader", "LimitReader", "LimitedReader")
                for _, _, name in calls_in(handler, into_functions=True)
            ) or "LimitedReader" in text(handler)
            self._limited[handler.id] = known
        return known

    def _in_middleware(self, node: Node) -> bool:
        """A MaxBytesReader in a function that goes on to call ``next.ServeHTTP``."""
        function = enclosing_function(node)
        while function is not None:
            if any(name == "ServeHTTP" for _, _, name in calls_in(function)):
                return True
            function = enclosing_function(function)
        return False
