"""Small page states; each is a direct `rx.State` child and shares the user via `SessionState`."""
