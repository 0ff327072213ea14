"""Lessons for newcomers: short steps done in the real console, each checked against what
really happened on the wire, and a catalogue of plain explanations.

- :mod:`.model`: lesson files (TOML; the format is in its docstring) and the folders
  they are read from, a lesson in progress, and the progress kept in the data directory.
- :mod:`.source`: a lesson file's text to a lesson, bounded before the TOML reader sees it.
- :mod:`.checks`: the check vocabulary, and the observations the console reports.
- :mod:`.explain`: what an event, a header (and its value) or a response means, in our words.
- ``builtin/``: the nine built-in lessons, which are also examples of the format.

May import the AMI library, ``ami_console.events``, ``ami_console.calls`` and
``ami_console.files``; never Textual or Rich.
"""
