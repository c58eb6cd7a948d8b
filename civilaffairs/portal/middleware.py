"""Responses for a signed-in person carry personal data: no shared or browser cache keeps them."""
from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user (session or API
    token: DRF puts its authenticated user on the underlying request) and on every API
    response. Static files never get here: WhiteNoise answers them earlier."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            add_never_cache_headers(response)
        return response
