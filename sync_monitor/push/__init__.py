"""The push channel: the live state, worded once per process (`payload`), sent as compact changes
(`delta`) by one publisher thread (`publisher`) to every browser over a WebSocket route served by
Streamlit's own server (`route`), behind short-lived tokens (`token`)."""
