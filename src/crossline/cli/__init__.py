"""The ``crossline`` command: thin, every command calls crossline.service as the workspace's local administrator.

``app`` assembles the command modules of ``cli/commands`` (an explicit list);
``common`` holds what they share (the console, the workspace option, opening
a workspace as the local administrator); ``hints`` words the core's next
steps as commands; ``progress`` draws the bars of long work.
"""

from crossline.cli.app import app, main

__all__ = ["app", "main"]
