"""The risk tests' fixtures live in risk_fixtures.py (a unique module name: several folders have a conftest)."""

from risk_fixtures import hand_ws, sim_ws  # noqa: F401 - fixtures, found by pytest through this conftest
