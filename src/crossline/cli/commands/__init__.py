"""Command modules: each adds its commands to crossline.cli.app on import (cli.COMMAND_MODULES)."""
