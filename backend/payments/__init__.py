"""Payments (SPEC §5): processors (Stripe, manual bank transfer), paying an invoice through Checkout,
the Stripe webhook, saved methods and auto-billing, refunds, disputes and payouts."""
