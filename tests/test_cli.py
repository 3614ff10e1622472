from gotriage.cli import main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for command in ("goroutines", "audit", "probe", "demo"):
        assert command in out


def test_no_command_is_usage_error():
    assert main([]) == 2
