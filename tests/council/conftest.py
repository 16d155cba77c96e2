"""The pages' fixture: the app reads the test database through its own connection."""
from tests.dashboards.conftest import app_env  # noqa: F401
