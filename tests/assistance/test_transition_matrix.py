"""The transition matrix: every step of an application (assistance/workflow.py TRANSITIONS and the
side ways — objections, 先行救助) × every kind of person × the application in the state the step
starts from, through the HTML action and the API endpoint.

Each row declares, per persona, the one answer that persona must get. ``ok`` means the step was
taken: the application reached the step's target (or the objection / payment / decline exists);
a 2xx or redirect that changed nothing is not ``ok`` — it is reported as ``noop<code>``. Refusals
are the status code (``login`` for a redirect to sign in) and must leave the record unchanged.
Every cell runs in a savepoint rolled back afterwards, so each meets the same application; the
applications (one per source state, each of its own household) are built once for the whole table.

Personas (tests/authz_world.py's, plus two): the resident whose household applied (``owner``),
a resident of another household of the same community, the grid worker of the community, of the
NEIGHBOURING community in the same township, of another district, the township officer, an
officer of ANOTHER township of the same district, the district approver, another district's
approver, the city administrator, and nobody signed in. The neighbouring-community and
other-township columns are the ones a jurisdiction widened to the township (or the district)
would turn from 404 into ``ok``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assistance import services as svc
from assistance.models import Application, Decision, DecisionOutcome, DecisionState, Objection
from assistance.workflow import TRANSITIONS
from civilaffairs.registry.models import PolicyParameter
from civilaffairs.registry.services import parameter_set
from tests import factories as f
from tests.assistance.conftest import monthly_income, pdf, walk
from tests.authz_world import staff_personas

pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "owner", "resident_other", "grid", "grid_neighbour", "grid_other", "township",
            "township_other", "district", "district_other", "city")
OK, LOGIN = "ok", "login"


def T(cells: str) -> dict:
    values = cells.split()
    assert len(values) == len(PERSONAS), cells
    return {p: (v if not v.isdigit() else int(v)) for p, v in zip(PERSONAS, values)}


# --- the application in each source state ------------------------------------------------------------

@dataclass
class Case:
    app: Application
    owner: object
    objection: Objection | None = None


_households = iter(range(1, 10_000))


def _household(city):
    n = next(_households)
    hh = f.household(community=city.community, head_name=f"周{n}", members=2)
    owner = f.resident(person_obj=hh.head, username=f"tm-owner-{n}")
    return hh, owner


def _dibao(w, to: str) -> Case:
    hh, owner = _household(w.city)
    monthly_income(hh.head, "1500.00")
    app = svc.application_create(actor=owner, household=hh, applicant=hh.head, programmes=["dibao"],
                                 reason="家庭收入低，孩子上学开支大。")
    svc.application_set_members(actor=owner, application_id=app.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0"}
        for m in app.members.all()])
    svc.material_add(actor=owner, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, to, resident=owner, township=w.u["township"], grid=w.u["grid"], district=w.u["district"])
    return Case(app, owner)


def _returned(w) -> Case:
    case = _dibao(w, "submitted")
    svc.application_return(actor=w.u["township"], application_id=case.app.pk, missing="缺户口本。")
    return case


def _proposed(w) -> Case:
    """A decision above the four-eyes threshold, proposed by another approver of the district: the
    district persona is the second person who may confirm it."""
    parameter_set(actor=None, key="decision_second_approval_monthly", region_code=w.city.district.code,
                  value=Decimal("100"), effective_from=timezone.localdate())
    case = _dibao(w, "decision")
    proposer = f.staff(username="tm-district-2", role="district_approver", region=w.city.district)
    svc.application_approve(actor=proposer, application_id=case.app.pk, note="拟同意")
    # The other rows' approvals stay under the city's threshold; a proposal keeps its own.
    PolicyParameter.objects.filter(key="decision_second_approval_monthly", region_id=w.city.district.code).delete()
    return case


def _with_objection(w) -> Case:
    case = _dibao(w, "notice")
    case.objection = svc.objection_record(actor=w.u["township"], application_id=case.app.pk,
                                          content="邻居反映其有一辆货车。")
    return case


def _emergency(w) -> Case:
    hh, owner = _household(w.city)
    app = svc.application_create(actor=w.u["grid"], household=hh, applicant=hh.head, programmes=["temporary"],
                                 reason="突发重病住院", emergency=True)
    svc.material_add(actor=w.u["grid"], application_id=app.pk, uploaded=pdf("住院证明.pdf"), kind="medical")
    svc.application_submit(actor=w.u["grid"], application_id=app.pk)
    return Case(app, owner)


def _emergency_requested(w) -> Case:
    """8000 元 asked by the township, above what it may pay alone: waiting for the district."""
    case = _emergency(w)
    svc.application_emergency_pay(actor=w.u["township"], application_id=case.app.pk, amount=Decimal("8000"))
    return case


STATES: dict[str, Callable] = {
    "draft": lambda w: _dibao(w, "draft"),
    "submitted": lambda w: _dibao(w, "submitted"),
    "returned": _returned,
    "accepted": lambda w: _dibao(w, "accepted"),
    "verified": lambda w: _dibao(w, "verified"),
    "visited": lambda w: _dibao(w, "visited"),
    "notice": lambda w: _dibao(w, "notice"),
    "notice+objection": _with_objection,
    "decision": lambda w: _dibao(w, "decision"),
    "proposed": _proposed,
    "emergency": _emergency,
    "emergency+requested": _emergency_requested,
}


# --- what "the step was taken" means ---------------------------------------------------------------

def _status_is(target):
    return lambda case: Application.objects.get(pk=case.app.pk).status == target


def _objections_grew(case):
    return Objection.objects.filter(notice__application=case.app).count() > (1 if case.objection else 0)


def _objection_resolved(case):
    return Objection.objects.get(pk=case.objection.pk).is_resolved


def _emergency_paid(case):
    return Application.objects.get(pk=case.app.pk).emergency_paid_at is not None


def _emergency_declined(case):
    return Decision.objects.filter(application=case.app, outcome=DecisionOutcome.EMERGENCY,
                                   state=DecisionState.DECLINED).exists()


EFFECTS = {
    **{name: _status_is(t.target) for name, t in TRANSITIONS.items()},
    "objection": _objections_grew,
    "resolve": _objection_resolved,
    "emergency": _emergency_paid,
    "emergency_confirm": _emergency_paid,
    "emergency_decline": _emergency_declined,
}


# --- the endpoints -----------------------------------------------------------------------------------

def _minute_ago() -> str:
    return timezone.localtime(timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")


# The HTML form fields of each step (prefixed with the action's name on the page).
FORM = {
    "accept": {"note": "材料齐全。"}, "return": {"missing": "缺户口本。"}, "verify": {},
    "record_visit": {"visitors": "网格员", "findings": "居住条件简陋。"},
    "start_notice": {"location": "社区公告栏"}, "close_notice": {"note": ""}, "approve": {"note": ""},
    "confirm": {"note": "同意"}, "reject": {"reason": "收入超过标准。"}, "withdraw": {"reason": "申请人撤回。"},
    "resubmit": {"note": "已补齐。"}, "objection": {"content": "又有邻居反映其有一辆货车。"},
    "resolve": {"resolution": "经核实不成立。"}, "emergency": {"amount": "500"},
    "emergency_confirm": {"note": "同意"}, "emergency_decline": {"reason": "不符合急难情形。"},
}
# The API path under /api/v1/assistance/applications/<pk>/ and the JSON body of each step.
API = {
    "submit": ("submit", {}), "resubmit": ("resubmit", {"note": "已补齐。"}), "accept": ("accept", {}),
    "return": ("return", {"missing": "缺户口本。"}), "verify": ("verify", {}),
    "record_visit": ("record-visit", {"visitors": "网格员", "findings": "居住条件简陋。"}),
    "start_notice": ("start-notice", {"location": "社区公告栏"}), "close_notice": ("close-notice", {}),
    "approve": ("approve", {}), "confirm": ("confirm", {"note": "同意"}), "reject": ("reject", {"reason": "收入超过标准。"}),
    "withdraw": ("withdraw", {"reason": "申请人撤回。"}), "objection": ("objections", {"content": "又有异议。"}),
    "resolve": ("objections/{objection}/resolve", {"resolution": "经核实不成立。", "upheld": False}),
    "emergency": ("emergency-pay", {"amount": "500"}), "emergency_confirm": ("emergency-confirm", {}),
    "emergency_decline": ("emergency-decline", {"reason": "不符合急难情形。"}),
}


def _html_act(client, case, action):
    data = dict(FORM[action])
    if action == "record_visit":
        data["visited_at"] = _minute_ago()
    if action == "resolve":
        data["objection"] = case.objection.pk
    return client.post(reverse("assistance:application_act", args=[case.app.pk, action]),
                       {f"{action}-{k}": v for k, v in data.items()})


def _html_resident(name, data=None):
    return lambda client, case, action: client.post(reverse(name, args=[case.app.pk]), data or {})


def _api(client, case, action):
    path, body = API[action]
    body = dict(body)
    if action == "record_visit":
        body["visited_at"] = timezone.now().isoformat()
    path = path.format(objection=case.objection.pk if case.objection else 0)
    return client.post(f"/api/v1/assistance/applications/{case.app.pk}/{path}/", body, format="json")


HTML_ACT = ("html", _html_act)
API_ACT = ("api", _api)


@dataclass
class Row:
    action: str
    state: str
    endpoint: tuple
    expect: dict

    @property
    def id(self) -> str:
        return f"{self.endpoint[0]}-{self.action}-from-{self.state}"


# Columns: anon owner resident_other grid grid_neighbour grid_other township township_other district
#          district_other city
TOWNSHIP_STEP_HTML = T("login 403 403 403 404 404 ok  404 403 404 403")
TOWNSHIP_STEP_API = T("401   403 404 403 404 404 ok  404 403 404 403")
DISTRICT_STEP_HTML = T("login 403 403 403 404 404 403 404 ok  404 403")
DISTRICT_STEP_API = T("401   403 404 403 404 404 403 404 ok  404 403")
INTAKE_STEP_HTML = T("login 403 403 ok  404 404 ok  404 403 404 403")  # the community's worker or the township
INTAKE_STEP_API = T("401   403 404 ok  404 404 ok  404 403 404 403")

ROWS = [
    # The resident's own steps: the owner, or an intake worker filing on their behalf.
    Row("submit", "draft", ("html", _html_resident("assistance:apply_submit")),
        T("login ok  404 ok  404 404 ok  404 403 404 403")),
    Row("submit", "draft", API_ACT, T("401   ok  404 ok  404 404 ok  404 403 404 403")),
    Row("resubmit", "returned", ("html", _html_resident("assistance:application_resubmit", {"note": "已补齐。"})),
        T("login ok  404 ok  404 404 ok  404 403 404 403")),
    Row("resubmit", "returned", HTML_ACT, INTAKE_STEP_HTML),
    Row("resubmit", "returned", API_ACT, T("401   ok  404 ok  404 404 ok  404 403 404 403")),
    # Withdrawing: the owner, or the township — never the grid worker, never the district.
    Row("withdraw", "submitted", ("html", _html_resident("assistance:application_withdraw", {"reason": "不需要了"})),
        T("login ok  404 403 404 404 ok  404 403 404 403")),
    Row("withdraw", "submitted", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("withdraw", "submitted", API_ACT, T("401   ok  404 403 404 404 ok  404 403 404 403")),
    Row("withdraw", "decision", API_ACT, T("401   ok  404 403 404 404 ok  404 403 404 403")),
    # The township's steps.
    Row("accept", "submitted", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("accept", "submitted", API_ACT, TOWNSHIP_STEP_API),
    Row("return", "submitted", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("return", "submitted", API_ACT, TOWNSHIP_STEP_API),
    Row("return", "visited", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("verify", "accepted", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("verify", "accepted", API_ACT, TOWNSHIP_STEP_API),
    Row("start_notice", "visited", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("start_notice", "visited", API_ACT, TOWNSHIP_STEP_API),
    Row("close_notice", "notice", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("close_notice", "notice", API_ACT, TOWNSHIP_STEP_API),
    Row("resolve", "notice+objection", HTML_ACT, TOWNSHIP_STEP_HTML),
    Row("resolve", "notice+objection", API_ACT, TOWNSHIP_STEP_API),
    # The home visit and objections: the community's own grid worker or the township.
    Row("record_visit", "verified", HTML_ACT, INTAKE_STEP_HTML),
    Row("record_visit", "verified", API_ACT, INTAKE_STEP_API),
    Row("objection", "notice", HTML_ACT, INTAKE_STEP_HTML),
    Row("objection", "notice", API_ACT, INTAKE_STEP_API),
    # The district's decisions.
    Row("approve", "decision", HTML_ACT, DISTRICT_STEP_HTML),
    Row("approve", "decision", API_ACT, DISTRICT_STEP_API),
    Row("confirm", "proposed", HTML_ACT, DISTRICT_STEP_HTML),
    Row("confirm", "proposed", API_ACT, DISTRICT_STEP_API),
    Row("reject", "decision", HTML_ACT, DISTRICT_STEP_HTML),
    Row("reject", "decision", API_ACT, DISTRICT_STEP_API),
    Row("reject", "accepted", HTML_ACT, DISTRICT_STEP_HTML),
    Row("reject", "proposed", API_ACT, DISTRICT_STEP_API),
    # 先行救助: the township (within its ceiling) or the district pays; only the district decides a request.
    Row("emergency", "emergency", HTML_ACT, T("login 403 403 403 404 404 ok  404 ok  404 403")),
    Row("emergency", "emergency", API_ACT, T("401   403 404 403 404 404 ok  404 ok  404 403")),
    Row("emergency_confirm", "emergency+requested", HTML_ACT, DISTRICT_STEP_HTML),
    Row("emergency_confirm", "emergency+requested", API_ACT, DISTRICT_STEP_API),
    Row("emergency_decline", "emergency+requested", HTML_ACT, DISTRICT_STEP_HTML),
    Row("emergency_decline", "emergency+requested", API_ACT, DISTRICT_STEP_API),
]


def test_every_transition_has_a_row_from_a_source_state_on_both_endpoints():
    shown = {name for name, t in TRANSITIONS.items() if t.shown}
    for kind in ("html", "api"):
        covered = {r.action for r in ROWS if r.endpoint[0] == kind}
        assert shown <= covered, f"{kind}: no row for {sorted(shown - covered)}"
    for row in ROWS:
        if row.action in TRANSITIONS:
            assert row.state in TRANSITIONS[row.action].sources, row.id


@dataclass
class W:
    city: object
    u: dict


@pytest.fixture
def w(city):
    u = staff_personas(city)
    other_township = f.region("330203002", "另一街道", city.district)
    u["township_other"] = f.staff(username="tm-township-other", role="township_officer", region=other_township)
    neighbour_hh = f.household(community=city.community, head_name="吴邻", members=0)
    u["resident_other"] = f.resident(person_obj=neighbour_hh.head, username="tm-resident-other")
    return W(city=city, u=u)


def _client(kind: str, user):
    if kind == "api":
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response, took_effect: bool):
    code = response.status_code
    if took_effect:
        return OK if code < 400 else f"ok-but-{code}"
    if code in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return LOGIN
    if code in (401, 403, 404, 405):
        return code
    return f"noop{code}"


def test_each_person_gets_the_declared_answer_and_only_ok_changes_the_record(w):
    cases = {state: build(w) for state, build in STATES.items()}
    wrong = []
    for row in ROWS:
        case = cases[row.state]
        kind, send = row.endpoint
        effect = EFFECTS[row.action]
        assert not effect(case), f"{row.id}: the step already shows as taken before anyone acts"
        actual = []
        for persona in PERSONAS:
            user = case.owner if persona == "owner" else w.u[persona]
            sid = transaction.savepoint()
            try:
                response = send(_client(kind, user), case, row.action)
                got = _outcome(response, effect(case))
            finally:
                transaction.savepoint_rollback(sid)
            actual.append(str(got))
            if got != row.expect[persona]:
                wrong.append(f"{row.id} as {persona}: expected {row.expect[persona]}, got {got}")
        if any(str(row.expect[p]) != a for p, a in zip(PERSONAS, actual)):
            wrong.append(f'    {row.id} answered now: T("{" ".join(actual)}")')
    assert not wrong, "\n" + "\n".join(wrong)


# --- roles_over: the display helper that names a user's roles over a region -------------------------

def test_roles_over_names_only_assignments_at_the_region_or_above_it(w):
    from civilaffairs.accounts.scoping import roles_over

    community = w.city.community.code
    assert roles_over(w.u["grid"], community) == {"grid_worker"}
    assert roles_over(w.u["township"], community) == {"township_officer"}
    assert roles_over(w.u["district"], community) == {"district_approver"}
    for persona in ("grid_neighbour", "grid_other", "township_other", "district_other"):
        assert roles_over(w.u[persona], community) == set(), persona
    assert roles_over(w.u["grid"], w.city.neighbour.code) == set()
