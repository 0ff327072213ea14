"""The console's model of events: what arrived, kept and found.

- :mod:`.timed`: an event with its arrival time, however it is held (:class:`LoggedEvent`).
- :mod:`.store`: the event log's bounded memory, its filtered view, counts and rate.
- :mod:`.filter`: the filter language typed above the log.
- :mod:`.summary`: one line per event, in an operator's words.
- :mod:`.export`: the log written to JSON Lines or raw AMI text, and transcripts.
- :mod:`.replay`: an export read back (``--replay``): streamed in bounded batches, stoppable.

May import the AMI library (``ami_console.protocol``, ``ami_console.printable``) and the
other model packages that do not import it back (``ami_console.files``); never Textual or Rich.
"""
