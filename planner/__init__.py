"""Key-account territory and assignment planner."""

# The rule registry, loaded first: rule modules add their policy keys, so any policy read
# afterwards (by the loader, the API or a test) knows them (planner.models.policy.RULE_SETTINGS).
import planner.join_offer
import planner.rules  # noqa: F401
from planner.version import __version__

__all__ = ["__version__"]
