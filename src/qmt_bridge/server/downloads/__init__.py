"""Download jobs: run, watched, cancelled, verified and kept (``jobs``, ``verify``)."""
