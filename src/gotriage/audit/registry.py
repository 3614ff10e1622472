"""The rule registry: every :class:`~gotriage.audit.engine.Rule` subclass with an ID found in
the modules of :mod:`gotriage.audit.rules`. The CLI's ``--list-rules``/``--explain``, the SARIF
rule metadata and the docs all read it, so a rule is documented once, in its docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from gotriage.audit import rules as rules_package
from gotriage.audit.engine import Rule
from gotriage.errors import UsageError


@cache
def all_rules() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"{rules_package.__name__}.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Rule) and value.id and value.__module__ == module.__name__:
                if value.id in found:
                    raise RuntimeError(f"two rules claim {value.id}")
                found[value.id] = value
    return tuple(found[key] for key in sorted(found))


def rule_by_id(rule_id: str) -> type[Rule]:
    wanted = rule_id.strip().upper()
    for rule in all_rules():
        if rule.id == wanted or rule.name == rule_id.strip().lower():
            return rule
    raise UsageError(f"no rule {rule_id!r}; see gotriage audit --list-rules")


def documentation(rule: type[Rule]) -> str:
    """The rule's docstring, dedented: its full documentation."""
    return inspect.cleandoc(rule.__doc__ or rule.title)


def summary(rule: type[Rule]) -> str:
    return documentation(rule).split("\n\n", 1)[0].replace("\n", " ")
