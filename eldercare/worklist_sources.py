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
