"""Tests of the Textual console: the session threads, the app, its screens and widgets, pictures."""
