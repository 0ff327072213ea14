"""The Asterisk CLI commands the Command action can run, with Asterisk's output layout.

Each module keeps the table of its own commands; :func:`.catalog.build_commands` gathers
them (the server builds the list once, ``ServerCore.commands``) and
:func:`.registry.run_cli` runs a command line. This package's ``__init__`` imports
nothing, so that importing :mod:`.registry` (as the Command action does) loads no command.
"""
