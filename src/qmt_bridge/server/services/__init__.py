"""The service layer: validation against the backend, and xtquant shapes → JSON, done once, here."""
