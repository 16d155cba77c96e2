"""Where the Streamlit app's entry point is, for AppTest."""
from pathlib import Path

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
