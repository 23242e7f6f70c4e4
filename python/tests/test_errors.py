"""Error bodies and statuses become the right typed exceptions."""

import json

import pytest

from inet_platform import errors
from inet_platform.errors import (AuthenticationError, ConflictError, InetError,
                                  InvalidRequestError, NotFoundError, PermissionDeniedError,
                                  ResourceExhaustedError, ServerError, ServerUnreachableError,
                                  WaitTimeoutError, error_from_response)


def body(code, message):
    return json.dumps({"error_code": code, "message": message}).encode()


@pytest.mark.parametrize("status,code,cls", [
    (400, "INVALID_PARAMETER_VALUE", InvalidRequestError),
    (400, "BAD_REQUEST", InvalidRequestError),
    (400, "RESOURCE_ALREADY_EXISTS", ConflictError),
    (401, "UNAUTHENTICATED", AuthenticationError),
    (403, "PERMISSION_DENIED", PermissionDeniedError),
    (404, "RESOURCE_DOES_NOT_EXIST", NotFoundError),
    (404, "ENDPOINT_NOT_FOUND", NotFoundError),
    (409, "FAILED_PRECONDITION", ConflictError),
    (409, "ABORTED", ConflictError),
    (413, "RESOURCE_EXHAUSTED", ResourceExhaustedError),
    (429, "REQUEST_LIMIT_EXCEEDED", ResourceExhaustedError),
    (500, "INTERNAL_ERROR", ServerError),
    (503, "TEMPORARILY_UNAVAILABLE", ServerError),
])
def test_code_and_status_pick_the_class(status, code, cls):
    e = error_from_response(status, body(code, "what went wrong"))
    assert type(e) is cls
    assert e.error_code == code
    assert e.status == status
    assert e.message == "what went wrong"
    assert str(e) == f"{code}: what went wrong (HTTP {status})"


@pytest.mark.parametrize("status,cls", [
    (400, InvalidRequestError), (401, AuthenticationError), (403, PermissionDeniedError),
    (404, NotFoundError), (409, ConflictError), (413, ResourceExhaustedError),
    (502, ServerError), (418, InetError),
])
def test_status_alone_picks_the_class_for_non_json_bodies(status, cls):
    e = error_from_response(status, b"<html>proxy says no</html>", "GET /x")
    assert type(e) is cls
    assert e.error_code is None
    assert e.message == "<html>proxy says no</html>"


def test_empty_body_uses_the_context():
    e = error_from_response(500, b"", "GET /api/v1/jobs")
    assert e.message == "GET /api/v1/jobs failed"
    assert str(e) == "GET /api/v1/jobs failed (HTTP 500)"


def test_unknown_code_falls_back_to_status():
    e = error_from_response(404, body("SOMETHING_NEW", "gone"))
    assert isinstance(e, NotFoundError)
    assert e.error_code == "SOMETHING_NEW"


def test_json_that_is_not_an_object_is_treated_as_text():
    e = error_from_response(400, b'["a"]')
    assert isinstance(e, InvalidRequestError)
    assert e.message == '["a"]'


def test_hierarchy_lets_callers_catch_builtin_kinds():
    assert issubclass(ServerUnreachableError, ConnectionError)
    assert issubclass(ServerUnreachableError, InetError)
    assert issubclass(WaitTimeoutError, TimeoutError)
    assert issubclass(WaitTimeoutError, InetError)
    for name in ("InvalidRequestError", "NotFoundError", "AuthenticationError",
                 "PermissionDeniedError", "ConflictError", "ResourceExhaustedError",
                 "ServerError"):
        assert issubclass(getattr(errors, name), InetError)
    e = ServerUnreachableError("cannot reach")
    assert str(e) == "cannot reach"
