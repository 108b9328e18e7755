"""Command-line interface: `planner <command>`. One module per command group."""

from planner.cli.app import app, main

__all__ = ["app", "main"]
