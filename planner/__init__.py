"""Key-account territory and assignment planner."""

__version__ = "0.1.0"
