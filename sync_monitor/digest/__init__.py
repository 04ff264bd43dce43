"""The weekly digest (issue 24): per list of clients, the week's syncs, success rate, what
failed and why in words, and what is late now; sent on a schedule by e-mail and webhooks, once
per deployment, and shown on the Digest page.

config and schedule (what the setting says, when each digest goes) and compose (the digest's
words, text, HTML and JSON) are pure; queries read the week from the history; scheduler is the
one thread that sends them."""
