"""Tests of the demo PBX, checked against the Asterisk 22 captures."""
