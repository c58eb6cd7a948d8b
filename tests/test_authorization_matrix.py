"""The authorization matrix: every URL pattern × every kind of user, with the answer each must get.

Every route of the site is declared in ``ROUTES`` with how to build its URL from real objects
(tests/authz_world.py) and the answer each persona must get: the resident who owns the record and
another resident, a grid worker of the record's community, of the neighbouring community and of
another district, the township officer, the district approver and another district's approver,
the city administrator, a department data provider, a facility worker, a superuser, and nobody
signed in. A URL pattern without a declaration fails ``test_every_url_pattern_is_declared``: a new
page must say who may open it.

Answers: ``OK`` — the request reached the page or the action (2xx, a redirect that is not to the
sign-in page, or a 400/409 that the action's own validation gave); ``LOGIN`` — redirected to sign in;
401 / 403 / 404 / 405 — refused so. State-changing requests run inside a savepoint that is rolled
back, so every cell meets the same world.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.authz_world import PERSONAS, build_world

pytestmark = pytest.mark.django_db

OK, LOGIN = "ok", "login"


def T(cells: str) -> dict:
    """One row of the table, in PERSONAS order: ``ok``, ``login`` or a status code per persona."""
    values = cells.split()
    assert len(values) == len(PERSONAS), cells
    return {p: (v if v in (OK, LOGIN) else int(v)) for p, v in zip(PERSONAS, values)}


@dataclass
class Route:
    name: str
    expect: dict
    method: str = "get"
    kwargs: Callable = field(default=lambda w: {})
    query: str = ""
    data: Callable = field(default=lambda w: {})


def _pdf():
    from tests.assistance.conftest import pdf

    return pdf()


def _json(payload: dict) -> dict:
    return {"__json__": payload}


def pk(obj_name: str, arg: str = "pk"):
    return lambda w: {arg: w[obj_name].pk}


# Columns:     anon  resident  resident_other  grid  grid_neighbour  grid_other  township  district
#              district_other  city  data  facility  root
ROUTES: list[Route] = [
    # --- portal -----------------------------------------------------------------------------
    Route("portal:home", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("portal:policy_guide", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("portal:guide_entry", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          kwargs=lambda w: {"slug": "dibao"}),
    Route("portal:guide_poster", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          kwargs=lambda w: {"slug": "dibao"}),
    Route("portal:guide_self_check", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("portal:guide_self_check",
          T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          method="post", data=lambda w: {"household_size": "2", "monthly_income": "1700", "oldest_age": "45",
                                         "youngest_age": "12", "disability": "none", "no_supporter": "no",
                                         "child_without_carer": "no", "district": "330203"}),
    Route("portal:resident_home", T("login ok    ok    403   403   403   403   403   403   403   403   403   403")),
    Route("portal:caseworker_home", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("portal:admin_home", T("login 403   403   403   403   403   403   403   403   ok    403   403   ok")),
    Route("portal:data_provider_home", T("login 403   403   403   403   403   403   403   403   403   ok    403   ok")),
    Route("portal:role_home", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("portal:large_text",
          T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          method="post"),
    Route("portal:dashboards", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    # Another district's dashboard: 404 to everyone whose jurisdiction does not hold it.
    Route("portal:dashboards", T("login 403   403   404   404   404   404   404   ok    ok    403   403   ok"),
          query="?region=330205"),
    Route("portal:dashboard_export", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("portal:dashboard_indicator_export",
          T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok"),
          kwargs=lambda w: {"name": "assistance.colour_bands"}),
    Route("portal:dashboard_indicator_export",
          T("login 403   403   404   404   404   404   404   404   404   403   403   404"),
          kwargs=lambda w: {"name": "no.such.indicator"}),
    Route("favicon", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("healthz", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("set_language",
          T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          method="post", data=lambda w: {"language": "en", "next": "/"}),
    # --- accounts ---------------------------------------------------------------------------
    Route("accounts:login", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("accounts:logout",
          T("login login login login login login login login login login login login login"),
          method="post"),
    Route("accounts:password_change", T("login ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("accounts:password_change_done",
          T("login ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    # --- notifications (the inbox is everyone's own; the channel choice is a resident's) -------
    Route("notifications:list", T("login ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("notifications:read",
          T("login ok    404   404   404   404   404   404   404   404   404   404   404"),
          method="post", kwargs=pk("notification")),
    Route("notifications:read_all",
          T("login ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          method="post"),
    Route("notifications:preferences",
          T("login ok    ok    403   403   403   403   403   403   403   403   403   403")),
    # --- worklist ---------------------------------------------------------------------------
    Route("worklist:list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("worklist:detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("workitem")),
    Route("worklist:start",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("workitem")),
    Route("worklist:release",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("workitem")),
    Route("worklist:complete",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("workitem"),
          data=lambda w: {"outcome": "已电话联系，材料已齐。"}),
    Route("worklist:cancel",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("workitem")),
    # --- registry ---------------------------------------------------------------------------
    Route("registry:household_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("registry:household_detail",
          T("login ok    404   ok    404   404   ok    ok    404   ok    404   404   ok"),
          kwargs=pk("household")),
    # --- organisations: region staff see their jurisdiction's, the facility worker only their own --------
    Route("organisations:list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   ok    ok")),
    Route("organisations:detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   ok    ok"),
          kwargs=pk("organisation")),
    Route("organisations:detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   404   ok"),
          kwargs=pk("other_organisation")),
    Route("registry:member_reveal_id",
          T("login 403   404   403   404   404   ok    ok    404   ok    404   404   ok"),
          method="post",
          kwargs=lambda w: {"pk": w["household"].pk, "person_pk": w["person"].pk}),
    # --- person file (一人一档) and the access log ------------------------------------------------
    # township, district, city and root meet the purpose form (200); the grid worker of the
    # community opens the file (their caseload). Reveal without a stated purpose: back to the form.
    Route("portal:person_file",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("person")),
    Route("portal:person_purpose",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("person"), data=lambda w: {"purpose": "casework"}),
    Route("portal:person_reveal_id",
          T("login 403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("person")),
    # guardianship links: the village assistant and the township register and end them
    Route("portal:guardian_add",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          kwargs=pk("person")),
    Route("portal:guardian_add",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("person"), data=lambda w: {"id_number": "x"}),
    Route("portal:guardian_end",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          kwargs=lambda w: {"pk": w["person"].pk, "link_pk": w["guardianship"].pk}),
    Route("portal:guardian_end",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=lambda w: {"pk": w["person"].pk, "link_pk": w["guardianship"].pk},
          data=lambda w: {"until": "", "reason": ""}),
    Route("audit:access_log", T("login 403   403   403   403   403   403   403   403   ok    403   403   ok")),
    # --- scoring ----------------------------------------------------------------------------
    Route("scoring:dashboard", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("scoring:household",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("household")),
    Route("scoring:lead_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("scoring:lead_detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("lead")),
    Route("api:scoring-household-score",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("household")),
    Route("api:scoring-lead-list", T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    # --- assistance: the resident's side ------------------------------------------------------
    Route("assistance:index", T("login ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("assistance:apply", T("login ok    ok    403   403   403   403   403   403   403   403   403   403")),
    Route("assistance:apply_programmes",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("draft")),
    Route("assistance:apply_members",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("draft")),
    Route("assistance:apply_materials",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("draft")),
    Route("assistance:apply_review",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("draft")),
    Route("assistance:apply_submit",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("draft")),
    Route("assistance:my_applications",
          T("login ok    ok    403   403   403   403   403   403   403   403   403   403")),
    Route("assistance:application_withdraw",
          T("login ok    404   403   404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("draft")),
    Route("assistance:application_resubmit",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("draft")),
    Route("assistance:material_upload",
          T("login ok    404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("draft"),
          data=lambda w: {"kind": "id_card", "file": _pdf()}),
    Route("assistance:material_remove",
          T("login ok    404   403   404   404   403   403   404   403   404   404   403"), kwargs=pk("material")),
    Route("assistance:material_replace",
          T("login ok    404   403   404   404   403   403   404   403   404   404   403"), method="post",
          kwargs=pk("material"), data=lambda w: {"file": _pdf()}),
    Route("assistance:material_download",
          T("login ok    404   ok    404   404   ok    ok    404   ok    404   404   ok"),
          kwargs=pk("material")),
    # --- assistance: casework -----------------------------------------------------------------
    Route("assistance:application_list",
          T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("assistance:application_export",
          T("login 403   403   403   403   403   403   ok    ok    ok    403   403   ok")),
    Route("assistance:application_detail",
          T("login 404   404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("application")),
    *[Route("assistance:application_act", expect, method="post",
            kwargs=lambda w, action=action: {"pk": w["application"].pk, "action": action},
            data=lambda w, action=action, data=data: {f"{action}-{k}": v for k, v in
                                                      {**data, "objection": w["objection"].pk}.items()})
      for action, expect, data in (
          ("accept", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"note": "材料齐全。"}),
          ("return", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"missing": "缺户口本。"}),
          ("verify", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"), {}),
          ("record_visit", T("login 403   403   ok    404   404   ok    403   404   403   403   403   ok"), {
              "visited_at": "2026-01-05T10:00", "visitors": "网格员", "findings": "居住条件简陋。"}),
          ("start_notice", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"location": "社区公告栏"}),
          ("close_notice", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"note": ""}),
          ("approve", T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"), {"note": ""}),
          ("reject", T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"),
           {"reason": "收入超过标准。"}),
          ("withdraw", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"reason": "申请人撤回。"}),
          ("resubmit", T("login 403   403   ok    404   404   ok    403   404   403   403   403   ok"),
           {"note": "已补齐。"}),
          ("objection", T("login 403   403   ok    404   404   ok    403   404   403   403   403   ok"),
           {"content": "邻居反映其有一辆货车。"}),
          ("resolve", T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
           {"resolution": "经核实不成立。"}),
          ("confirm", T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"),
           {"note": ""}),
          ("emergency_confirm", T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"),
           {"note": ""}),
          ("emergency_decline", T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"),
           {"reason": "不符合急难情形。"}),
          ("emergency", T("login 403   403   403   404   404   ok    ok    404   403   403   403   ok"),
           {"amount": "500"}),
      )],
    Route("assistance:application_act",
          T("login 403   403   404   404   404   404   404   404   404   403   403   404"),
          method="post",
          kwargs=lambda w: {"pk": w["application"].pk, "action": "no-such-action"}),
    Route("assistance:report_detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("report")),
    Route("assistance:decision_letter",
          T("login 404   404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("decision")),
    Route("assistance:file_search", T("login 403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("assistance:household_360",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("household")),
    Route("assistance:apply_on_behalf",
          T("login 403   403   ok    404   404   ok    403   404   403   403   403   ok"),
          kwargs=lambda w: {"household_pk": w["household"].pk}),
    # --- entitlements (政策找人): township and above; candidates scoped, runs city-wide -------------
    Route("entitlements:index", T("login 403   403   403   403   403   ok    ok    ok    ok    403   403   ok")),
    Route("entitlements:rule_detail",
          T("login 403   403   403   403   403   ok    ok    ok    ok    403   403   ok"),
          kwargs=lambda w: {"key": "sample.age80"}),
    # --- payments (every programme) ---------------------------------------------------------
    Route("payments:roll_list", T("login 403   403   403   403   403   403   ok    ok    ok    403   403   ok")),
    Route("payments:roll_detail",
          T("login 403   403   403   403   403   403   ok    404   ok    403   403   ok"),
          kwargs=pk("roll")),
    Route("payments:roll_approve",
          T("login 403   403   403   403   403   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("roll")),
    Route("payments:roll_export",
          T("login 403   403   403   403   403   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("roll")),
    Route("payments:line_mark",
          T("login 403   403   403   403   403   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment"),
          data=lambda w: {"paid": "1"}),
    Route("payments:line_retry",
          T("login 403   403   403   403   403   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment")),
    Route("payments:line_reverse",
          T("login 403   403   403   403   403   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment"),
          data=lambda w: {"reason": "重复发放"}),
    # the payee's bank account: who may see full ID numbers there (reveal_id) records it
    Route("payments:person_bank_account",
          T("login 403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("person")),
    Route("payments:person_bank_account",
          T("login 403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("person"), data=lambda w: {"bank_name": "工商银行", "account_number": "6222021234567890"}),
    Route("payments:household_bank_account",
          T("login 403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("household")),
    Route("payments:household_bank_account",
          T("login 403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("household"),
          data=lambda w: {"bank_name": "工商银行", "account_number": "6222021234567890"}),
    # --- assistance: money and reviews --------------------------------------------------------
    Route("assistance:subsidy_rounds", T("login 403   403   403   403   403   403   403   403   ok    403   403   ok")),
    Route("assistance:review_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("assistance:review_complete",
          T("login 403   403   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("review")),
    # --- API ----------------------------------------------------------------------------------
    Route("api:api-root", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api:region-list", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api:region-detail",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          kwargs=pk("region")),
    Route("api:household-list", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:household-detail",
          T("401   ok    404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("household")),
    Route("api:household-reveal-id",
          T("401   403   404   403   404   404   ok    ok    404   ok    403   403   ok"),
          method="post",
          kwargs=lambda w: {"pk": w["household"].pk, "person_id": w["person"].pk}),
    Route("api:household-assistance",
          T("401   ok    404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=lambda w: {"household_id": w["household"].pk}),
    Route("api:person-list", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:person-detail",
          T("401   ok    404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("person")),
    Route("api:department-record-list",
          T("401   403   403   403   403   403   ok    ok    ok    ok    403   403   ok")),
    Route("api:department-record-detail",
          T("401   403   403   403   403   403   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("record")),
    Route("api:department-batch-list", T("401   403   403   403   403   403   403   403   403   ok    ok    403   ok")),
    Route("api:department-batch-revoke",
          T("401   403   403   403   403   403   403   403   403   ok    ok    403   ok"),
          method="post", data=lambda w: _json({"source": "hrss", "records": []})),
    Route("api:department-batch-kinds",
          T("401   403   403   403   403   403   403   403   403   ok    ok    403   ok")),
    Route("api:department-batch-detail",
          T("401   403   403   403   403   403   403   403   403   404   404   403   ok"),
          kwargs=pk("batch")),
    Route("api:parameter-list", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api:parameter-value",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          query="?key=dibao_standard&region=330203"),
    Route("api:parameter-detail",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok"),
          kwargs=pk("parameter")),
    Route("api:workitem-list", T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:workitem-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("workitem")),
    Route("api:workitem-transition",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          method="post", kwargs=pk("workitem"),
          data=lambda w: {"to_status": "in_progress"}),
    Route("api:auditevent-list", T("401   403   403   403   403   403   403   403   403   ok    403   403   ok")),
    Route("api:auditevent-detail",
          T("401   403   403   403   403   403   403   403   403   ok    403   403   ok"),
          kwargs=pk("audit")),
    Route("api:assistance-application-list",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:assistance-application-export",
          T("401   403   403   403   403   403   403   ok    ok    ok    403   403   ok")),
    Route("api:assistance-application-detail",
          T("401   ok    404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("draft")),
    Route("api:assistance-application-submit",
          T("401   ok    404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("draft")),
    Route("api:assistance-application-withdraw",
          T("401   ok    404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("draft"),
          data=lambda w: {"reason": "不再需要。"}),
    Route("api:assistance-application-resubmit",
          T("401   ok    404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("draft"),
          data=lambda w: {"note": "已补齐。"}),
    Route("api:assistance-application-materials",
          T("401   ok    404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("draft"),
          data=lambda w: {"kind": "id_card", "file": _pdf()}),
    Route("api:assistance-application-set-members",
          T("401   ok    404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("draft"),
          data=lambda w: _json({"members": [{"person_id": w["person"].pk, "declared_monthly_income": "1500"}]})),
    Route("api:assistance-application-accept",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("application")),
    Route("api:assistance-application-return",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("application"),
          data=lambda w: {"missing": "缺户口本复印件。"}),
    Route("api:assistance-application-verify",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("application")),
    Route("api:assistance-application-record-visit",
          T("401   404   404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post",
          kwargs=pk("application"), data=lambda w: {
              "visited_at": timezone.now().isoformat(), "visitors": "网格员", "findings": "居住条件简陋。"}),
    Route("api:assistance-application-start-notice",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post",
          kwargs=pk("application")),
    Route("api:assistance-application-close-notice",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post",
          kwargs=pk("application")),
    Route("api:assistance-application-objections",
          T("401   404   404   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post",
          kwargs=pk("application"), data=lambda w: {"content": "邻居反映其有一辆货车。"}),
    Route("api:assistance-application-objection-resolve",
          T("401   404   404   403   404   404   ok    403   404   403   403   403   ok"),
          method="post",
          kwargs=lambda w: {"pk": w["application"].pk, "objection_id": w["objection"].pk},
          data=lambda w: {"resolution": "经核实不成立。", "upheld": False}),
    Route("api:assistance-application-approve",
          T("401   404   404   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("application")),
    Route("api:assistance-application-confirm",
          T("401   404   404   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("application")),
    Route("api:assistance-application-emergency-confirm",
          T("401   404   404   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("application")),
    Route("api:assistance-application-emergency-decline",
          T("401   404   404   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("application"), data=lambda w: {"reason": "不符合急难情形。"}),
    Route("api:assistance-application-reject",
          T("401   404   404   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("application"),
          data=lambda w: {"reason": "收入超过标准。"}),
    Route("api:assistance-application-emergency-pay",
          T("401   404   404   403   404   404   ok    ok    404   403   403   403   ok"),
          method="post",
          kwargs=pk("application")),
    Route("api:assistance-report-list",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:assistance-report-detail",
          T("401   404   404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("report")),
    Route("api:assistance-benefit-list",
          T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:assistance-benefit-export",
          T("401   403   403   403   403   403   403   ok    ok    ok    403   403   ok")),
    Route("api:assistance-benefit-detail",
          T("401   404   404   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("benefit")),
    Route("api:payments-roll-list", T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:payments-roll-generate",
          T("401   403   403   403   403   403   403   ok    403   403   403   403   ok"),
          method="post",
          data=lambda w: {"district": "330203", "month": w["today"].isoformat()}),
    Route("api:payments-roll-detail",
          T("401   403   403   404   404   404   404   ok    404   ok    403   403   ok"),
          kwargs=pk("roll")),
    Route("api:payments-roll-approve",
          T("401   403   403   404   404   404   404   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("roll")),
    Route("api:payments-roll-export",
          T("401   403   403   404   404   404   404   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("roll")),
    Route("api:payments-roll-lines",
          T("401   403   403   404   404   404   404   ok    404   ok    403   403   ok"),
          kwargs=pk("roll")),
    Route("api:payments-line-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"),
          kwargs=pk("payment")),
    Route("api:payments-line-mark",
          T("401   403   403   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment"),
          data=lambda w: {"paid": True}),
    Route("api:payments-line-retry",
          T("401   403   403   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment")),
    Route("api:payments-bank-account-list",
          T("401   403   403   403   404   404   ok    ok    404   ok    403   403   ok"),
          method="post",
          data=lambda w: _json({"household": w["household"].pk, "bank_name": "工商银行",
                                "account_number": "6222021234567890123"})),
    Route("api:payments-line-reverse",
          T("401   403   403   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("payment"),
          data=lambda w: _json({"reason": "重复发放"})),
    Route("api:assistance-subsidy-list",
          T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:assistance-review-list",
          T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:assistance-review-complete",
          T("401   403   403   ok    404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("review")),
    # --- elder care: elders, profiles, contacts, assessments (elders helper) ----------------------
    Route("eldercare:elder_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   ok    ok")),
    Route("eldercare:elder_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   ok    ok"),
          method="post", data=lambda w: {"q": "周"}),
    Route("eldercare:profile_edit", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("elder")),
    Route("eldercare:profile_edit", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder"), data=lambda w: {"community_doctor": "王医生"}),
    Route("eldercare:contact_add", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("elder")),
    Route("eldercare:contact_add", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder"),
          data=lambda w: {"name": "周小红", "relation": "女儿", "phone": "13912345679", "priority": "2"}),
    Route("eldercare:contact_edit", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("elder_contact")),
    Route("eldercare:contact_edit", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder_contact"),
          data=lambda w: {"name": "周小明", "relation": "长子", "phone": "", "priority": "1"}),
    Route("eldercare:contact_remove", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("elder_contact")),
    Route("eldercare:contact_remove", T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder_contact")),
    Route("eldercare:reassessment_request",
          T("login 404   404   ok    404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder")),
    Route("eldercare:assessment_start",
          T("login 404   404   403   404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder")),
    Route("eldercare:assessment_detail",
          T("login 404   404   ok    404   404   ok    ok    404   ok    404   404   ok"),
          kwargs=pk("elder_assessment")),
    Route("eldercare:assessment_fill",
          T("login 404   404   403   404   404   ok    403   404   403   404   404   ok"),
          kwargs=pk("elder_assessment")),
    Route("eldercare:assessment_fill",
          T("login 404   404   403   404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder_assessment"), query="?step=5",
          data=lambda w: {"assessed_on": w["today"].isoformat(), "risk_events_30d": "0"}),
    Route("eldercare:assessment_sign",
          T("login 404   404   403   404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder_assessment")),
    Route("eldercare:assessment_void",
          T("login 404   404   403   404   404   ok    403   404   403   404   404   ok"),
          method="post", kwargs=pk("elder_assessment"), data=lambda w: {"reason": "录入错误"}),
    Route("api:eldercare-elder-list", T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   ok    ok")),
    Route("api:eldercare-elder-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   404   ok"),
          kwargs=pk("elder")),
    Route("api:eldercare-assessment-list",
          T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   ok    ok")),
    Route("api:eldercare-assessment-list",
          T("401   403   403   403   404   404   ok    403   404   403   403   404   ok"),
          method="post", data=lambda w: _json({"person": w["elder"].pk})),
    Route("api:eldercare-assessment-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   404   ok"),
          kwargs=pk("elder_assessment")),
    Route("api:eldercare-assessment-answer",
          T("401   403   403   403   404   404   ok    403   404   403   403   404   ok"),
          method="post", kwargs=pk("elder_assessment"), data=lambda w: _json({"diagnosed_dementia": True})),
    Route("api:eldercare-assessment-sign",
          T("401   403   403   403   404   404   ok    403   404   403   403   404   ok"),
          method="post", kwargs=pk("elder_assessment")),
    Route("api:eldercare-assessment-void",
          T("401   403   403   403   404   404   ok    403   404   403   403   404   ok"),
          method="post", kwargs=pk("elder_assessment"), data=lambda w: _json({"reason": "录入错误"})),
    # --- the test-only sample programme (tests/sampleprogramme, installed by tests/settings.py) ---
    # Its pages use the platform's role checks, its API the API's default (any signed-in caller):
    # a new programme's URLs go through this table like every other.
    Route("sample:index", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("sample:resident", T("login ok    ok    403   403   403   403   403   403   403   403   403   403")),
    Route("api:sample-thing-list", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api:sample-ping", T("401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    # --- elder care: visits, devices and alarms (area D) -------------------------------------------
    # Visits: grid workers, village assistants and township officers (VISIT), planning by the township
    # (PLAN_VISITS); devices and keys by the township and provider staff (MANAGE_DEVICES); alarms by
    # the community and provider staff (HANDLE_ALARM). Another community's plan or alarm: 404.
    Route("eldercare:visits_due", T("login 403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("eldercare:visit_plan_list",
          T("login 403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("eldercare:visit_plan_community",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok"),
          method="post", data=lambda w: {"community": w["region"].code}),
    Route("eldercare:visit_plan_detail",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"), kwargs=pk("visit_plan")),
    Route("eldercare:visit_plan_assign",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("visit_plan"),
          data=lambda w: {"visitor": w.users["grid"].pk, "risk_level": "high"}),
    Route("eldercare:visit_record",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"), kwargs=pk("visit_plan")),
    Route("eldercare:visit_record",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("visit_plan"),
          data=lambda w: {"mode": "phone", "health": "good", "safety": "safe",
                          "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
    Route("eldercare:device_list", T("login 403   403   403   403   403   ok    403   403   403   403   403   ok")),
    Route("eldercare:device_register",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok")),
    Route("eldercare:device_retire",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("device")),
    Route("eldercare:device_token_list",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok")),
    Route("eldercare:device_token_list",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok"),
          method="post", data=lambda w: {"provider": w["device"].provider_id, "label": "矩阵"}),
    Route("eldercare:device_token_revoke",
          T("login 403   403   403   403   403   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("device_token")),
    Route("eldercare:alarm_list", T("login 403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("eldercare:alarm_detail",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"), kwargs=pk("alarm")),
    Route("eldercare:alarm_acknowledge",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("alarm")),
    Route("eldercare:alarm_close",
          T("login 403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("alarm"), data=lambda w: {"outcome": "false_alarm"}),
    # The ingestion API takes a provider's device key only: no session, no platform key.
    Route("api:device-events",
          T("401   401   401   401   401   401   401   401   401   401   401   401   401"),
          method="post", data=lambda w: _json({"events": []})),
    Route("api:eldercare-alarm-list", T("401   403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("api:eldercare-alarm-detail",
          T("401   403   403   ok    404   404   ok    403   403   403   403   403   ok"), kwargs=pk("alarm")),
    Route("api:eldercare-alarm-acknowledge",
          T("401   403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("alarm"), data=lambda w: _json({"note": "已电话联系家属"})),
    Route("api:eldercare-alarm-close",
          T("401   403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("alarm"), data=lambda w: _json({"outcome": "false_alarm"})),
    Route("api:eldercare-visit-plan-list",
          T("401   403   403   ok    ok    ok    ok    403   403   403   403   403   ok")),
    Route("api:eldercare-visit-plan-detail",
          T("401   403   403   ok    404   404   ok    403   403   403   403   403   ok"), kwargs=pk("visit_plan")),
    Route("api:eldercare-visit-plan-visit",
          T("401   403   403   ok    404   404   ok    403   403   403   403   403   ok"),
          method="post", kwargs=pk("visit_plan"),
          data=lambda w: _json({"mode": "video", "health": "good", "safety": "safe",
                                "visited_at": timezone.now().replace(microsecond=0).isoformat()})),
    # --- API documents ---------------------------------------------------------------------------
    # Any other path under /api/v1/ answers JSON 404 to everyone.
    Route("api:not-found", T("404   404   404   404   404   404   404   404   404   404   404   404   404"),
          kwargs=lambda w: {"rest": "no-such-thing/1.5"}),
    Route("api-schema", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api-docs", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
    Route("api-redoc", T("ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok")),
]

# --- eldercare: allowances and service credit (area C) ---------------------------------------------
# Civil-affairs staff with eldercare.view see the money in their jurisdiction; organisation staff and
# residents see none (403); the township proposes a stop and resumes (VERIFY_ALLOWANCE), the district
# confirms a stop (CONFIRM_ALLOWANCE). An action refused by the allowance's state redirects (ok).
ROUTES += [
    Route("eldercare:allowance_list", T("login 403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("eldercare:allowance_detail",
          T("login 403   403   ok    404   404   ok    ok    404   ok    403   403   ok"), kwargs=pk("allowance")),
    Route("eldercare:allowance_stop",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("allowance"), data=lambda w: {"reason": "核查户籍"}),
    Route("eldercare:allowance_confirm_stop",
          T("login 403   403   403   404   404   403   ok    404   403   403   403   ok"),
          method="post", kwargs=pk("allowance")),
    Route("eldercare:allowance_resume",
          T("login 403   403   403   404   404   ok    403   404   403   403   403   ok"),
          method="post", kwargs=pk("allowance"), data=lambda w: {"reason": "核实无误"}),
    Route("api:eldercare-allowance-list", T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:eldercare-allowance-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"), kwargs=pk("allowance")),
    Route("api:eldercare-credit-account-list",
          T("401   403   403   ok    ok    ok    ok    ok    ok    ok    403   403   ok")),
    Route("api:eldercare-credit-account-detail",
          T("401   403   403   ok    404   404   ok    ok    404   ok    403   403   ok"), kwargs=pk("credit_account")),
]

# Django admin is declared as a whole: every admin page is for staff accounts; see
# test_every_admin_page_refuses_non_staff_and_opens_for_a_superuser.
ADMIN_NAMESPACE = "admin"


def _patterns(resolvers=None, namespace=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield namespace, name, entry


def test_every_url_pattern_is_declared():
    declared = {r.name for r in ROUTES}
    undeclared = sorted({name or f"<unnamed {p.pattern}>" for ns, name, p in _patterns()
                         if ns.split(":")[0] != ADMIN_NAMESPACE and name not in declared})
    assert not undeclared, f"declare who may open these in ROUTES: {undeclared}"
    known = {name for _, name, _ in _patterns()}
    stale = sorted(declared - known)
    assert not stale, f"ROUTES declares routes that no longer exist: {stale}"


def outcome(response) -> str | int:
    code = response.status_code
    if code in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return LOGIN
    if code >= 500:
        return code
    if code in (401, 403, 404, 405):
        return code
    return OK


def _client(world, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(city):
    return build_world(city)


def test_every_route_answers_every_persona_as_declared(world):
    wrong = []
    for route in ROUTES:
        url = reverse(route.name, kwargs=route.kwargs(world)) + route.query
        actual = []
        for persona in PERSONAS:
            sid = transaction.savepoint()
            try:
                # A fresh client each time: signing out or choosing a language must not leak into the next cell.
                send = getattr(_client(world, persona), route.method)
                if route.method != "post":
                    response = send(url)
                else:
                    data = route.data(world)
                    if "__json__" in data:
                        response = send(url, data["__json__"], content_type="application/json")
                    else:
                        response = send(url, data)
                got = outcome(response)
            finally:
                transaction.savepoint_rollback(sid)
            actual.append(f"{got:<5}")
            if got != route.expect[persona]:
                wrong.append(f"{route.name} {route.method.upper()} {url} as {persona}: "
                             f"expected {route.expect[persona]}, got {got}")
        if any(route.expect[p] != (int(a) if a.strip().isdigit() else a.strip()) for p, a in zip(PERSONAS, actual)):
            wrong.append(f'    the row as answered now (review it before you declare it): T("{" ".join(actual).rstrip()}")')
    assert not wrong, "\n" + "\n".join(wrong)


def _admin_url(entry: URLPattern, name: str, world) -> str | None:
    """An admin pattern's URL with a real object where it takes one."""
    from django.apps import apps

    pattern = str(entry.pattern)
    model = None
    if name and name.count("_") >= 2 and pattern.startswith(tuple(f"{a.label}/" for a in apps.get_app_configs())):
        app_label, model_name = pattern.split("/")[:2]
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            model = None
    if "(?P<app_label>" in pattern:
        return "/admin/registry/"  # one app's index stands for the pattern
    if "<path:content_type_id>" in pattern:
        return None  # "view on site" redirects to the object's own page: covered by that page's row
    if "<path:object_id>" in pattern or "<id>" in pattern:
        obj = model.objects.order_by("pk").first() if model is not None else None
        if obj is None:
            return None
        pattern = pattern.replace("<path:object_id>", str(obj.pk)).replace("<id>", str(obj.pk))
    return "/admin/" + pattern


def test_every_admin_page_refuses_non_staff_and_opens_for_a_superuser(world):
    wrong, seen = [], 0
    for namespace, name, entry in _patterns():
        if namespace.split(":")[0] != ADMIN_NAMESPACE:
            continue
        url = _admin_url(entry, name, world)
        if url is None:
            continue
        seen += 1
        for persona in ("anon", "resident", "grid", "district", "data", "city", "root"):
            sid = transaction.savepoint()
            try:
                response = _client(world, persona).get(url)
            finally:
                transaction.savepoint_rollback(sid)
            code, location = response.status_code, response.get("Location", "")
            if persona in ("anon", "resident", "grid", "district", "data"):
                ok = code == 302 and "/admin/login/" in location or (name in ("admin:login", "admin:logout") and code in (200, 302, 405))
                expected = "a redirect to the admin sign-in"
            elif persona == "city":  # staff with the permissions their group grants: refused or served, never broken
                ok = code < 500
                expected = "no server error"
            else:
                ok = code < 500 and "/admin/login/" not in location
                expected = "the page (or a 403/404/405 of its own), not the sign-in"
            if not ok:
                wrong.append(f"{url} as {persona}: expected {expected}, got {code} {location}")
    assert seen > 60, seen
    assert not wrong, "\n" + "\n".join(wrong)
