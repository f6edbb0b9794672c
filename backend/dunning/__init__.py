"""Dunning (SPEC §4, §9): payment reminders at the tenant's offsets after the due date, then the
subscriptions go past due (with a suspension hook for provisioning); reversed when paid.

Importing any part of dunning (its routes, its page's gateway, its coordinator) imports the service,
which registers `settle` with invoicing's settlement listeners: a process that can pay an invoice
and knows dunning reverses it on every path (docs/decisions.md)."""

from backend.dunning import service as service
