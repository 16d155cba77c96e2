"""Where the Streamlit app's entry point is, for AppTest, and how a test opens one of its pages."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


def open_page(section: str, **params) -> AppTest:
    """dashboards/sections/<section>.py as the app shows it: the query parameters are set before
    the first run, as a link would set them, then the app switches to the page."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(f"sections/{section}.py")
    return at.run()
