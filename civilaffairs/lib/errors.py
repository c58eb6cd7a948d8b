"""Errors services raise that are more than "this input is wrong"."""
from __future__ import annotations

from django.core.exceptions import ValidationError


class StateConflict(ValidationError):
    """The request is well formed but the record is not in a state that allows it (an application
    already closed, a review already completed, a work item already done). Forms show it like any
    ValidationError; the API answers 409 instead of 400, so a client can tell "fix your request"
    from "the record has moved on: reload it"."""
