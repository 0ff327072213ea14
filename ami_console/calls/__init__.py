"""The console's model of calls: which events belong to one call, and its story.

- :mod:`.trace`: grouping events into calls (Linkedid, Uniqueid, channel names, Local
  pairs), the "follow this call" filter, and a call's trace.
- :mod:`.steps`: the steps of one channel's trace, one per event that matters.
- :mod:`.words`: Asterisk's codes (hangup causes, channel states, dial statuses) in words.
- :mod:`.text`: a trace as styled plain text, for the screen, the clipboard and a file.

May import the AMI library and ``ami_console.events``; never Textual or Rich.
"""
