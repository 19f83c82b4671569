"""Crossline: one shared, cross-border picture of county lines, and the workflows to act on it."""

__version__ = "0.1.0"
CONTRACT_VERSION = 1
