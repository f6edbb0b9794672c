"""Dunning (SPEC §4, §9): payment reminders at the tenant's offsets after the due date, then the
subscriptions go past due (with a suspension hook for provisioning); reversed when paid."""
