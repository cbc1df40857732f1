"""Raw HTTP through the official client's ApiClient: authenticated GETs whose bodies stay bytes.

The typed API classes deserialise every object into models (slow, and everything is kept); here the
ApiClient only builds the authenticated request and opens the connection, and the caller parses the
bytes with orjson. Every failure becomes an :class:`ApiError` or a urllib3/OS exception that
:func:`describe_error` turns into a short, credential-free sentence.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
from typing import Any, Final

import orjson
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

__all__ = ["ApiError", "Timeout", "describe_error", "finish", "get", "get_json", "interrupt", "request", "scrub"]

Timeout = tuple[float, float]
"""(connect, read) seconds: the read timeout bounds every wait for bytes, so a half-open connection is seen."""

_ERROR_BODY_LIMIT: Final = 64 * 1024
_USERINFO: Final = re.compile(r"(://)[^/@\s]+@")
_BEARER: Final = re.compile(r"(?i)(bearer\s+)\S+")


class ApiError(Exception):
    """A non-2xx answer from the API server (its Status object, if it sent one)."""

    def __init__(self, status: int, reason: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason  # the Status reason (Gone, Forbidden, Timeout, ...) or the HTTP reason phrase
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def from_status(cls, status: object, http_reason: str = "", retry_after: float | None = None) -> ApiError:
        """From a decoded metav1.Status (a watch ERROR event's object, or an error response's body)."""
        body: dict[str, Any] = status if isinstance(status, dict) else {}
        code = body.get("code")
        reason = body.get("reason")
        message = body.get("message")
        return cls(
            code if type(code) is int else 0,
            reason if isinstance(reason, str) and reason else http_reason,
            scrub(message)[:500] if isinstance(message, str) else "",
            retry_after,
        )

    @property
    def gone(self) -> bool:
        """410 Gone: the resourceVersion (or continue token) is older than what the server keeps."""
        return self.status == 410

    @property
    def too_large_resource_version(self) -> bool:
        """The server's cache has not yet seen the resourceVersion we asked for (e.g. after its restart)."""
        if self.status != 504 and self.reason != "Timeout":
            return False
        return "too large resource version" in self.message.lower() or "ResourceVersionTooLarge" in self.message


def scrub(text: str) -> str:
    """Remove what could be a credential from a message: URL userinfo and bearer tokens."""
    return _BEARER.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


def request(api_client: Any, path: str, query: list[tuple[str, str]], timeout: Timeout) -> urllib3.BaseHTTPResponse:
    """Open an authenticated GET and return the unread urllib3 response, whatever its status."""
    method, url, headers, body, post = api_client.param_serialize(
        "GET",
        path,
        query_params=query,
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    response: urllib3.BaseHTTPResponse = api_client.call_api(
        method, url, headers, body, post, _request_timeout=timeout
    ).response
    return response


def get(api_client: Any, path: str, query: list[tuple[str, str]], timeout: Timeout) -> urllib3.BaseHTTPResponse:
    """Open an authenticated GET and return the unread urllib3 response; raise ApiError on non-2xx."""
    response = request(api_client, path, query, timeout)
    if 200 <= response.status < 300:
        return response
    try:
        data = response.read(_ERROR_BODY_LIMIT)
    finally:
        finish(response, complete=False)
    raise _error_of(response, data)


def get_json(api_client: Any, path: str, query: list[tuple[str, str]], timeout: Timeout) -> Any:
    response = get(api_client, path, query, timeout)
    try:
        return orjson.loads(response.data)
    finally:
        response.release_conn()


def finish(response: urllib3.BaseHTTPResponse, *, complete: bool) -> None:
    """Give the connection back: reusable when the body was read to its end, otherwise closed first, so
    that no unread rest of a response can ever be taken for the start of the next one."""
    if not complete:
        response.close()
    response.release_conn()


def interrupt(response: urllib3.BaseHTTPResponse | None) -> None:
    """Unblock a thread reading ``response`` (from another thread): shut its socket down."""
    if response is None:
        return
    connection = getattr(response, "connection", None) or getattr(response, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _error_of(response: urllib3.BaseHTTPResponse, data: bytes) -> ApiError:
    retry_after: float | None = None
    header = response.headers.get("Retry-After")
    if header:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    try:
        status = orjson.loads(data)
    except orjson.JSONDecodeError:
        status = None
    if isinstance(status, dict) and status.get("kind") == "Status":
        error = ApiError.from_status(status, response.reason or "", retry_after)
        if error.status == 0:
            error.status = response.status
        return error
    text = data[:200].decode("utf-8", "replace").strip()
    return ApiError(response.status, response.reason or "", scrub(text), retry_after)


def describe_error(error: BaseException, verb: str = "", resource: str = "") -> str:
    """A short sentence naming the cause, never a credential: "connection refused", "forbidden: ..."."""
    if isinstance(error, ApiError):
        return _describe_api_error(error, verb, resource)
    if isinstance(error, MaxRetryError) and error.reason is not None:
        return describe_error(error.reason, verb, resource)
    if isinstance(error, ProtocolError) and error.args and isinstance(error.args[-1], BaseException):
        inner = error.args[-1]
        if isinstance(inner, ConnectionResetError):
            return "connection reset by the server"
    if type(error).__name__ == "ApiException":  # the client wraps urllib3's SSLError in its own ApiException
        text = str(getattr(error, "reason", "") or error)
        return _describe_tls(text) if "SSL" in text else scrub(text.splitlines()[0] if text else "error")[:200]
    return _describe_transport(error)


def _describe_transport(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, ReadTimeoutError):
        return "read timed out (no data from the server: connection stalled)"
    if isinstance(error, NewConnectionError | ConnectionRefusedError):  # NewConnectionError is a ConnectTimeoutError
        return "connection refused" if "refused" in text.lower() else "cannot connect: " + scrub(text)[:160]
    if isinstance(error, ConnectTimeoutError | TimeoutError):
        return "connect timed out"
    if isinstance(error, NameResolutionError):
        return "cannot resolve the server's host name"
    if isinstance(error, SSLError | ssl.SSLError):
        return _describe_tls(text)
    if isinstance(error, ProtocolError):
        return "connection lost: " + scrub(str(error.args[0]) if error.args else text)[:160]
    if isinstance(error, orjson.JSONDecodeError):
        return "the server sent something that is not JSON"
    return f"{type(error).__name__}: {scrub(text)[:200]}"


def _describe_tls(text: str) -> str:
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        detail = ""
        match = re.search(r"certificate verify failed: ([^()\n]+)", text)
        if match:
            detail = f" ({match.group(1).strip()})"
        return f"TLS: the server's certificate is not trusted{detail}; check certificate-authority in the kubeconfig"
    if "UNEXPECTED_EOF" in text or "EOF occurred" in text:
        return "connection closed during the TLS handshake"
    if "hostname" in text.lower() or "IP address mismatch" in text:
        return "TLS: the server's certificate does not match its address"
    return "TLS handshake failed: " + scrub(text.splitlines()[-1] if text else "")[:160]


def _describe_api_error(error: ApiError, verb: str, resource: str) -> str:
    what = f"{verb} {resource}".strip()
    if error.status == 401:
        return "unauthorized (401): the credentials were rejected or have expired"
    if error.status == 403:
        return f"forbidden: cannot {what} (RBAC)" if what else "forbidden (RBAC)"
    if error.status == 429:
        return "throttled by the server (429 Too Many Requests)"
    if error.gone:
        return "resourceVersion expired (410 Gone)"
    if error.too_large_resource_version:
        return "resourceVersion too large for the server's cache (504)"
    if error.status == 404:
        return f"not found (404): {what or 'resource'} is not served by this API server"
    message = f": {error.message}" if error.message else ""
    return f"HTTP {error.status} {error.reason}{message}"[:300]
