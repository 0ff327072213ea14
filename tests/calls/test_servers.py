"""Which servers the Calls tab, ladder and dialplan pane can follow: Asterisk 12 and later."""

from __future__ import annotations

import pytest

from ami_console.calls.servers import calls_unsupported


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "1.3", " 1.3 "])
def test_asterisk_before_12_is_told_apart_by_its_ami_version(version):
    why = calls_unsupported(version)
    assert why is not None and why.startswith(f"Asterisk before 12 (AMI {version.strip()})")
    assert "need Asterisk 12 or later" in why and "event log, composer and responses work" in why


@pytest.mark.parametrize("version", ["2.0.0", "2.5.0", "5.0.1", "11.0.0", "12.3"])
def test_asterisk_12_and_later_is_followed(version):
    assert calls_unsupported(version) is None


@pytest.mark.parametrize("version", ["", "unknown", "v1.1"])
def test_a_version_that_is_not_a_number_is_given_the_benefit_of_the_doubt(version):
    assert calls_unsupported(version) is None
