"""What a person typed into the sign-in form, mapped to the account it names.

One person can type their user name, mobile number or ID number; throttling counts
failures per account, not per spelling, and nothing that stores a sign-in attempt (the
audit table, django-axes' tables, the logs) keeps the typed ID or phone number: only the
account key (``user:<id>``) or, for an identifier that names no account, a keyed digest.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model

from civilaffairs.lib.crypto import blind_index
from civilaffairs.lib.idnumber import is_valid_id_number, normalize_id_number

ID_NUMBER, PHONE, USERNAME = "id_number", "phone", "username"


def identifier_kind(ident: str) -> str:
    ident = ident.strip()
    if is_valid_id_number(ident):
        return ID_NUMBER
    if ident.isdigit() and len(ident) == 11:
        return PHONE
    return USERNAME


def resident_for_identifier(ident: str):
    """The resident account a mobile or ID number signs in to (the sign-in backend's lookup)."""
    from civilaffairs.registry.selectors import id_digest, phone_digest

    ident = ident.strip()
    kind = identifier_kind(ident)
    qs = get_user_model().objects.filter(kind="resident")
    if kind == ID_NUMBER:
        return qs.filter(person__id_digest=id_digest(normalize_id_number(ident))).first()
    if kind == PHONE:
        return qs.filter(person__phone_digest=phone_digest(ident)).first()
    return None


def account_for_identifier(ident: str):
    """The account these characters sign in to, in the order the backends try them."""
    ident = (ident or "").strip()
    if not ident:
        return None
    user = resident_for_identifier(ident) if identifier_kind(ident) != USERNAME else None
    if user is None:
        user = get_user_model().objects.filter(username=ident).first()
    return user


def unknown_identifier_digest(ident: str) -> str:
    ident = ident.strip()
    if identifier_kind(ident) == ID_NUMBER:
        ident = normalize_id_number(ident)
    return blind_index(ident, purpose="sign-in-identifier")[:32]


def account_key(ident: str | None) -> str | None:
    """``user:<pk>`` for an identifier naming an account, ``unknown:<digest>`` otherwise."""
    ident = (ident or "").strip()
    if not ident:
        return None
    user = account_for_identifier(ident)
    return f"user:{user.pk}" if user is not None else f"unknown:{unknown_identifier_digest(ident)}"


def axes_username(request, credentials) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what django-axes counts and stores instead of the typed name.

    Axes asks several times per sign-in; the answer is kept on the request."""
    if credentials:
        typed = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get("username")
    if typed is None:
        return None
    typed = str(typed)
    cache = getattr(request, "_account_keys", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._account_keys = cache
    if typed not in cache:
        cache[typed] = account_key(typed)
    return cache[typed]
