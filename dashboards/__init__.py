"""The observatory's Streamlit app and its map tile endpoint."""
