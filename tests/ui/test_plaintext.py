"""Server text on screen: plain, cut to fit, and errors in words."""

from __future__ import annotations

import pytest

from ami_console.files.profiles import ConnectionSettings
from ami_console.ui.plaintext import clean, fit, plain


# -- plain text ---------------------------------------------------------------------------------
def test_markup_and_control_characters_are_shown_literally():
    text = plain("[bold]x[/] Dial(PJSIP/bob,30,[tT]) \x1b[31mred")
    assert text.plain == "[bold]x[/] Dial(PJSIP/bob,30,[tT]) \ufffd[31mred"
    assert not text.spans
    assert clean("a\tb") == "a b"


def test_fit_counts_wide_characters():
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 5) == "abcd…"
    assert fit("ab📞cdef", 5) == "ab📞…"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("Connection failed: closed by the server before the greeting", "closed it before greeting"),
        ("Connection failed: Connection reset by peer", "reset the connection before greeting"),
        ("Invalid port 70000: must be 1 to 65535", "Invalid port 70000: must be 1 to 65535. AMI listens on 5038"),
        ("The secret cannot be encoded as utf-8", "holds bytes that are not text"),
        ("Connection failed: cancelled", "Cancelled: not connected."),
    ],
)
def test_the_form_explains_every_connect_error_the_client_documents(error, words):
    from ami_console.ui.screens.connect import explain

    assert words in explain(error, ConnectionSettings(host="pbx", port=5038))


def test_tls_against_a_plain_port_is_said_in_words():
    from ami_console.ui.screens.connect import explain

    settings = ConnectionSettings(host="pbx", port=5038, tls=True)
    words = explain("Connection failed: TLS failed (WRONG_VERSION_NUMBER)", settings)
    assert words.startswith("pbx:5038 does not speak TLS on port 5038") and "Untick TLS" in words
