"""Caseworker pages: the filtered application list (the API's FilterSet), the detail page
with the actions this user may take now, the printable verification report, the
decision letter and the household 360° page."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.portal.access import is_caseworker
from civilaffairs.registry.models import RecordKind, Region
from civilaffairs.registry.parameters import CATALOGUE
from civilaffairs.registry.search import ID_DIGEST_PARAM, names_an_id_number, search_redirect, searched_id_label
from civilaffairs.registry.selectors import household_get_for_user, household_members

from .. import services as svc
from .. import forms as f
from ..filters import ApplicationFilterSet
from ..models import ApplicationStatus, Decision, DecisionOutcome, DecisionState, Objection, Programme
from ..selectors import (
    application_get_for_user, application_list, household_assistance, households_to_file_for, may_file_on_behalf,
    report_get_for_user,
)
from ..verification import verify_seal
from ..capabilities import FILE
from ..workflow import TRANSITIONS, FourEyes, actions_from
from . import common
from .common import (
    DEPARTMENT_LABELS, PAGE_SIZE, RELATION_LABELS, CappedPaginator, add_errors, caseworker_required, label_members,
    scoped_applications,
)
from .resident import owned_application_context

PARAMETER_LABELS = {p.key: (str(p.label), p.unit) for p in CATALOGUE}


# --- list and export -------------------------------------------------------------------

def _filterset(request):
    fs = ApplicationFilterSet(request.GET or None, queryset=application_list(user=request.user))
    for name, field in fs.form.fields.items():
        if name == "status":
            field.widget.attrs.update({"class": "form-select", "size": 4})
        elif name == "overdue":
            field.widget.attrs.setdefault("class", "form-select")
            field.widget.choices = [("unknown", _("全部")), ("true", _("仅看超期")), ("false", _("未超期"))]
        elif name.startswith("submitted_"):
            field.widget.input_type = "date"
            field.widget.attrs.setdefault("class", "form-control")
        else:
            field.widget.attrs.setdefault("class", "form-select" if hasattr(field, "choices") else "form-control")
            if hasattr(field, "choices"):
                field.widget.choices = [("", _("全部")), *[c for c in field.choices if c[0] != ""]]
    return fs


def _may_export(user) -> bool:
    return user_can(user, Capability.EXPORT_PERSONAL_DATA)


@caseworker_required
def application_list_view(request):
    fs = _filterset(request)
    paginator = CappedPaginator(fs.qs, PAGE_SIZE, cap=common.COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    common.label_list_rows(page.object_list)
    return render(request, "assistance/application_list.html", {
        "filterset": fs, "page": page, "capped": paginator.capped, "cap": common.COUNT_CAP,
        "can_export": _may_export(request.user), "query": request.GET.urlencode(),
        "can_file_on_behalf": may_file_on_behalf(request.user),
    })


@caseworker_required
def application_export(request):
    if not _may_export(request.user):
        raise PermissionDenied(_("您无权导出个人数据。"))
    from .. import exports  # written alongside the API; imported lazily

    fs = _filterset(request)
    content = exports.applications_export(actor=request.user, queryset=fs.qs)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="applications-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


# --- detail and actions -------------------------------------------------------------------

def _run_accept(user, app, data, files):
    svc.application_accept(actor=user, application_id=app.pk, note=data["note"])
    return _("已受理。")


def _run_return(user, app, data, files):
    svc.application_return(actor=user, application_id=app.pk, missing=data["missing"])
    return _("已退回申请人补正材料。")


def _run_verify(user, app, data, files):
    report = svc.application_verify(actor=user, application_id=app.pk, as_of=data["as_of"])
    return _("核对报告 %(no)s 已生成并签章。") % {"no": report.number}


def _run_visit(user, app, data, files):
    svc.visit_record(actor=user, application_id=app.pk, visited_at=data["visited_at"], visitors=data["visitors"],
                     findings=data["findings"], living_conditions=data["living_conditions"],
                     recommendation=data["recommendation"], photos=data["photos"])
    return _("入户调查已记录。")


def _run_notice(user, app, data, files):
    notice = svc.notice_start(actor=user, application_id=app.pk, starts_on=data["starts_on"],
                              location=data["location"])
    return _("已发布公示，公示期 %(a)s 至 %(b)s。") % {"a": notice.starts_on, "b": notice.ends_on}


def _run_objection(user, app, data, files):
    svc.objection_record(actor=user, application_id=app.pk, content=data["content"], received_on=data["received_on"])
    return _("异议已登记。")


def _run_resolve(user, app, data, files):
    if not Objection.objects.filter(pk=data["objection"], notice__application=app).exists():
        raise Http404
    svc.objection_resolve(actor=user, objection_id=data["objection"], resolution=data["resolution"],
                          upheld=data["upheld"])
    return _("异议已处理。")


def _run_close(user, app, data, files):
    svc.notice_close(actor=user, application_id=app.pk)
    return _("公示期满，已报区县审批。")


def _run_approve(user, app, data, files):
    decision = svc.application_approve(actor=user, application_id=app.pk, note=data["note"])
    if decision.state == DecisionState.PROPOSED:
        return _("核定金额超过须第二审批人确认的标准，已记为拟批准，待另一名区县审批人确认后生效。")
    return _("已批准，救助待遇自本月起生效。")


def _run_confirm(user, app, data, files):
    svc.application_confirm(actor=user, application_id=app.pk, note=data["note"])
    return _("已确认批准，救助待遇自本月起生效。")


def _run_emergency_confirm(user, app, data, files):
    payment = svc.application_emergency_confirm(actor=user, application_id=app.pk, note=data["note"])
    return _("已批准先行救助，%(a)s 元已列入发放。") % {"a": payment.amount}


def _run_emergency_decline(user, app, data, files):
    svc.application_emergency_decline(actor=user, application_id=app.pk, reason=data["reason"])
    return _("已不予批准先行救助。")


def _run_reject(user, app, data, files):
    svc.application_reject(actor=user, application_id=app.pk, reason=data["reason"])
    return _("已作出不予批准决定。")


def _run_withdraw(user, app, data, files):
    svc.application_withdraw(actor=user, application_id=app.pk, reason=data["reason"])
    return _("申请已撤回。")


def _run_resubmit(user, app, data, files):
    svc.application_resubmit(actor=user, application_id=app.pk, note=data["note"])
    return _("已重新提交。")


def _run_emergency(user, app, data, files):
    decision = svc.application_emergency_pay(actor=user, application_id=app.pk, amount=data["amount"],
                                             note=data["note"])
    if decision.state == DecisionState.PROPOSED:
        return _("先行救助 %(a)s 元超过本级可独立决定的金额，已报区县审批。") % {"a": decision.one_off_total}
    return _("先行救助 %(a)s 元已列入发放。") % {"a": decision.one_off_total}


# action → (form, runner, button style). Transition names come from assistance.workflow.
ACTIONS = {
    "accept": (f.NoteForm, _run_accept, "primary"),
    "return": (f.ReturnForm, _run_return, "outline-warning"),
    "verify": (f.VerifyForm, _run_verify, "primary"),
    "record_visit": (f.VisitForm, _run_visit, "primary"),
    "start_notice": (f.NoticeForm, _run_notice, "primary"),
    "close_notice": (f.NoteForm, _run_close, "primary"),
    "approve": (f.NoteForm, _run_approve, "success"),
    "reject": (f.RejectForm, _run_reject, "outline-danger"),
    "withdraw": (f.WithdrawForm, _run_withdraw, "outline-secondary"),
    "resubmit": (f.ResubmitForm, _run_resubmit, "primary"),
    "objection": (f.ObjectionForm, _run_objection, "outline-primary"),
    "resolve": (f.ResolveForm, _run_resolve, "outline-primary"),
    "emergency": (f.EmergencyForm, _run_emergency, "danger"),
    "confirm": (f.NoteForm, _run_confirm, "success"),
    "emergency_confirm": (f.NoteForm, _run_emergency_confirm, "danger"),
    "emergency_decline": (f.EmergencyDeclineForm, _run_emergency_decline, "outline-danger"),
}
# Lazy: a module-level gettext ran once, at import, in the default language (English pages showed Chinese).
EXTRA_LABELS = {"objection": gettext_lazy("登记公示异议"), "resolve": gettext_lazy("处理异议"),
                "emergency": gettext_lazy("先行救助（先救后审）"),
                "emergency_confirm": gettext_lazy("批准先行救助（区县）"),
                "emergency_decline": gettext_lazy("不予批准先行救助")}


def _proposal(app, outcome: str) -> Decision | None:
    return (app.decisions.filter(outcome=outcome, state=DecisionState.PROPOSED).select_related("decided_by")
            .order_by("-decided_at", "-id").first())


def _allowed_actions(user, app) -> list[str]:
    names = [t.action for t in actions_from(app.status) if t.action != "submit" and svc.may_act(user, t.action, app)]
    region = app.community_id
    if app.status == ApplicationStatus.NOTICE and svc.holds(user, region, "close_notice", "record_visit"):
        names.append("objection")
    if "confirm" in names:  # four eyes: the proposer is not offered their own proposal
        proposal = _proposal(app, DecisionOutcome.APPROVED)
        if proposal is None or proposal.decided_by_id == user.pk:
            names.remove("confirm")
    requested = (_proposal(app, DecisionOutcome.EMERGENCY)
                 if app.emergency and app.emergency_paid_at is None and not app.is_final else None)
    if requested is not None and svc.holds(user, region, "approve"):
        if requested.decided_by_id != user.pk:
            names.append("emergency_confirm")
        names.append("emergency_decline")
    if (app.emergency and app.emergency_paid_at is None and requested is None
            and Programme.TEMPORARY in app.programmes
            and app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED, ApplicationStatus.VERIFIED,
                               ApplicationStatus.VISITED)
            and svc.holds(user, region, "accept", "approve")):
        names.append("emergency")
    return names


def _action_cards(user, app, *, bound: dict | None = None) -> list[dict]:
    """The forward step first (it is shown open), then the side ways (return, reject, withdraw)."""
    cards = []
    names = sorted(_allowed_actions(user, app), key=lambda n: ACTIONS[n][2].startswith("outline"))
    for name in names:
        form_class, _runner, style = ACTIONS[name]
        form = (bound or {}).get(name) or form_class(prefix=name)
        label = TRANSITIONS[name].label if name in TRANSITIONS else EXTRA_LABELS[name]
        card = {"name": name, "label": label, "form": form, "style": style, "multipart": name == "record_visit"}
        if name == "confirm":
            card["proposal"] = _proposal(app, DecisionOutcome.APPROVED)
        if name == "emergency_confirm":
            card["proposal"] = _proposal(app, DecisionOutcome.EMERGENCY)
        if name == "approve":
            try:
                results, card["params"], card["report"] = svc.application_compute(app)
                card["results"] = [{"label": Programme(r.programme).label, "r": r} for r in results]
                # Not approvable as computed: say why first, propose no amount, point to 不予批准.
                card["blockers"] = svc.approval_blockers(results, card["report"])
            except ValidationError as exc:
                card["compute_errors"] = exc.messages
        cards.append(card)
    approve = next((c for c in cards if c["name"] == "approve"), None)
    if approve is not None and (approve.get("blockers") or approve.get("compute_errors")):
        for card in cards:
            card["open"] = card["name"] == "reject"
    return cards


def _notice_context(user, app) -> dict:
    notice = getattr(app, "notice", None) if app.status != ApplicationStatus.DRAFT else None
    if notice is None:
        return {"notice": None, "objections": []}
    can_resolve = svc.holds(user, app.community_id, "close_notice")
    objections = [(o, f.ResolveForm(prefix="resolve", initial={"objection": o.pk})
                   if can_resolve and not o.is_resolved else None)
                  for o in notice.objections.select_related("resolved_by")]
    return {"notice": notice, "objections": objections}


def _render_detail(request, app, *, bound=None, status=200):
    context = {"app": app, "events": app.events.all(), "status_choices": ApplicationStatus.choices, "materials": app.materials.all(),
               "members": label_members(app.members.all()), "decisions": app.decisions.all(),
               "reports": app.verification_reports.order_by("-created_at"),
               "visits": app.visits.prefetch_related("photos"), **_notice_context(request.user, app)}
    if request.user.is_resident:
        context.update(owned_application_context(request, app, bound=bound))
        return render(request, "assistance/application_mine.html", context, status=status)
    context.update({"cards": _action_cards(request.user, app, bound=bound),
                    "may_file": user_can(request.user, FILE, app.community_id)})
    return render(request, "assistance/application_detail.html", context, status=status)


@never_cache
def application_detail(request, pk: int):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not (request.user.is_resident or is_caseworker(request.user)):
        raise PermissionDenied
    app = application_get_for_user(user=request.user, pk=pk)
    if not request.user.is_resident:
        audit_log(actor=request.user, action="assistance.application_viewed", obj=app, region_code=app.community_id)
    return _render_detail(request, app)


@require_POST
@caseworker_required
def application_act(request, pk: int, action: str):
    """One action on the application. The service locks the row and checks state and rights;
    a stale page gets its "已被他人处理" message back on the page."""
    if action not in ACTIONS:
        raise Http404
    app = application_get_for_user(user=request.user, pk=pk)
    if not svc.may_take(request.user, action, app):
        raise PermissionDenied(_("您无权对该申请执行此操作。"))
    form_class, runner, _style = ACTIONS[action]
    form = form_class(request.POST, request.FILES, prefix=action)
    version = request.POST.get("version")
    if form.is_valid():
        if version and version != str(app.version) and action not in ("objection", "resolve"):
            form.add_error(None, _("该申请已被他人处理（当前状态：%(s)s），请查看最新情况后再操作。")
                           % {"s": app.get_status_display()})
        else:
            try:
                message = runner(request.user, app, form.cleaned_data, request.FILES)
            except FourEyes as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("assistance:application_detail", app.pk)
    app = application_get_for_user(user=request.user, pk=pk)
    if action not in _allowed_actions(request.user, app):
        for error in form.non_field_errors() or [e for errs in form.errors.values() for e in errs]:
            messages.error(request, error)
        return redirect("assistance:application_detail", app.pk)
    return _render_detail(request, app, bound={action: form}, status=400)


# --- filing on a resident's behalf ---------------------------------------------------------

FILE_SEARCH_PAGE_SIZE = 20


@caseworker_required
def file_search(request):
    if not may_file_on_behalf(request.user):
        raise PermissionDenied(_("只有村（社区）、乡镇（街道）工作人员可以代为申请。"))
    # The form posts (an ID number never goes into the URL); a valid search is redirected to a GET
    # whose query holds the name, or the ID number's digest (registry/search.py).
    if request.method == "POST":
        form = f.HouseholdSearchForm(request.POST)
        if form.is_valid():
            return search_redirect(request, request.POST)
        return render(request, "assistance/file_search.html", {"form": form, "page": None, "searched": True})
    if names_an_id_number(request.GET):
        return search_redirect(request, request.GET)
    digest = request.GET.get(ID_DIGEST_PARAM, "")
    form = f.HouseholdSearchForm(request.GET if "q" in request.GET else None)
    page = None
    if digest or (form.is_valid() and form.cleaned_data["q"].strip()):
        found = households_to_file_for(user=request.user, q=form.cleaned_data["q"].strip() if not digest else "",
                                       id_digest=digest)
        page = CappedPaginator(found, FILE_SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assistance/file_search.html", {
        "form": form, "page": page, "searched": form.is_bound or bool(digest),
        "id_searched": bool(digest), "id_search_label": searched_id_label(request, digest)})


# --- printable pages -----------------------------------------------------------------------

KIND_LABELS = dict(RecordKind.choices)


@never_cache
@caseworker_required
def report_detail(request, pk: int):
    report = report_get_for_user(user=request.user, pk=pk)
    audit_log(actor=request.user, action="assistance.report_viewed", obj=report,
              region_code=report.household.community_id)
    content = report.content
    months = []
    if content.get("window"):
        start = content["window"][0]
        y, m = int(start[:4]), int(start[5:7])
        for i in range(12):
            idx = y * 12 + m - 1 + i
            months.append(f"{idx // 12:04d}-{idx % 12 + 1:02d}")
    members = []
    for member in content.get("members", []):
        members.append({**member, "relation": RELATION_LABELS.get(member["relation"], member["relation"]),
                        "sources": [DEPARTMENT_LABELS.get(s, s) for s in member.get("sources", [])],
                        "income_kinds": [(KIND_LABELS.get(k, k), v) for k, v in member["income_12m_by_kind"].items()],
                        "monthly": [member["income_by_month"].get(mo, "0.00") for mo in months]})
    return render(request, "assistance/report.html", {
        "report": report, "content": content, "summary": content.get("summary", {}), "members": members,
        "month_rows": [(mo, [m["monthly"][i] for m in members]) for i, mo in enumerate(months)],
        "parameters": _parameters(content.get("parameters", {})),
        "seal_valid": verify_seal(content=report.content, digest=report.digest, signature=report.seal),
    })


def _plain(value) -> str:
    """1135.0000 → 1135, 0.5000 → 0.5."""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _parameters(params: dict) -> list[dict]:
    rows = []
    for key, p in params.items():
        label, unit = PARAMETER_LABELS.get(key, (key, ""))
        rows.append({"key": key, "label": label, "unit": unit, "value": _plain(p.get("value")),
                     "region": p.get("region", ""), "effective_from": p.get("effective_from", "")})
    return rows


@never_cache
def decision_letter(request, pk: int):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not (request.user.is_resident or is_caseworker(request.user)):
        raise PermissionDenied
    decision = get_object_or_404(Decision.objects.filter(application__in=scoped_applications(request.user))
                                 .select_related("application", "application__household", "application__community",
                                                 "decided_by", "verification_report"), pk=pk)
    lines = [line for line in decision.lines if "programme" in line]
    params = next((line["parameters"] for line in decision.lines if "parameters" in line), {})
    for line in lines:
        line["label"] = Programme(line["programme"]).label
    district = Region.objects.filter(code=decision.application.community_id[:6]).first()
    return render(request, "assistance/decision_letter.html", {
        "decision": decision, "app": decision.application, "lines": lines, "parameters": _parameters(params),
        "district": district})


# --- household 360° -------------------------------------------------------------------------

def _event_label(event) -> str:
    if event.action in TRANSITIONS:
        return str(TRANSITIONS[event.action].label)
    return {"create": _("创建申请"), "emergency_pay": _("先行救助"), "emergency_request": _("先行救助报区县审批"),
            "emergency_decline": _("不予批准先行救助")}.get(event.action, event.action)


@never_cache
@caseworker_required
def household_360(request, pk: int):
    household = household_get_for_user(user=request.user, pk=pk)
    audit_log(actor=request.user, action="assistance.household_360_viewed", obj=household,
              region_code=household.community_id)
    data = household_assistance(household=household)
    applications = list(data["applications"].prefetch_related("decisions", "visits", "events__actor"))
    return render(request, "assistance/household_360.html", {
        "household": household, "members": household_members(household=household),
        "applications": applications,
        "decisions": [d for a in applications for d in a.decisions.all()],
        "visits": [v for a in applications for v in a.visits.all()],
        "events": sorted([(a, e, _event_label(e)) for a in applications for e in a.events.all()],
                         key=lambda row: row[1].created_at, reverse=True)[:50],
        "benefits": data["benefits"], "adjustments": data["adjustments"], "payments": data["payments"], "reports": data["reports"],
        "reviews": data["reviews"], "today": timezone.localdate(),
        "may_file": user_can(request.user, FILE, household.community_id),
    })


__all__ = ["application_list_view", "application_export", "application_detail", "application_act", "file_search",
           "report_detail", "decision_letter", "household_360"]
