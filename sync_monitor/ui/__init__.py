"""The UI layer. Pure: `text`, `categories`, `charts`. Streamlit sections of the live page:
`header`, `active`, `queue`, `failures`, `summary`, and `actions` (retry/cancel clicks → toasts)."""
