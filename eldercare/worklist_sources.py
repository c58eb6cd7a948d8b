"""What elderly care's work items stand for, told to the worklist (``civilaffairs.worklist.sources``).
Each area registers its kinds in its block below; ``EldercareConfig.ready`` calls the ``register_*``."""
from __future__ import annotations

# --- elders / assessment area (elders helper): reassessment due / requested ----------------------

from django.urls import reverse  # noqa: E402

from civilaffairs.worklist.sources import Source, source_register  # noqa: E402


def _reassessment_urls(items) -> dict[int, str]:
    """The elder's page (the person file, which does its own scoping)."""
    return {item.pk: reverse("portal:person_file", args=[int(item.subject_id)])
            for item in items if str(item.subject_id).isdigit()}


def register_elders() -> None:
    from .services.assessment import REASSESSMENT_KIND, REASSESSMENT_SUBJECT

    # Signing a new assessment closes the item (``assessment_sign``); the worker may also close it
    # on the worklist (the elder moved away, died, refused), so no ``on_close`` veto.
    source_register(REASSESSMENT_SUBJECT, Source(subject_urls=_reassessment_urls, kinds=(REASSESSMENT_KIND,)))


# --- allowances and service credit (area C) ---------------------------------------------------------
# An allowance stopped by the engine (death, moved out) is checked by the community and closed on the
# worklist; a proposed stop's item is closed by the confirm (or the resume) on the elder's page.

def _allowance_person_urls(items) -> dict[int, str]:
    from django.urls import reverse

    from .models import Allowance

    ids = {int(i.subject_id) for i in items if str(i.subject_id).isdigit()}
    persons = dict(Allowance.objects.filter(pk__in=ids).values_list("pk", "person_id"))
    return {i.pk: reverse("portal:person_file", args=[persons[int(i.subject_id)]])
            for i in items if str(i.subject_id).isdigit() and int(i.subject_id) in persons}


def _allowance_on_close(*, item, actor, to_status, outcome, resolution) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import Allowance, AllowanceStatus
    from .services.allowances import STOP_CONFIRM_KIND

    if item.kind == STOP_CONFIRM_KIND and Allowance.objects.filter(
            pk=item.subject_id, status=AllowanceStatus.STOP_PROPOSED).exists():
        raise ValidationError(_("该停发仍待确认：请在老年人档案的“养老待遇”中确认或恢复，办理后待办自动办结。"))


def register_allowance_sources() -> None:
    from .services.allowances import STOP_CONFIRM_KIND, STOPPED_KIND, SUBJECT_TYPE

    source_register(SUBJECT_TYPE, Source(on_close=_allowance_on_close, subject_urls=_allowance_person_urls,
                                         kinds=(STOPPED_KIND, STOP_CONFIRM_KIND)))
