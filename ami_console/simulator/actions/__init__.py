"""The simulated AMI actions, each module with the table of its own actions.

:func:`.catalog.build_actions` gathers the tables into the PBX's registry (the server
builds it once, ``ServerCore.actions``), and :func:`.dispatch.dispatch` runs a request
through it. This package's ``__init__`` imports nothing: importing one of its modules
(the CLI imports :mod:`.docs`) loads that module alone, never every action.
"""
