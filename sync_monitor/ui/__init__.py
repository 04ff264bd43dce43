"""The UI layer. Pure: `charts` (Altair specs), `markup` (the few HTML pieces: named progress
bars, the focus script). Streamlit sections of the live page, each drawing one `Snapshot`:
`header`, `active`, `queue`, `failures`, `summary`, `recent` (the audit trail); `push` and
`component/` (the header and cards drawn in the browser from the push channel); `clicks`
(retry/cancel clicks → toasts, focus after them) and `viewer` (the browser's time zone, and who
the viewer is). Text helpers and the shared words live below, in `text` and `words/`."""
