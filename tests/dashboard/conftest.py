"""The route permission table's ``world`` fixture, shared with tests/test_route_permissions.py."""

from tests.test_route_permissions import world  # noqa: F401
