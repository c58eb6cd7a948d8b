"""Residents sign in with their mobile number or ID number instead of a username."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .identifiers import USERNAME, identifier_kind, resident_for_identifier


class ResidentIdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        if identifier_kind(username) == USERNAME:
            return None
        user = resident_for_identifier(username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
