"""The steps of a call's events between channels: bridges entered, left and merged, hold,
keys pressed, blind and attended transfers (a mixin of :class:`ami_console.calls.steps.StepBuilder`).

Asterisk names one channel in a Hold event, the one that asked for it (a phone's
re-INVITE, the transferer of an attended transfer): the parties held are the others in its
bridge, and each gets a step saying so. An attended transfer tells, on each party, who
ended up talking to whom.
"""

from __future__ import annotations

from collections.abc import Callable

from ami_console.calls.channel import joins_calls
from ami_console.calls.story import ChannelTrace, TraceStep, short_bridge, where
from ami_console.calls.words import header_value
from ami_console.protocol import Message

__all__ = ["BetweenSteps"]

_get = header_value
_short = short_bridge
_where = where


class BetweenSteps:
    """The handlers of events between channels; :class:`StepBuilder` gives the state."""

    by_name: dict[str, ChannelTrace]
    bridges: dict[str, list[str]]  # BridgeUniqueid -> channel names in it
    merged: dict[str, str]  # a bridge merged into another -> that one
    linked: dict[str, str]  # channel name -> the Linkedid it had on entering a bridge
    holding: dict[str, list[str]]  # channel name -> the parties it put on hold

    def channel(self, message: Message, prefix: str = "") -> ChannelTrace | None:
        raise NotImplementedError

    def step(self, chan: ChannelTrace | None, step: TraceStep) -> None:
        if chan is not None:
            chan.steps.append(step)

    def bridge_enter(self, at: float | None, m: Message) -> None:
        chan, bridge = self.channel(m), _get(m, "BridgeUniqueid")
        members = self.bridges.setdefault(bridge, [])
        others = [n for n in members if chan is None or n != chan.name]
        if chan is not None and chan.name not in members:
            members.append(chan.name)
        kind = "/".join(filter(None, (_get(m, "BridgeType"), _get(m, "BridgeTechnology"))))
        note = f"with {', '.join(others)}" if others else "alone in it for now"
        linked = _get(m, "Linkedid")
        joined = (
            sorted({self.linked[n] for n in others if self.linked.get(n, linked) != linked}) if joins_calls(m) else []
        )
        if chan is not None and linked:
            self.linked[chan.name] = linked
        if joined:
            note += f": its call {linked} and call {', '.join(joined)} are joined"
        what = f"enters bridge {_short(bridge)}" + (f" ({kind})" if kind else "")
        self.step(chan, TraceStep(at, "bridge", what, note=note, tone="good" if others else "", message=m))

    def bridge_leave(self, at: float | None, m: Message) -> None:
        chan, bridge = self.channel(m), _get(m, "BridgeUniqueid")
        members = self.bridges.setdefault(self.merged.get(bridge, bridge), [])  # after a merge: the merged one
        if chan is not None and chan.name in members:
            members.remove(chan.name)
        note = f"{', '.join(members)} still in it" if members else "the bridge is now empty"
        self.step(chan, TraceStep(at, "bridge", f"leaves bridge {_short(bridge)}", note=note, message=m))

    def local_bridge(self, at: float | None, m: Message) -> None:
        one, two = self.channel(m, "LocalOne"), self.channel(m, "LocalTwo")
        note = "Asterisk may optimise the pair away" if _get(m, "LocalOptimization").lower() == "yes" else ""
        self.step(
            one,
            TraceStep(at, "bridge", f"Local halves joined: ⇄ {two.name if two else '?'}", _where(m), note, message=m),
        )

    def bridge_merge(self, at: float | None, m: Message) -> None:
        """Asterisk moved every channel of one bridge into another (an attended transfer
        completes so): a step on each channel moved."""
        source, target = _get(m, "FromBridgeUniqueid"), _get(m, "ToBridgeUniqueid")
        moved, staying = self.bridges.pop(source, []), self.bridges.setdefault(target, [])
        self.merged[source] = target
        note = f"now with {', '.join(staying)}" if staying else ""
        for name in moved:
            what = f"its bridge {_short(source)} merged into bridge {_short(target)}"
            self.step(self.by_name.get(name), TraceStep(at, "bridge", what, note=note, tone="good", message=m))
            if name not in staying:
                staying.append(name)

    def hold(self, at: float | None, m: Message) -> None:
        """Hold and Unhold name the channel that asked (a phone's re-INVITE, the transferer of
        an attended transfer): the parties held are the others in its bridge."""
        chan = self.channel(m)
        if chan is None:
            return
        music = f"music class {music}" if (music := _get(m, "MusicClass")) else ""
        if m.name == "Hold":
            held = self._peers(chan.name)
            self.holding[chan.name] = held
            what, their = (f"puts {', '.join(held)} on hold", "put on hold by") if held else ("on hold", "")
        else:
            held = self.holding.pop(chan.name, [])  # an Unhold with no Hold seen holds no one
            what, their = (f"takes {', '.join(held)} off hold", "taken off hold by") if held else ("off hold", "")
        chan.steps.append(TraceStep(at, "hold", what, note=music, message=m))
        for name in held:
            self.step(self.by_name.get(name), TraceStep(at, "hold", f"{their} {chan.name}", message=m))

    def music_on_hold(self, at: float | None, m: Message) -> None:
        if m.name == "MusicOnHoldStart":
            what = "hears music on hold" + (f" (class {music})" if (music := _get(m, "Class")) else "")
        else:
            what = "music on hold stops"
        self.step(self.channel(m), TraceStep(at, "hold", what, message=m))

    def _peers(self, name: str) -> list[str]:
        bridge = next((members for members in self.bridges.values() if name in members), [])
        return [n for n in bridge if n != name]

    def dtmf(self, at: float | None, m: Message) -> None:
        """Keys pressed, one step for a run of them (``*2`` then ``200`` for an attended transfer)."""
        chan = self.channel(m)
        if chan is None:
            return
        received = _get(m, "Direction") != "Sent"
        what = "pressed keys " if received else "keys sent to it: "
        last = chan.steps[-1] if chan.steps else None
        if last is not None and last.kind == "keys" and last.what.startswith(what):
            last.what += _get(m, "Digit")
            return
        chan.steps.append(TraceStep(at, "keys", what + _get(m, "Digit"), note="DTMF", tone="dim", message=m))

    def blind_transfer(self, at: float | None, m: Message) -> None:
        by, moved = self.channel(m, "Transferer"), self.channel(m, "Transferee")
        where = f"{_get(m, 'Extension')}@{_get(m, 'Context')}"
        ok = _get(m, "Result") == "Success"
        failed = "" if ok else f" failed: {_get(m, 'Result') or '?'}"
        moved_name = moved.name if moved else "?"
        self.step(by, TraceStep(at, "transfer", f"blind transfer of {moved_name} to {where}{failed}", message=m))
        if moved is None or not ok:
            return
        for step in reversed(moved.steps):  # the move came first (see moved_from_outside)
            if step.kind == "transfer" and step.what.endswith("(Redirect or transfer)"):
                step.what = step.what.replace("(Redirect or transfer)", "(blind transfer)")
                break
        what = f"blind-transferred to {where}" + (f" by {by.name}" if by else "")
        moved.steps.append(TraceStep(at, "transfer", what, tone="good", message=m))

    def attended_transfer(self, at: float | None, m: Message) -> None:
        """Who ended up talking to whom: the transferee and the target, in words on each."""
        by = self.channel(m, "OrigTransferer")
        transferee, target = self.channel(m, "Transferee"), self.channel(m, "TransferTarget")
        result, dest = _get(m, "Result"), _get(m, "DestType")
        if result != "Success":
            self.step(
                by, TraceStep(at, "transfer", f"attended transfer failed: {result or '?'}", tone="bad", message=m)
            )
            return
        if dest == "App":
            joined = f"the application {_get(m, 'DestApp') or '?'}"
        elif dest == "Threeway":
            joined = "a three-way call"
        else:
            joined = target.name if target else "the transfer target"
        who = transferee.name if transferee else "the other party"
        step = TraceStep(at, "transfer", f"completes an attended transfer: {who} now talks to {joined}", message=m)
        self.step(by, step)
        step_of = f" (attended transfer by {by.name})" if by else " (attended transfer)"
        if transferee is not None:
            self.step(transferee, TraceStep(at, "transfer", f"now talks to {joined}{step_of}", tone="good", message=m))
        if target is not None and transferee is not None and dest in ("Bridge", "Link"):
            self.step(target, TraceStep(at, "transfer", f"now talks to {who}{step_of}", tone="good", message=m))


Handler = Callable[[BetweenSteps, "float | None", Message], None]
HANDLERS: dict[str, Handler] = {
    "BridgeEnter": BetweenSteps.bridge_enter,
    "BridgeLeave": BetweenSteps.bridge_leave,
    "LocalBridge": BetweenSteps.local_bridge,
    "BridgeMerge": BetweenSteps.bridge_merge,
    "Hold": BetweenSteps.hold,
    "Unhold": BetweenSteps.hold,
    "MusicOnHoldStart": BetweenSteps.music_on_hold,
    "MusicOnHoldStop": BetweenSteps.music_on_hold,
    "DTMFEnd": BetweenSteps.dtmf,
    "BlindTransfer": BetweenSteps.blind_transfer,
    "AttendedTransfer": BetweenSteps.attended_transfer,
}
