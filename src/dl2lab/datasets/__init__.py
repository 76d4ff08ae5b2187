"""Fetch, parse and split the real corpora dl2lab uses."""
