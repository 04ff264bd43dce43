"""The UI layer: pure helpers (text, categories, charts data) and the Streamlit views."""
