"""Real, scripted stand-ins for outside services (tests only)."""
