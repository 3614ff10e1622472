"""Option types shared by the commands."""

from __future__ import annotations

import pytest

from gotriage.cli import build_parser


@pytest.mark.parametrize(
    ("command", "option", "dest"),
    [
        ("probe", "--body-path", "body_path"),
        ("reproduce", "--body-path", "body_path"),
        ("reproduce", "--slow-path", "slow_path"),
    ],
)
def test_path_options_are_percent_encoded_in_every_command(command, option, dest):
    parser = build_parser(only=command)
    extra = ["--scenario", "slow-body"] if command == "reproduce" else []
    args = parser.parse_args([command, "http://127.0.0.1:1/", *extra, option, "/€uro a?q=é"])
    assert getattr(args, dest) == "/%E2%82%ACuro%20a?q=%C3%A9"


def test_a_path_option_must_start_with_a_slash(capsys):
    with pytest.raises(SystemExit):
        build_parser(only="reproduce").parse_args(
            ["reproduce", "http://127.0.0.1:1/", "--scenario", "slow-body", "--body-path", "up"]
        )
    assert "starting with '/'" in capsys.readouterr().err
