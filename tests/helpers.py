"""Assertions shared by test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations


def assert_error(response, status: int, code: str | None = None, param: str | None = None) -> dict:
    """Assert the one error shape; returns the ``error`` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert param in error["message"], error
    return error
