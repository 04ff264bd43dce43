"""Messages out of the monitor (issue 24): e-mail over SMTP, Slack-compatible incoming webhooks
and generic JSON webhooks, for the alerts and the weekly digest. Channels are named for logs
and pages by kind and number ("Slack webhook 1"), never by their address: a webhook URL holds
its secret."""
