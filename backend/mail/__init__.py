"""Transactional email (SPEC §7): templates, queued deliveries, sending with retries, the record
of every delivery. Callers in other domains queue a `MailRequest`; nothing here knows invoices or
subscriptions beyond the context a caller passes."""
