"""Typed exceptions for the inet platform SDK.

Every error the server reports arrives as an MLflow-shaped JSON body
(``{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}``) with an HTTP status.
:func:`error_from_response` turns that into one exception class per kind of failure, so callers
can write ``except NotFoundError`` instead of inspecting status codes. Every exception derives
from :class:`InetError` and keeps ``error_code``, ``message`` and ``status`` as attributes.
"""

from __future__ import annotations

import json
from typing import Optional


class InetError(Exception):
    """Base class of every error raised by the SDK.

    Attributes:
        message: the server's message (or the SDK's, for local failures).
        error_code: the server's ``error_code`` such as ``"INVALID_PARAMETER_VALUE"``, or None.
        status: the HTTP status, or None when no response was received.
    """

    def __init__(self, message: str, error_code: Optional[str] = None,
                 status: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status

    def __str__(self) -> str:
        text = f"{self.error_code}: {self.message}" if self.error_code else self.message
        if self.status is not None:
            text += f" (HTTP {self.status})"
        return text


class InvalidRequestError(InetError):
    """The request was rejected as invalid (HTTP 400: INVALID_PARAMETER_VALUE, BAD_REQUEST).

    Job-spec validation problems land here with the server's message, which says how to fix
    the input (e.g. ``memory "16GB" is not a Kubernetes quantity; did you mean "16Gi"?``).
    """


class NotFoundError(InetError):
    """The job, artifact, experiment or endpoint does not exist (HTTP 404)."""


class AuthenticationError(InetError):
    """No token, or the token was not accepted (HTTP 401)."""


class PermissionDeniedError(InetError):
    """The token is valid but may not do this (HTTP 403)."""


class ConflictError(InetError):
    """The request conflicts with the resource's state (HTTP 409, or RESOURCE_ALREADY_EXISTS),
    e.g. cancelling a job that has already finished."""


class ResourceExhaustedError(InetError):
    """A size or rate limit was exceeded (HTTP 413/429, RESOURCE_EXHAUSTED), e.g. a code
    snapshot larger than the server accepts. The message names the limit."""


class ServerError(InetError):
    """The server failed (HTTP 5xx). Retrying later may help; the server log has details."""


class ServerUnreachableError(InetError, ConnectionError):
    """No HTTP response at all: the server is down, the address is wrong or the network failed.

    Also a :class:`ConnectionError`, so code that already handles network failures catches it.
    """


class WaitTimeoutError(InetError, TimeoutError):
    """:meth:`Job.wait` gave up before the job finished (the job keeps running).

    Also a :class:`TimeoutError`.
    """


# error_code -> class, checked before the HTTP status because some codes share a status
# (RESOURCE_ALREADY_EXISTS is 400 in MLflow but is a conflict).
_BY_CODE = {
    "INVALID_PARAMETER_VALUE": InvalidRequestError,
    "BAD_REQUEST": InvalidRequestError,
    "MALFORMED_REQUEST": InvalidRequestError,
    "RESOURCE_DOES_NOT_EXIST": NotFoundError,
    "NOT_FOUND": NotFoundError,
    "ENDPOINT_NOT_FOUND": NotFoundError,
    "UNAUTHENTICATED": AuthenticationError,
    "CUSTOMER_UNAUTHORIZED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "RESOURCE_ALREADY_EXISTS": ConflictError,
    "ALREADY_EXISTS": ConflictError,
    "RESOURCE_CONFLICT": ConflictError,
    "ABORTED": ConflictError,
    "FAILED_PRECONDITION": ConflictError,
    "RESOURCE_EXHAUSTED": ResourceExhaustedError,
    "REQUEST_LIMIT_EXCEEDED": ResourceExhaustedError,
}

_BY_STATUS = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ResourceExhaustedError,
    429: ResourceExhaustedError,
}


def error_class(status: int, error_code: Optional[str]) -> type:
    """The exception class for an HTTP status and an optional server error code."""
    if error_code in _BY_CODE:
        return _BY_CODE[error_code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return InetError


def error_from_response(status: int, body: bytes, context: str = "") -> InetError:
    """Builds the typed exception for an error response.

    ``body`` is parsed as the server's JSON error body when it is one; otherwise its text (or
    the status) becomes the message. ``context`` (e.g. ``"GET /api/v1/jobs/x"``) is used only
    when the body carries no message.
    """
    error_code = None
    message = ""
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        parsed = None
    if isinstance(parsed, dict):
        code = parsed.get("error_code")
        error_code = code if isinstance(code, str) and code else None
        msg = parsed.get("message")
        message = msg if isinstance(msg, str) else ""
    elif body:
        message = body.decode("utf-8", errors="replace").strip()[:2000]
    if not message:
        message = f"{context} failed" if context else "request failed"
    return error_class(status, error_code)(message, error_code=error_code, status=status)
