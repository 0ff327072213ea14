"""What the console watches: its connection to the PBX (connecting, reconnecting, sending,
the read-only gate) and the models fed from it on a thread of their own (the event log's
store, the calls, the dialplan, the lesson running, the server-side filters), and the
transcript of the lines sent and received (:mod:`.transcript`, in memory, bounded).

The model layer: imports the library and the other model packages, never Textual.
"""
