"""Scenario files and command-line overrides: everything fixed, seed included, and bounded."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import InputError, UsageError
from gotriage.reproduce import plan as plans
from gotriage.reproduce.scenarios import SCENARIOS

FILE = """
seed = 7
baseline = "2s"
duration = "5s"
recovery = "1m"
rate = 20
load_path = "/health"

[[scenario]]
name = "slow-clients"
clients = 500
interval = "2s"

[[scenario]]
name = "slow-body"
path = "/upload"
"""


def test_file_fixes_everything():
    plan = plans.build("/", plans.Overrides(), file_text=FILE, source="ci.toml")
    assert (plan.seed, plan.baseline, plan.duration, plan.recovery) == (7, 2.0, 5.0, 60.0)
    assert (plan.rate, plan.load_path) == (20.0, "/health")
    assert [s.name for s in plan.scenarios] == ["slow-clients", "slow-body"]
    assert plan.scenarios[0].params == {"clients": 500, "interval": 2.0, "path": "/"}
    assert plan.scenarios[1].params["path"] == "/upload"
    assert plan.scenarios[1].params["body_size"] == 1 << 20


def test_command_line_wins():
    overrides = plans.Overrides(settings={"seed": 9, "duration": 3.0}, params={"clients": 10})
    plan = plans.build("/x", overrides, file_text=FILE, source="ci.toml")
    assert plan.seed == 9 and plan.duration == 3.0
    assert all(s.params["clients"] == 10 for s in plan.scenarios)
    assert plan.scenarios[0].params["path"] == "/x"  # given in no table: the URL's path


def test_defaults_follow_the_url_path():
    plan = plans.build("/api", plans.Overrides(["idle-keepalive"]))
    assert plan.scenarios[0].params["path"] == "/api" and plan.load_path == "/api"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed = 'x'\n[[scenario]]\nname='slow-clients'", "seed"),
        ("colour = 1\n[[scenario]]\nname='slow-clients'", "unknown key 'colour'"),
        ("[[scenario]]\nname='slowloris'", "unknown scenario 'slowloris'"),
        ("[[scenario]]\nname='slow-clients'\nclient=3", "unknown parameter 'client'"),
        ("[[scenario]]\nname='slow-clients'\nclients=-3", "more than 0"),
        ("[[scenario]]\nname='slow-clients'\ninterval='soon'", "not a duration"),
        ("scenario = 3", "array of tables"),
        ("[[scenario]\n", "not TOML"),
    ],
)
def test_bad_files_name_the_file(text, message):
    with pytest.raises(InputError, match=message) as caught:
        plans.build("/", plans.Overrides(), file_text=text, source="ci.toml")
    assert "ci.toml" in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (plans.Overrides(), "give --scenario"),
        (plans.Overrides(["slow-body"]), "--body-path"),
        (plans.Overrides(["slow-clients"], {"duration": 590.0}), "bounded to 600"),
        (plans.Overrides(["abrupt-close"], params={"clients": 3}), "no chosen scenario"),
        (plans.Overrides(["slow-clients", "slow-clients"]), "twice"),
    ],
)
def test_usage_errors(overrides, message):
    with pytest.raises(UsageError, match=message):
        plans.build("/", overrides)


def test_every_parameter_is_documented():
    for module in SCENARIOS.values():
        assert module.SUMMARY and module.__doc__
        for parameter in module.PARAMETERS:
            assert parameter.doc, (module.NAME, parameter.name)


@given(st.text(max_size=300))
def test_any_file_only_input_or_usage_error(text):
    with contextlib.suppress(InputError, UsageError):
        plans.build("/", plans.Overrides(), file_text=text, source="any.toml")


@given(
    st.dictionaries(
        st.sampled_from(["clients", "interval", "path", "rate", "hold", "retries", "header_bytes"]),
        st.one_of(
            st.integers(),
            st.floats(),
            st.sampled_from(["inf", "nan", "-inf", "1e400"]),
            st.text(max_size=12),
            st.booleans(),
        ),
        max_size=4,
    ),
    st.sampled_from(sorted(SCENARIOS)),
)
def test_any_parameters_only_input_or_usage_error(params, name):
    table = {"name": name, **params}
    lines = [f"{k} = {_toml(v)}" for k, v in table.items()]
    with contextlib.suppress(InputError, UsageError):
        plans.build("/", plans.Overrides(), file_text="[[scenario]]\n" + "\n".join(lines))


def _toml(value: object) -> str:
    if value in ("inf", "nan", "-inf", "1e400"):
        return str(value)  # bare: TOML's own infinities and NaN, and a float that overflows
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return json.dumps(value)


def test_the_example_scenario_file():
    path = Path(__file__).parents[2] / "examples" / "reproduce" / "slowloris.toml"
    plan = plans.build("/", plans.Overrides(), file_text=path.read_text(), source=str(path))
    assert [s.name for s in plan.scenarios] == ["slow-clients", "idle-keepalive"]
    assert plan.seed == 7 and plan.total == 28.0
