"""A small staff page: the registered rules with their candidates in the user's jurisdiction,
and the recent runs; one rule's candidates. Read-only."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from civilaffairs.accounts.scoping import user_can
from civilaffairs.portal.access import user_passes
from civilaffairs.registry.models import Household, Person

from . import selectors
from .apps import VIEW_ENTITLEMENTS
from .models import CandidateStatus
from .rules import Subject, rule_registry

PAGE_SIZE = 50

entitlements_required = user_passes(lambda user: user_can(user, VIEW_ENTITLEMENTS))


@entitlements_required
def index(request):
    counts = selectors.candidate_counts_for_user(user=request.user)
    rules = [(rule, counts.get(rule.key, {"eligible": 0, "lost": 0})) for rule in rule_registry().values()]
    return render(request, "entitlements/index.html", {"rules": rules, "runs": selectors.recent_runs()})


@entitlements_required
def rule_detail(request, key: str):
    rule = rule_registry().get(key)
    if rule is None:
        raise Http404
    if rule.results_url_name:  # a rule set with tables and pages of its own
        return redirect(rule.results_url_name)
    status = request.GET.get("status", "")
    if status not in CandidateStatus.values:
        status = ""
    page = Paginator(selectors.candidates_for_user(user=request.user, rule_key=key, status=status),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [c.subject_id for c in page.object_list]
    if rule.subject == Subject.PERSON:
        names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = dict(Household.objects.filter(pk__in=ids).values_list("pk", "head_name"))
    rows = [(c, names.get(c.subject_id, "")) for c in page.object_list]
    return render(request, "entitlements/rule_detail.html",
                  {"rule": rule, "page": page, "rows": rows, "status": status,
                   "statuses": CandidateStatus.choices, "is_person": rule.subject == Subject.PERSON})
