"""The console's model of calls: which events belong to one call, and its story.

- :mod:`.trace`: grouping events into calls (Linkedid, Uniqueid, channel names, Local
  pairs, calls joined in a bridge), the "follow this call" filter, and a call's trace.
- :mod:`.steps`: the steps of one channel's trace, one per event that matters; the steps
  between channels (bridges, hold, keys, transfers) in :mod:`.between`; the step and
  channel records, and the rule that tells a move from outside the dialplan, in :mod:`.story`.
- :mod:`.words`: Asterisk's codes (hangup causes, channel states, dial statuses) in words.
- :mod:`.text`: a trace as styled plain text, for the screen, the clipboard and a file,
  and one interleaved timeline of all a call's channels.
- :mod:`.live`: the calls up now, kept current from events and seeded from one listing
  (the Calls view's model); :mod:`.groups` its bookkeeping and bounds, :mod:`.call` a call
  and its row, :mod:`.channel` a channel.
- :mod:`.ladder`: a call's ladder (sequence diagram) as text lines and SVG.
- The dialplan pane's model, all its names importable from :mod:`.dialplan`:
  :mod:`.listing` (a context as ShowDialPlan lists it, read within bounds),
  :mod:`.dialplan` (the listings cached, and what to ask the server next),
  :mod:`.path` (one channel's walk, from its events), :mod:`.debugger` (the walk drawn
  on the listing, as a debugger shows source).
- :mod:`.actions`: the actions the Calls view sends.
- :mod:`.servers`: which servers these views can follow (Asterisk 12 and later).

May import the AMI library and ``ami_console.events``; never Textual or Rich.
"""
