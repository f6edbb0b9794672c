"""The Reflex UI: pages, layout, components and small page states (ARCHITECTURE: top floor)."""
