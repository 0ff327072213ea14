"""Dialplan tests: scenarios that place a call and check, from the wire, what that call did.

- :mod:`.scenario`: a scenario file (TOML; the format is in its docstring), read within
  bounds, and the folders and files scenarios are loaded from, each problem as
  ``file:line: problem``.
- :mod:`.record`: what one call did (its dialplan steps, dial statuses, causes, queue,
  bridges, variables), from the events of its Linkedid alone.
- :mod:`.checks`: each expectation of a scenario evaluated against a call's record.
- :mod:`.runner`: placing a scenario's call with Originate over a
  :class:`~ami_console.session.Session`, following it, hanging up all it placed, and
  making sure by CoreShowChannels that nothing is left on the PBX.
- :mod:`.report`: results as text lines and as JUnit XML.
- :mod:`.recording`: a call of the Calls model written as a scenario that expects what
  the call did.
- :mod:`.cli`: ``ami-console test``.
- ``examples/``: a scenario for each call flow of the demo PBX's ``demo`` context and one
  for the ``teach`` tour.

May import the AMI library, ``ami_console.events``, ``ami_console.calls``,
``ami_console.files`` and ``ami_console.lessons``; never Textual, Rich or the demo PBX
(``ami_console.cli`` starts the demo PBX for ``--demo`` and hands its address here).
"""
