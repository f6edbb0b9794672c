"""CSV exports of invoices, credit notes, payments, customers and subscriptions for a range of days."""
