"""Invoice and credit-note documents (SPEC §7): PDF/A-3b with the embedded EN 16931 (Factur-X) XML,
rendered once at issue, stored with their sha256, rebuilt from the snapshot when a file is lost."""
