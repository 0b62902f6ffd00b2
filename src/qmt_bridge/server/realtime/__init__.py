"""Realtime streams: the hub of upstream subscriptions, the per-client outbox, the WebSocket protocol."""
