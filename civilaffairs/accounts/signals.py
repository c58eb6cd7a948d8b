"""Sign-in events: failures are logged (without the password) and audited."""
from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from civilaffairs.audit.services import audit_log
from civilaffairs.lib.clientip import client_ip

from .identifiers import axes_username, identifier_kind

logger = logging.getLogger("civilaffairs.security")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    """The audit row and the log line name the account (or a keyed digest of an unknown
    identifier), never the typed text: residents type full ID and mobile numbers here, and
    the audit table is append-only."""
    typed = str(credentials.get("username", ""))[:150]
    key = axes_username(request, credentials) if typed else None
    ip = client_ip(request) if request is not None else None
    logger.warning("sign-in failed for %s from %s", key or "-", ip)
    user_id = key.split(":", 1)[1] if key and key.startswith("user:") else ""
    audit_log(actor=None, action="accounts.login_failed", object_type="accounts.user", object_id=user_id,
              after={"account": key, "typed_as": identifier_kind(typed) if typed else ""}, ip_address=ip)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="accounts.logout", obj=user)
