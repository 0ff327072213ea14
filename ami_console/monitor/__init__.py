"""What the console watches: its connection to the PBX (connecting, reconnecting, sending,
the read-only gate of :mod:`.read_only`) and the models fed from it on a thread of their own
(the event log's store, the calls, the dialplan, the lesson running, the server-side filters);
the transcript of the lines sent and received (:mod:`.transcript`, in memory, bounded); and the
composer's model (:mod:`.composing`: the action composed, its rows, a pasted action).

The model layer: imports the library and the other model packages, never Textual.
"""
