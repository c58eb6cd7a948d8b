"""Purpose of use (查阅目的) for sensitive records: the platform helper every view uses.

A sensitive section (child protection, psychological files, health; declared with a capability and
``sensitive=True``) opens only after the worker states why they open it: a purpose from a short list
plus a note (required for "其他"). The statement is kept in the worker's session for that one object
for ``PURPOSE_TTL``; each read while it lasts writes one access-log row (``access_log_write``).
Without a stated purpose the view shows the form and nothing of the record.

In a view::

    access = sensitive_access(request, object_type="registry.person", object_id=person.pk,
                              section="childwelfare.protection", region_code=code,
                              capability=Capability.…)
    if access.granted:   # one access-log row written
        …the data…
    else:
        …``access.form`` posted to a view that calls ``purpose_state_from_post``…

The capability is checked the way scoping answers: a user who holds it nowhere is refused (403),
one who holds it elsewhere but not over this record's region gets 404, so the record's existence is
not revealed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.scoping import user_can
from civilaffairs.lib.logging import redact

from .models import AccessPurpose, STATED_PURPOSES
from .services import NOTE_MAX_LENGTH, access_log_write

PURPOSE_TTL = dt.timedelta(minutes=30)
# Statements kept per session; the oldest go first (a worker rarely has more than a few files open).
_KEPT = 50
_SESSION_KEY = "access_purposes"
NOTE_MIN_LENGTH_FOR_OTHER = 4


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("查阅目的"), choices=STATED_PURPOSES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           help_text=_("选择“其他”时必须说明；请勿填写身份证号、手机号等个人信息。"))

    def clean(self):
        data = super().clean()
        note = (data.get("note") or "").strip()
        data["note"] = note
        if data.get("purpose") == AccessPurpose.OTHER and len(note) < NOTE_MIN_LENGTH_FOR_OTHER:
            self.add_error("note", _("选择“其他”时，请用至少 %(n)s 个字说明查阅目的。") % {"n": NOTE_MIN_LENGTH_FOR_OTHER})
        return data


@dataclass(frozen=True)
class StatedPurpose:
    purpose: str
    note: str
    until: dt.datetime

    @property
    def label(self) -> str:
        return str(AccessPurpose(self.purpose).label)


@dataclass(frozen=True)
class SensitiveAccess:
    granted: bool
    purpose: StatedPurpose | None = None
    form: PurposeForm | None = None


def _now() -> dt.datetime:
    return timezone.now()


def _key(object_type: str, object_id) -> str:
    return f"{object_type}:{object_id}"


def _until(entry) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(entry["until"])
    except (KeyError, TypeError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def purpose_active(request, *, object_type: str, object_id) -> StatedPurpose | None:
    """The purpose this session stated for the object, while it lasts."""
    entry = request.session.get(_SESSION_KEY, {}).get(_key(object_type, object_id))
    if not entry:
        return None
    try:
        until = dt.datetime.fromisoformat(entry["until"])
        stated = StatedPurpose(purpose=AccessPurpose(entry["purpose"]).value, note=entry.get("note", ""), until=until)
    except (KeyError, TypeError, ValueError):
        return None
    return stated if _now() < stated.until else None


def purpose_state(request, *, object_type: str, object_id, purpose: str, note: str = "") -> StatedPurpose:
    """Remember a (validated) stated purpose for the object in this session for ``PURPOSE_TTL``."""
    if purpose not in dict(STATED_PURPOSES):
        raise ValueError(f"not a purpose a worker states: {purpose!r}")
    # Masked here already: the session row holds no more than the access log will.
    stated = StatedPurpose(purpose=purpose, note=redact(note or "").strip()[:NOTE_MAX_LENGTH],
                           until=_now() + PURPOSE_TTL)
    now = _now()
    kept = {k: v for k, v in request.session.get(_SESSION_KEY, {}).items() if _until(v) > now}
    kept.pop(_key(object_type, object_id), None)
    kept = dict(list(kept.items())[-(_KEPT - 1):])
    kept[_key(object_type, object_id)] = {"purpose": stated.purpose, "note": stated.note,
                                          "until": stated.until.isoformat()}
    request.session[_SESSION_KEY] = kept
    return stated


def purpose_state_from_post(request, *, object_type: str, object_id) -> tuple[StatedPurpose | None, PurposeForm]:
    """Validate the posted purpose form and remember it; ``(None, bound form)`` when invalid."""
    form = PurposeForm(request.POST)
    if not form.is_valid():
        return None, form
    stated = purpose_state(request, object_type=object_type, object_id=object_id,
                           purpose=form.cleaned_data["purpose"], note=form.cleaned_data["note"])
    return stated, form


def require_capability(user, capability: str, region_code: str) -> None:
    """403 for a user who holds ``capability`` nowhere, 404 for one who holds it, but not over the
    record's region."""
    if not user_can(user, capability):
        raise PermissionDenied
    if not user_can(user, capability, region_code):
        raise Http404


def sensitive_access(request, *, object_type: str, object_id, section: str, region_code: str,
                     capability: str) -> SensitiveAccess:
    """May this request show ``section`` of the object now? With a stated purpose: yes, and the read
    is logged (one access-log row per call: call it once per section shown). Without: the form."""
    require_capability(request.user, capability, region_code)
    stated = purpose_active(request, object_type=object_type, object_id=object_id)
    if stated is None:
        return SensitiveAccess(granted=False, form=PurposeForm())
    access_log_write(actor=request.user, object_type=object_type, object_id=object_id, section=section,
                     purpose=stated.purpose, note=stated.note, region_code=region_code)
    return SensitiveAccess(granted=True, purpose=stated)
