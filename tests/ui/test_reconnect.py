"""Connection trouble as an operator meets it: one address everywhere, server-side filtering
re-applied after a reconnect, and reconnecting by itself with a visible countdown."""

from __future__ import annotations

from dataclasses import replace

from ami_console.files.profiles import ConnectionSettings
from ami_console.simulator import Simulator
from tests.apphelpers import connected, console, run, until


def requests_of(pbx: Simulator) -> list[tuple[str | None, str | None]]:
    log = pbx.session_logs()[-1]
    return [(m.header("Action"), m.header("Filter") or m.header("EventMask")) for m in log.requests]


def test_a_port_in_the_host_is_the_port_the_header_and_the_history_show(tmp_path):
    with Simulator(time_scale=0.02) as pbx:
        settings = ConnectionSettings(host=f"127.0.0.1:{pbx.port}", port=5038, username=pbx.username, secret=pbx.secret)
        app = console(pbx, tmp_path, settings=settings)

        async def scenario(pilot):
            await connected(pilot)
            header = app.console_screen.header.render().plain
            assert f"admin@127.0.0.1:{pbx.port} " in header and "[" not in header
            assert f"connecting to 127.0.0.1:{pbx.port} as admin" in "".join(app.transcript.lines())

        run(app, scenario)


def test_a_reconnect_re_applies_the_event_mask_and_filters_and_says_so(tmp_path):
    first = Simulator(time_scale=0.02).start()
    port = first.port
    app = console(first, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        app.console_screen.send([("Action", "Events"), ("EventMask", "call")])
        app.console_screen.send([("Action", "Filter"), ("Operation", "Add"), ("Filter", "Event: Hangup")])
        await until(
            pilot,
            lambda: (
                app.connection.server_filters.filters == ["Event: Hangup"]
                and app.connection.server_filters.mask == "call"
            ),
        )
        first.stop()
        await until(pilot, lambda: not app.connected, what="the lost connection")
        with Simulator(port=port, time_scale=0.02) as second:
            await pilot.press("ctrl+r")
            await until(pilot, lambda: app.connected, what="connected again")
            await until(
                pilot, lambda: app.connection.server_filters.filters == ["Event: Hangup"], what="the filter re-applied"
            )
            assert app.connection.server_filters.mask == "call"
            assert ("Events", "call") in requests_of(second) and ("Filter", "Event: Hangup") in requests_of(second)
            assert "1 filter" in app.console_screen.header.render().plain
            shown = [n.message for n in app._notifications]
            assert any("re-applied the event mask (call) and 1 filter" in m for m in shown), shown

    try:
        run(app, scenario)
    finally:
        first.stop()


def test_connecting_elsewhere_from_the_form_starts_without_the_old_filters(tmp_path):
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot):
            await connected(pilot)
            app.console_screen.send([("Action", "Filter"), ("Operation", "Add"), ("Filter", "Event: Hangup")])
            await until(pilot, lambda: app.connection.server_filters.filters == ["Event: Hangup"])
            app.connect_requested(type("Requested", (), {"settings": app.settings})())
            await until(
                pilot,
                lambda: (
                    app.connected and app.connection.session is not None and app.connection.server_filters.filters == []
                ),
            )
            assert ("Filter", "Event: Hangup") not in requests_of(pbx)

        run(app, scenario)


def test_with_auto_reconnect_the_console_counts_down_and_connects_again_by_itself(tmp_path):
    first = Simulator(time_scale=0.02).start()
    port = first.port
    settings = ConnectionSettings(host=first.host, port=port, username=first.username, secret=first.secret, timeout=1)
    app = console(first, tmp_path, settings=replace(settings, auto_reconnect=True))

    async def scenario(pilot):
        await connected(pilot)
        first.stop()
        banner = app.console_screen.banner
        await until(pilot, lambda: "Reconnecting by itself in" in str(banner.render()), what="the countdown")
        with Simulator(port=port, time_scale=0.02) as second:
            await until(pilot, lambda: app.connected, timeout=10, what="connected again by itself")
            assert second.session_count == 1
            assert not banner.has_class("-shown")

    try:
        run(app, scenario)
    finally:
        first.stop()


def test_without_auto_reconnect_nothing_is_retried(tmp_path):
    first = Simulator(time_scale=0.02).start()
    app = console(first, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        first.stop()
        banner = app.console_screen.banner
        await until(pilot, lambda: banner.has_class("-shown"))
        assert "ctrl+r" in str(banner.render()) and "by itself" not in str(banner.render())
        assert app.connection.retry_at is None

    try:
        run(app, scenario)
    finally:
        first.stop()


def test_permission_denied_names_the_class_the_action_needs_and_where_it_is_granted(tmp_path):
    from tests.apphelpers import compose

    with Simulator(time_scale=0.02) as pbx:
        settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="monitor", secret="monpass", timeout=3)
        app = console(pbx, tmp_path, settings=settings)

        async def scenario(pilot):
            await until(pilot, lambda: app.connected and app.screen is app.console_screen, what="connected")
            await compose(pilot, "Originate", [("Channel", "Local/100@demo"), ("Application", "Wait"), ("Data", "1")])
            await pilot.press("ctrl+s")
            response = app.console_screen.response
            await until(pilot, lambda: response.current is not None and not response.current.pending, what="the answer")
            assert response.current.response["Message"] == "Permission denied"
            denied = response.current

            def shown() -> str:
                return str(response.query_one("#response-advice").render())

            # In the Response pane, with the answer (not a passing notice), and again after F7/F8.
            await until(pilot, lambda: "write class originate" in shown(), what="the advice in place")
            why = shown()
            assert "Originate needs the write class originate" in why and "[monitor]" in why and "write=" in why
            await compose(pilot, "Ping")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: response.current is not denied and not response.current.pending)
            assert "write class" not in shown()
            await pilot.press("f7")
            assert response.current is denied and "write class originate" in shown()

        run(app, scenario)


def test_a_port_typed_in_the_host_field_moves_to_the_port_field(tmp_path):
    from textual.widgets import Input

    with Simulator(time_scale=0.02) as pbx:
        # A wrong secret keeps the form on screen after the attempt, to read its fields.
        settings = ConnectionSettings(host="127.0.0.1", port=5038, username=pbx.username, secret="wrong")
        app = console(pbx, tmp_path, settings=settings, autoconnect=False)

        async def scenario(pilot):
            form = app.connect_screen
            await until(pilot, lambda: app.screen is form)
            form.query_one("#host", Input).value = f"127.0.0.1:{pbx.port}"
            form.query_one("#host", Input).focus()
            await pilot.press("enter")
            await until(pilot, lambda: not form.busy and pbx.session_logs(), what="the refused login")
            assert form.query_one("#port", Input).value == str(pbx.port)
            assert form.query_one("#host", Input).value == "127.0.0.1"
            assert app.settings.address == f"127.0.0.1:{pbx.port}"

        run(app, scenario)


def test_no_question_to_the_old_session_outlives_a_reconnect(tmp_path):
    """A question about an action's parameters that the lost session never answered is not
    shown as still being asked once connected again: it is asked again, and answered."""
    from tests.apphelpers import compose

    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot):
            await until(pilot, lambda: app.connected and app.screen is app.console_screen, what="connected")
            composer = app.console_screen.composer
            await compose(pilot, "Ping")
            pbx.drop_connections()
            await until(pilot, lambda: not app.connected, what="the connection lost")
            composer.docs.clear()
            composer.docs.ask("Ping")  # as if its question went out just before the loss
            composer.refresh_all()

            def hint() -> str:
                return str(composer.query_one("#param-help").render())

            assert "Asking the server about Ping" in hint()
            await pilot.press("ctrl+r")
            await until(pilot, lambda: app.connected, what="connected again")
            await until(pilot, lambda: "Ping takes no parameters" in hint(), what="the answer of the new session")

        run(app, scenario)
