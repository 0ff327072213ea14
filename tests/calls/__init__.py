"""Tests of the model of calls: grouping events into calls, and their traces."""
