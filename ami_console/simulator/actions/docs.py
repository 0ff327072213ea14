"""``manager show command <Action>``: an action's documentation in Asterisk's section layout.

The sections, their order and the ``[Syntax]`` notation (``Name: <value>`` for required,
``[Name:] <value>`` for optional arguments) are Asterisk's, so a parser written for real
Asterisk reads ours; the words inside are our own.
"""

from __future__ import annotations

import textwrap

from ..perms import authority_to_str
from .registry import ActionSpec

MODULES = {
    "QueueStatus": "app_queue",
    "QueueSummary": "app_queue",
    "PlayDTMF": "app_senddtmf",
    **{name: "res_pjsip" for name in ("PJSIPShowEndpoints", "PJSIPShowEndpoint", "PJSIPShowContacts", "PJSIPShowAors")},
}


def describe(spec: ActionSpec) -> str:
    syntax = [f"Action: {spec.name}"] + [
        f"{arg.name}: <value>" if arg.required else f"[{arg.name}:] <value>" for arg in spec.all_arguments
    ]
    arguments = "".join(
        f"\n{arg.name}\n" + textwrap.indent(textwrap.fill(arg.help, 72), "    ") + "\n" for arg in spec.all_arguments
    )
    sections = [
        ("[Synopsis]", spec.synopsis + " "),
        ("[Provided By]", MODULES.get(spec.name, "builtin")),
        ("[Since]", spec.since),
        ("[Description]", spec.description),
        ("[Syntax]", "\n".join(syntax)),
        ("[Arguments]", arguments.rstrip("\n")),
        ("[Privilege]", authority_to_str(spec.privilege)),
        ("[See Also]", ", ".join(spec.see_also) or "Not available"),
        ("[List Responses]", "None"),
    ]
    text = f"\n  -= Info about Manager Command '{spec.name}' =- \n\n"
    text += "".join(f"{title}\n{body}\n\n" for title, body in sections)
    return text + "[End List Responses]\n\n[Final Response]\nNone\n\n[End Final Response]\n"
