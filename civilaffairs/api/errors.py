"""Turning service-layer ``django.core.exceptions.ValidationError`` into API 400s."""
from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError


@contextmanager
def service_errors():
    """Services raise Django's ValidationError (and PermissionDenied, which DRF already maps
    to 403); the API answers the former as field errors, never a 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(serializers.as_serializer_error(exc)) from None
