"""Assertions shared by test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status: int, code: str | None = None, param: str | None = None) -> dict:
    """Assert the one error shape ``{"error": {"code", "message", "details"}, "request_id"}``.

    Also: the request id is echoed in ``X-Request-ID`` and no traceback leaks. Returns the ``error`` object.
    """
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert isinstance(error["message"], str) and error["message"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert param in error["message"], error
    return error
