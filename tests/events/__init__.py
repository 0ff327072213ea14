"""Tests of the model of events: store, filter, summaries, export and replay."""
