"""The worklist source of REVIEW rules' items (subject: the candidate). Its kinds follow the
registered REVIEW rules; each item links the person file or the household page."""
from __future__ import annotations

from django.urls import reverse

from civilaffairs.worklist import sources

from .rules import OnGain, Subject, on_registry_change, rule_registry

SUBJECT_TYPE = "entitlements.candidate"


def subject_urls(items) -> dict[int, str]:
    from .models import EntitlementCandidate

    ids = [int(i.subject_id) for i in items if str(i.subject_id).isdigit()]
    found = {c.pk: c for c in EntitlementCandidate.objects.filter(pk__in=ids).only("subject_type", "subject_id")}
    urls = {}
    for item in items:
        cand = found.get(int(item.subject_id)) if str(item.subject_id).isdigit() else None
        if cand is not None:
            name = "portal:person_file" if cand.subject_type == Subject.PERSON else "registry:household_detail"
            urls[item.pk] = reverse(name, args=[cand.subject_id])
    return urls


def _register_source() -> None:
    kinds = tuple(r.work_kind for r in rule_registry().values() if r.on_gain == OnGain.REVIEW and r.apply is None)
    # No kinds yet means "any kind" to the worklist: keep it closed with a kind no rule has.
    sources.source_register(SUBJECT_TYPE, sources.Source(subject_urls=subject_urls,
                                                         kinds=kinds or ("entitlement.none",)))


def register() -> None:
    on_registry_change(_register_source)
    _register_source()
