"""Turning service-layer ``django.core.exceptions.ValidationError`` into API 400s."""
from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError

from civilaffairs.lib.errors import StateConflict


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("对象状态已变化（已被他人处理），请刷新后重试。")
    default_code = "conflict"


@contextmanager
def service_errors():
    """Services raise Django's ValidationError (and PermissionDenied, which DRF already maps
    to 403); the API answers the former as field errors, never a 500 — or 409 when the service
    says the record's state does not allow the request (``StateConflict``)."""
    try:
        yield
    except StateConflict as exc:
        raise Conflict(" ".join(exc.messages)) from None
    except DjangoValidationError as exc:
        raise ValidationError(serializers.as_serializer_error(exc)) from None
