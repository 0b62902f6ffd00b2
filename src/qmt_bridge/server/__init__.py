"""The FastAPI server. Import ``qmt_bridge.server.app.create_app`` to build an app."""
