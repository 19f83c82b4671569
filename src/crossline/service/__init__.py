"""The one API of the system: every use case is a function taking an Actor.

CLI, API and web pages call these; each checks policy before it reads and
records an audit entry for what it does.
"""
