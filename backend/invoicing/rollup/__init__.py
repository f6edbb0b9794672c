"""The daily turnover rollup's repository (the job is backend/invoicing/daily_rollup.py)."""
