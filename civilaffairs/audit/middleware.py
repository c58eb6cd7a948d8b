"""Gives every request an id (echoed in the X-Request-ID header) that audit events
and log lines carry, and remembers the client address for audit events."""
from __future__ import annotations

import contextvars
import re

from civilaffairs.lib.clientip import client_ip
from civilaffairs.lib.requestid import reset_request_id, set_request_id

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def current_client_ip() -> str | None:
    return _client_ip.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        ip_token = _client_ip.set(client_ip(request))
        try:
            from civilaffairs.lib.requestid import current_request_id

            request.request_id = current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            _client_ip.reset(ip_token)
            reset_request_id(token)
