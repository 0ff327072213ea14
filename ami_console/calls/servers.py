"""Which servers the live calls views can follow.

The Calls tab, the ladder and the dialplan pane read the events Asterisk 12 introduced with
its bridging core and AMI 2.0: DialBegin and DialEnd, BridgeEnter and BridgeLeave, Linkedid
on every channel event, Newexten with Application and AppData. Asterisk before 12 (AMI 1.x:
1.0 in Asterisk 1.4, 1.1 in 1.6 and 1.8, 1.2 in 10, 1.3 in 11) names those moments otherwise
(Dial with SubEvent Begin/End, Bridge, Link and Unlink, Newexten without Linkedid), so the
views would draw a wrong picture: they say so instead.
"""

from __future__ import annotations

import re

__all__ = ["OLDER_THAN_12", "calls_unsupported"]

OLDER_THAN_12 = (
    "Asterisk before 12 (AMI {version}) names calls' events differently: the Calls tab, ladder and "
    "dialplan trace need Asterisk 12 or later. The event log, composer and responses work."
)

_MAJOR = re.compile(r"\s*(\d+)\.")


def calls_unsupported(ami_version: str) -> str | None:
    """Why the live calls views cannot follow a server speaking AMI ``ami_version`` (its
    greeting's ``Asterisk Call Manager/<version>``, or CoreSettings' AMIversion), or None
    when they can. A version that is not a number (a proxy's own) is given the benefit of
    the doubt."""
    match = _MAJOR.match(ami_version)
    if match is None or int(match[1]) >= 2:
        return None
    return OLDER_THAN_12.format(version=ami_version.strip())
