"""Tests of what the console keeps on disk: profiles, history, saved actions."""
