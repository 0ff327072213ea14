"""Secrets stay secret in the console: on screen, in pictures, in files it writes."""

from __future__ import annotations

from pathlib import Path

from ami_console.files.profiles import ConnectionSettings
from ami_console.simulator import Simulator
from tests.apphelpers import compose, connected, console, run, until
from tests.scenes import SCENES

ROOT = Path(__file__).resolve().parents[2]
SECRETS_IN_SCENES = ("adminpass", "wrong-secret")


def test_no_picture_shows_a_secret():
    pictures = list((ROOT / "screenshots").glob("*.svg")) + list((ROOT / "tests").rglob("__snapshots__/**/*.svg"))
    assert len(pictures) >= len(SCENES)
    for picture in pictures:
        text = picture.read_text(encoding="utf-8")
        for secret in SECRETS_IN_SCENES:
            assert secret not in text, f"{picture.name} shows {secret!r}"


def test_the_secret_typed_in_a_composed_login_is_masked_everywhere_on_screen(tmp_path):
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot):
            await connected(pilot)
            composer = app.console_screen.composer
            await compose(pilot, "Login", [("Username", "admin"), ("Secret", "s3cret-in-composer")])
            preview = composer.preview_text
            assert "Secret: ********" in preview and "s3cret-in-composer" not in preview
            value = next(r for r in composer.fields.rows if r.key == "Secret").value_input
            assert value.password  # the value field shows dots
            await compose(pilot, "Login", [("Username", "admin"), ("Secret", "line\nbreak-s3cret")])
            preview = composer.preview_text
            assert "Value of 'Secret' holds a line break" in preview and "break-s3cret" not in preview
            await compose(pilot, "Login", [("Username", "admin"), ("Secret", "s3cret-sent")])
            await pilot.press("ctrl+s")
            response = app.console_screen.response
            await until(pilot, lambda: response.current is not None and not response.current.pending)
            raw = response._raw(response.current)
            assert ">> Secret: ********" in raw and "s3cret-sent" not in raw
            assert all("s3cret" not in str(v) for _, v in response.current.request)

        run(app, scenario)


def test_a_saved_profile_never_holds_the_secret(tmp_path):
    settings = ConnectionSettings(host="127.0.0.1", port=5038, username="admin", secret="profile-s3cret")
    app = console(None, tmp_path, settings=settings, autoconnect=False)

    async def scenario(pilot):
        screen = app.connect_screen
        screen.query_one("#profile-name").value = "office"
        screen.query_one("#save-profile").press()
        await until(pilot, lambda: (tmp_path / "profiles.toml").exists())

    run(app, scenario)
    assert "profile-s3cret" not in (tmp_path / "profiles.toml").read_text()


def test_the_demo_pbx_listens_on_loopback_unless_told_otherwise():
    with Simulator() as pbx:
        assert pbx.host == "127.0.0.1"
        listening = [
            line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:] if line.split()[3] == "0A"
        ]  # state LISTEN
        assert f"0100007F:{pbx.port:04X}" in listening  # 127.0.0.1, not 0.0.0.0
        assert f"00000000:{pbx.port:04X}" not in listening
