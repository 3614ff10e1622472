"""The scenarios, one module each; :data:`SCENARIOS` maps each name to its module."""

from __future__ import annotations

from types import ModuleType

from gotriage.reproduce.scenarios import (
    abrupt_close,
    blocking_handler,
    connection_churn,
    header_oversize,
    idle_keepalive,
    slow_body,
    slow_clients,
    slow_readers,
)

SCENARIOS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        slow_clients,
        slow_body,
        slow_readers,
        idle_keepalive,
        abrupt_close,
        blocking_handler,
        header_oversize,
        connection_churn,
    )
}
