"""RQ worker and scheduler roles (top floor: may import backend, never the UI)."""
