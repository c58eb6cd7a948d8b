"""One small city with an object of every kind, and a persona for every kind of user, for the
authorization matrix (tests/test_authorization_matrix.py).

Every object lives in the home community 330203001001 (海曙区 / 测试街道 / 第一社区), so each persona
meets it as its own, its neighbour community's, its district's or another district's record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from tests import factories as f

# Column order of the matrix. "resident" owns the draft application and its household.
PERSONAS = (
    "anon", "resident", "resident_other", "grid", "grid_neighbour", "grid_other", "township", "district",
    "district_other", "city", "data", "facility", "root",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.objects[name]


def staff_personas(city) -> dict:
    """Nobody signed in, and a worker of every region relation to the home community: its own grid
    worker, the neighbouring community's (same township), another district's, the township officer,
    the district approver and another district's, the city administrator, a department data
    provider, a superuser. Shared with tests/assistance/test_transition_matrix.py."""
    return {
        "anon": None,
        "grid": f.staff(username="m-grid", role="grid_worker", region=city.community),
        "grid_neighbour": f.staff(username="m-grid-neighbour", role="grid_worker", region=city.neighbour),
        "grid_other": f.staff(username="m-grid-other", role="grid_worker", region=city.other_community),
        "township": f.staff(username="m-township", role="township_officer", region=city.township),
        "district": f.staff(username="m-district", role="district_approver", region=city.district),
        "district_other": f.staff(username="m-district-other", role="district_approver",
                                  region=city.other_district),
        "city": f.staff(username="m-city", role="city_admin", region=city.city, is_staff=True),
        "data": f.staff(username="m-data", role="data_provider", region=city.city),
        "root": f.superuser("m-root"),
    }


def build_world(city) -> World:
    from assistance import services as svc
    from assistance.models import Benefit, Decision, Material, Review, VerificationReport
    from civilaffairs.payments import services as payments
    from civilaffairs.payments.models import PaymentLine, PaymentRoll
    from assistance.scoring import services as scoring
    from assistance.scoring.models import Lead
    from civilaffairs.audit.models import AuditEvent
    from civilaffairs.notifications.services import notify_user
    from civilaffairs.registry.models import DepartmentRecord, ImportBatch, PolicyParameter
    from civilaffairs.worklist.models import WorkItem
    from tests.assistance.conftest import monthly_income, pdf, walk
    from tests.assistance.scoring.conftest import ensure_model

    w = World()
    u = w.users
    u.update(staff_personas(city))
    # The facility worker holds their role in a care home of the home community; a second home there
    # is another organisation's, which they must not see.
    care_home = f.organisation(region=city.community, type="care_home", name="第一社区养老院", grade=3)
    other_home = f.organisation(region=city.community, type="day_care_centre", name="第一社区日间照料中心")
    u["facility"] = f.staff(username="m-facility", role="facility_staff", region=city.community,
                            organisation=care_home)

    # The resident's household: poor, with a complete draft and a lead from the difficulty index.
    own = f.household(community=city.community, head_name="王小明", members=2, head_phone="13800138000")
    u["resident"] = f.resident(person_obj=own.head, username="m-resident")
    monthly_income(own.head, "1500.00")
    other = f.household(community=city.other_community, head_name="李四", members=1)
    u["resident_other"] = f.resident(person_obj=other.head, username="m-resident-other")

    draft = svc.application_create(actor=u["resident"], household=own, applicant=own.head,
                                   programmes=["dibao"], reason="家庭收入低，孩子上学开支大。")
    svc.application_set_members(actor=u["resident"], application_id=draft.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0"}
        for m in draft.members.all()])
    svc.material_add(actor=u["resident"], application_id=draft.pk, uploaded=pdf(), kind="id_card")

    # A second household of the same community, walked to approval: report, notice, decision,
    # benefit, then this month's roll with its payment and the quarter's review.
    approved_hh = f.household(community=city.community, head_name="陈大海", members=2)
    approved_resident = f.resident(person_obj=approved_hh.head, username="m-resident-approved")
    monthly_income(approved_hh.head, "1500.00")
    app = svc.application_create(actor=approved_resident, household=approved_hh, applicant=approved_hh.head,
                                 programmes=["dibao"], reason="家庭收入低。")
    svc.application_set_members(actor=approved_resident, application_id=app.pk, members=[
        {"person_id": m.person_id, "declared_monthly_income": "1500" if m.relation == "head" else "0"}
        for m in app.members.all()])
    svc.material_add(actor=approved_resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "notice", resident=approved_resident, township=u["township"], grid=u["grid"])
    objection = svc.objection_record(actor=u["township"], application_id=app.pk, content="邻居反映其有一辆货车。")
    svc.objection_resolve(actor=u["township"], objection_id=objection.pk, resolution="经核实，货车已报废。",
                          upheld=False)
    walk(app, "approved", resident=approved_resident, township=u["township"], grid=u["grid"],
         district=u["district"])
    payments.payment_roll_generate(district_code=city.district.code, month=timezone.localdate(), programme="assistance")
    svc.review_round_start()

    ensure_model()
    scoring.household_rescore(household_id=own.pk)

    notify_user(user=u["resident"], title="测试通知", body="正文", link="/me/")

    o = w.objects
    o["household"] = own
    o["person"] = own.head
    o["draft"] = draft
    o["application"] = app
    o["objection"] = objection
    o["material"] = Material.objects.filter(application=draft).first()
    o["report"] = VerificationReport.objects.filter(application=app).first()
    o["decision"] = Decision.objects.filter(application=app).first()
    o["benefit"] = Benefit.objects.filter(household=approved_hh).first()
    o["roll"] = PaymentRoll.objects.filter(district_id=city.district.code).first()
    o["payment"] = PaymentLine.objects.filter(roll=o["roll"]).first()
    o["review"] = Review.objects.filter(benefit=o["benefit"]).first()
    o["lead"] = Lead.objects.filter(household=own).first()
    o["workitem"] = WorkItem.objects.filter(region__code__startswith=city.community.code).order_by("pk").first()
    o["notification"] = u["resident"].notifications.first()
    o["record"] = DepartmentRecord.objects.filter(person=own.head).first()
    o["batch"] = ImportBatch.objects.first()
    o["parameter"] = PolicyParameter.objects.order_by("pk").first()
    o["audit"] = AuditEvent.objects.order_by("pk").first()
    o["region"] = city.community
    from civilaffairs.registry.guardianship import guardianship_add

    o["guardianship"] = guardianship_add(actor=None, ward=own.head, guardian=f.person(name="监护人"), role="relative",
                                         basis="appointed", since=dt.date(2020, 1, 1))
    o["organisation"] = care_home
    o["other_organisation"] = other_home
    o["today"] = dt.date.today()
    # --- elder care: elders / assessment area (elders helper) ---
    # An 85-year-old living alone in the home community, a family contact, an open assessment
    # draft; the township officer and the superuser hold assessor certificates.
    from eldercare.instrument_seed import seed_instrument
    from eldercare.services import assessment as elder_assess
    from eldercare.services import elders as elder_svc
    from tests.eldercare.elders_helpers import elder_in, qualify

    from django.apps import apps as django_apps

    seed_instrument(django_apps)
    o["elder"] = elder_in(city.community, name="周阿婆", age=85)
    o["elder_contact"] = elder_svc.family_contact_add(actor=u["grid"], person_id=o["elder"].pk, name="周小明",
                                                      relation="儿子", phone="13912345678")
    qualify(u["township"], number="M-PG-0001")
    qualify(u["root"], number="M-PG-0002")
    o["elder_assessment"] = elder_assess.assessment_start(actor=u["township"], person_id=o["elder"].pk)
    # --- eldercare: allowances and service credit (area C) ---
    from decimal import Decimal

    from civilaffairs.registry.services import household_create, person_create
    from eldercare.models import Allowance, CreditAccount, CreditEntry

    old = person_create(actor=None, name="钱老太", id_number=f.id_number(birth=dt.date(1940, 3, 3)),
                        registered_region_code=city.community.code)
    household_create(actor=None, community_code=city.community.code, head=old)
    month = timezone.localdate().replace(day=1)
    o["allowance"] = Allowance.objects.create(person=old, kind="high_age", community_id=city.community.code, band="80",
                                              amount=Decimal("100.00"), eligible_month=month, from_month=month,
                                              reasons=["户籍在第一社区"])
    o["credit_account"] = CreditAccount.objects.create(person=old, community_id=city.community.code,
                                                       balance=Decimal("50.00"))
    CreditEntry.objects.create(account=o["credit_account"], kind="issued", amount=Decimal("50.00"), period=month)
    # --- elder care: visits, devices and alarms (area D) ---
    # An elder living alone in the home community with a visit plan, a device of a provider of the
    # community (its key issued by the township officer), and the open alarm of an SOS.
    from eldercare.models import Alarm, VisitPlan
    from eldercare.services import devices as device_svc
    from eldercare.services import visits as visit_svc
    from tests.eldercare.visits_fixtures import contact, elder_alone

    elder = elder_alone(city.community, name="巡访老人")
    contact(elder)
    visit_svc.visit_plans_sync(community_prefix=city.community.code)
    provider = f.organisation(region=city.community, type="service_provider", name="第一社区智能养老服务商")
    o["device"] = device_svc.device_register(actor=u["township"], person=elder, provider_id=provider.pk,
                                             kind="button", serial="AUTHZ-BTN-1")
    o["device_token"], _key = device_svc.device_token_issue(actor=u["township"], provider_id=provider.pk)
    device_svc.device_events_ingest(token=o["device_token"], events=[
        {"device": "AUTHZ-BTN-1", "event_id": "sos-1", "kind": "sos", "occurred_at": timezone.now().isoformat()}])
    o["visit_plan"] = VisitPlan.objects.get(person=elder)
    o["alarm"] = Alarm.objects.get(device=o["device"])

    missing = [name for name, obj in o.items() if obj is None]
    assert not missing, f"the matrix world lacks {missing}"
    return w
