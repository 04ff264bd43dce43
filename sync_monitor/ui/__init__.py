"""The UI layer. Pure: `text` (escaping, durations, times), `charts` (Altair specs), `markup`
(the few HTML pieces: named progress bars, the focus script). Streamlit sections of the live
page, each drawing one `Snapshot`: `header`, `active`, `queue`, `failures`, `summary`; `actions`
(retry/cancel clicks → toasts, focus after them) and `viewer` (the browser's time zone)."""
