"""Connection profiles on disk, never with the secret."""

from __future__ import annotations

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
