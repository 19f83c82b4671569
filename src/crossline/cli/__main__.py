"""``python -m crossline.cli``: the same as the ``crossline`` script."""

from crossline.cli.app import main

main()
