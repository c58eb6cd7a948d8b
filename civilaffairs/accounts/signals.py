"""Sign-in events: failures are logged (without the password) and audited."""
from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from civilaffairs.audit.services import audit_log

logger = logging.getLogger("civilaffairs.security")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    logger.warning("sign-in failed for %s from %s", username, ip)
    audit_log(actor=None, action="accounts.login_failed", object_type="accounts.user",
              after={"username": username}, ip_address=ip)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="accounts.logout", obj=user)
