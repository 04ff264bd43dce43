"""What the monitor says, as data shared by the page Streamlit draws and the push component:
the header and banners (`status`), a card and a queue row (`cards`), failure categories."""
