"""API authentication for department systems: ``Authorization: Token ca_…`` (or ``Bearer``).

The key is looked up by its prefix and compared by SHA-256 digest; an expired or revoked
key answers 401 with a message that says which, and a key is limited to its scope:
read-only keys read, department-data keys reach only the department-batch endpoints.
"""
from __future__ import annotations

import datetime as dt
import hmac

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from .models import ApiToken, TokenScope
from .services import api_token_digest, api_token_prefix

KEYWORDS = ("token", "bearer")
IMPORT_URL_NAMES = {"department-batch-list", "department-batch-detail"}
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Token <令牌>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Token <令牌>”。")) from None
        token = self._token_for_key(key)
        self._check_scope(request, token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

    def _token_for_key(self, key: str) -> ApiToken:
        prefix = api_token_prefix(key)
        token = (ApiToken.objects.select_related("user").filter(prefix=prefix).first()
                 if prefix is not None else None)
        if token is None or not hmac.compare_digest(token.key_digest, api_token_digest(key)):
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("该令牌已于 %(date)s 吊销，请向管理员申请新令牌。") % {
                "date": date_format(timezone.localtime(token.revoked_at), "Y-m-d H:i")})
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("该令牌已于 %(date)s 过期，请向管理员申请轮换。") % {
                "date": date_format(timezone.localtime(token.expires_at), "Y-m-d H:i")})
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所属账号已停用。"))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    def _check_scope(self, request, token: ApiToken) -> None:
        if token.scope == TokenScope.FULL:
            return
        if token.scope == TokenScope.READ_ONLY:
            if request.method not in SAFE_METHODS:
                raise exceptions.PermissionDenied(_("该令牌为只读令牌，不能修改数据。"))
            return
        match = getattr(request._request, "resolver_match", None)
        if match is None or match.url_name not in IMPORT_URL_NAMES:
            raise exceptions.PermissionDenied(_("该令牌仅用于报送部门数据。"))


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover - the schema is optional at run time
    OpenApiAuthenticationExtension = None

if OpenApiAuthenticationExtension is not None:
    class ApiTokenScheme(OpenApiAuthenticationExtension):
        target_class = "civilaffairs.accounts.authentication.ApiTokenAuthentication"
        name = "tokenAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": 'Token-based authentication with required prefix "Token" '
                                   "(keys are issued by an administrator: ca_<prefix>_<secret>)"}
