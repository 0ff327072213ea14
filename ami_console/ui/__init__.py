"""The Textual console: the only package that imports Textual (and Rich).

- :mod:`.app`: the App, its screens and the routing between them and the session.
- :mod:`.session`: one AMI connection driven from worker threads (Textual-free itself).
- :mod:`.plaintext`: how text from the server or a file is put on screen, always plain.
- ``screens/``: one screen or dialog per module; ``widgets/``: one widget per module;
  ``app.tcss``: the layout.

May import everything below it: the AMI library and the model (``ami_console.events``,
``ami_console.calls``, ``ami_console.files``). Nothing imports it but the command line.
"""
