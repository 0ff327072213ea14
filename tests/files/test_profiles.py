"""Connection profiles on disk, never with the secret."""

from __future__ import annotations

import pytest

from ami_console.files.profiles import ConnectionSettings, Profiles


# -- profiles ------------------------------------------------------------------------------------
def test_profiles_round_trip_without_the_secret(tmp_path):
    profiles = Profiles(tmp_path / "profiles.toml")
    office = ConnectionSettings(
        host="pbx.example.org",
        port=5039,
        username="ops",
        secret="s3cr3t-value",
        auth="md5",
        tls=True,
        tls_verify=False,
        events="system,call",
    )
    profiles.save('office "main"', office)
    profiles.save("lab", ConnectionSettings(host="::1", username="admin", secret="other-secret"))
    text = (tmp_path / "profiles.toml").read_text()
    assert "s3cr3t-value" not in text and "other-secret" not in text and "secret" not in text.split("\n", 1)[1]
    loaded = profiles.load()
    assert loaded['office "main"'] == ConnectionSettings(
        host="pbx.example.org",
        port=5039,
        username="ops",
        secret="",
        auth="md5",
        tls=True,
        tls_verify=False,
        events="system,call",
    )
    assert loaded["lab"].host == "::1"
    profiles.delete("lab")
    assert set(profiles.load()) == {'office "main"'}


def test_a_damaged_profiles_file_is_ignored(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text("this is [not toml")
    assert Profiles(path).load() == {}


def test_settings_repr_hides_the_secret():
    assert "hunter2" not in repr(ConnectionSettings(secret="hunter2"))


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1:5039", 5038, ("127.0.0.1", 5039, "127.0.0.1:5039")),
        ("[::1]:5039", 5038, ("::1", 5039, "[::1]:5039")),
        ("::1", 5040, ("::1", 5040, "[::1]:5040")),
        ("[fe80::1]", 5041, ("fe80::1", 5041, "[fe80::1]:5041")),
        ("pbx.example.org", 5038, ("pbx.example.org", 5038, "pbx.example.org:5038")),
        ("pbx:x", 5038, ("pbx:x", 5038, "[pbx:x]:5038")),  # malformed: left for connect() to refuse
    ],
)
def test_a_port_in_the_host_wins_and_every_place_shows_one_address(host, port, expected, tmp_path):
    settings = ConnectionSettings(host=host, port=port, username="admin")
    assert (settings.host, settings.port, settings.address) == expected
    profiles = Profiles(tmp_path / "profiles.toml")
    profiles.save("office", settings)
    assert profiles.load()["office"].address == expected[2]
