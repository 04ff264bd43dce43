"""The UI layer. Pure: `text` (escaping, durations, times), `charts` (Altair specs). Streamlit
sections of the live page, each drawing one `Snapshot`: `header`, `active`, `queue`, `failures`,
`summary`, and `actions` (retry/cancel clicks → toasts)."""
