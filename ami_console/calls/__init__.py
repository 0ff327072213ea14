"""The console's model of calls: which events belong to one call, and its story.

- :mod:`.trace`: grouping events into calls (Linkedid, Uniqueid, channel names, Local
  pairs), the "follow this call" filter, and a call's trace.
- :mod:`.steps`: the steps of one channel's trace, one per event that matters.
- :mod:`.words`: Asterisk's codes (hangup causes, channel states, dial statuses) in words.
- :mod:`.text`: a trace as styled plain text, for the screen, the clipboard and a file,
  and one interleaved timeline of all a call's channels.
- :mod:`.live`: the calls up now, kept current from events and seeded from lists (the
  Calls view's model).
- :mod:`.ladder`: a call's ladder (sequence diagram) as text lines and SVG.
- The dialplan pane's model, all its names importable from :mod:`.dialplan`:
  :mod:`.listing` (a context as ShowDialPlan lists it, read within bounds),
  :mod:`.dialplan` (the listings cached, and what to ask the server next),
  :mod:`.path` (one channel's walk, from its events), :mod:`.debugger` (the walk drawn
  on the listing, as a debugger shows source).

May import the AMI library and ``ami_console.events``; never Textual or Rich.
"""
