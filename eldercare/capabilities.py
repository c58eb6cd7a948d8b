"""Elderly care's capabilities and the roles that hold them, registered with the platform in
``EldercareConfig.ready()``; checks go through ``civilaffairs.accounts.scoping.user_can``.

Who does what (Ningbo 银龄之家 / Pinghu practice): grid workers and village assistants know the
elders of their community — they keep profiles and family contacts, visit, and take the first
call on an alarm; township officers plan visits, assess (with a second qualified assessor) and
verify what the engine found; the district confirms allowances; the city edits the assessment
instrument. Facility and provider staff act for their organisation only (``organisation_field``):
a provider's staff see the devices it installed and the alarms they raise.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Role, capability_register

VIEW = "eldercare.view"                      # elders' pages and lists
EDIT_PROFILE = "eldercare.edit_profile"      # profile, family contacts, community doctor
ASSESS = "eldercare.assess"                  # fill and sign an ability assessment
MANAGE_INSTRUMENT = "eldercare.manage_instrument"  # new versions of the assessment instrument
VERIFY_ALLOWANCE = "eldercare.verify_allowance"    # verify a found entitlement, stop one
CONFIRM_ALLOWANCE = "eldercare.confirm_allowance"  # second person on money (district)
MANAGE_CREDIT = "eldercare.manage_credit"    # service-credit corrections (two people)
PLAN_VISITS = "eldercare.plan_visits"        # visit plans and their assignments
VISIT = "eldercare.visit"                    # record a visit
MANAGE_DEVICES = "eldercare.manage_devices"  # register / retire devices, ingestion tokens
HANDLE_ALARM = "eldercare.handle_alarm"      # acknowledge, escalate, close an alarm

_COMMUNITY = (Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER)
_TOWNSHIP = (Role.TOWNSHIP_OFFICER,)
_DISTRICT = (Role.DISTRICT_APPROVER,)
_SEE = (Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER, Role.DISTRICT_APPROVER, Role.CITY_ADMIN)

CAPABILITIES = (
    (VIEW, _("查看老年人信息"), _SEE + (Role.PROVIDER_STAFF, Role.FACILITY_STAFF)),
    (EDIT_PROFILE, _("维护老年人档案、家属联系人"), _COMMUNITY),
    (ASSESS, _("老年人能力评估（评估员）"), _TOWNSHIP + (Role.FACILITY_STAFF,)),
    (MANAGE_INSTRUMENT, _("维护能力评估量表版本"), (Role.CITY_ADMIN,)),
    (VERIFY_ALLOWANCE, _("核实、停发养老补贴津贴"), _TOWNSHIP),
    (CONFIRM_ALLOWANCE, _("确认养老补贴津贴（第二审核人）"), _DISTRICT),
    (MANAGE_CREDIT, _("服务券（服务额度）调整"), _TOWNSHIP + _DISTRICT),
    (PLAN_VISITS, _("制定巡访计划、指派巡访人"), _TOWNSHIP),
    (VISIT, _("登记巡访记录"), _COMMUNITY),
    (MANAGE_DEVICES, _("登记智能设备、管理接入令牌"), _TOWNSHIP + (Role.PROVIDER_STAFF,)),
    (HANDLE_ALARM, _("处置设备告警"), _COMMUNITY + (Role.PROVIDER_STAFF,)),
)


def register_capabilities() -> None:
    for code, label, roles in CAPABILITIES:
        capability_register(code, label, roles=roles)
