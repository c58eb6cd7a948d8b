"""Residents sign in with their mobile number or ID number instead of a username."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from civilaffairs.lib.idnumber import is_valid_id_number, normalize_id_number


class ResidentIdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        from civilaffairs.registry.selectors import id_digest, phone_digest

        ident = username.strip()
        User = get_user_model()
        qs = User.objects.filter(kind="resident")
        if is_valid_id_number(ident):
            qs = qs.filter(person__id_digest=id_digest(normalize_id_number(ident)))
        elif ident.isdigit() and len(ident) == 11:
            qs = qs.filter(person__phone_digest=phone_digest(ident))
        else:
            return None
        user = qs.first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
