"""The command line: what it fills in, what it warns about, what it refuses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ami_console.cli import build_parser, main, settings_from
from ami_console.files.profiles import ConnectionSettings, Profiles


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_options_fill_in_the_form_and_the_secret_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AMI_SECRET", "from-env")
    settings = settings_from(
        parse("--host", "pbx.example.org", "--port", "5039", "--user", "ops", "--auth", "md5", "--events", "off"),
        Profiles(tmp_path / "p.toml"),
    )
    assert (settings.host, settings.port, settings.username, settings.secret) == (
        "pbx.example.org",
        5039,
        "ops",
        "from-env",
    )
    assert (settings.auth, settings.events, settings.tls) == ("md5", "off", False)


def test_tls_is_verified_unless_insecure_is_asked(tmp_path):
    profiles = Profiles(tmp_path / "p.toml")
    assert settings_from(parse("--tls"), profiles).tls_verify is True
    assert settings_from(parse("--tls", "--insecure"), profiles).tls_verify is False


def test_a_profile_is_the_starting_point_and_options_override_it(tmp_path, monkeypatch):
    monkeypatch.delenv("AMI_SECRET", raising=False)
    profiles = Profiles(tmp_path / "p.toml")
    profiles.save("office", ConnectionSettings(host="pbx.office", port=5040, username="ops", auth="md5"))
    settings = settings_from(parse("--profile", "office", "--user", "admin"), profiles)
    assert (settings.host, settings.port, settings.username, settings.auth, settings.secret) == (
        "pbx.office",
        5040,
        "admin",
        "md5",
        "",
    )
    with pytest.raises(SystemExit, match="no profile named 'home'"):
        settings_from(parse("--profile", "home"), profiles)


def test_help_documents_every_way_to_start():
    result = subprocess.run([sys.executable, "-m", "ami_console", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in (
        "--demo",
        "--host",
        "--user",
        "--secret",
        "--tls",
        "--profile",
        "--replay",
        "simulate",
        "AMI_SECRET",
    ):
        assert option in result.stdout


def test_secret_on_the_command_line_warns(tmp_path):
    missing = tmp_path / "missing.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "ami_console", "--secret", "x", "--replay", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "visible to other users in the process list" in result.stderr
    assert result.returncode != 0 and "no such file" in result.stderr


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--port", "0"], ["--port", "-1"], ["--port", "x"]])
def test_a_port_outside_1_to_65535_is_refused_like_any_bad_option(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)  # before the console starts: nothing else ran
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "argument --port" in error and "1 to 65535" in error and "Traceback" not in error


@pytest.mark.parametrize("port", ["70000", "-1", "65536", "x"])
def test_the_demo_pbx_refuses_a_port_outside_0_to_65535(port, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--port", port])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: ami-console simulate")
    assert "argument --port" in error and "1 to 65535 (0 picks a free port)" in error


def test_a_port_outside_the_range_is_refused_from_the_shell():
    result = subprocess.run(
        [sys.executable, "-m", "ami_console", "simulate", "--port", "70000"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "1 to 65535" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["127.0.0.1:70000", "[::1]:0", "pbx:x"])
def test_a_bad_port_written_in_the_host_is_refused_before_the_console_starts(host, tmp_path):
    """``--host 127.0.0.1:70000`` once reached the form as typed, beside Port 5038."""
    from ami_console.cli import settings_from
    from ami_console.files.profiles import Profiles

    args = build_parser().parse_args(["--host", host])
    with pytest.raises(SystemExit) as exit_info:
        settings_from(args, Profiles(tmp_path / "profiles.toml"))
    assert "port" in str(exit_info.value).lower() and "Traceback" not in str(exit_info.value)
