"""Elderly care's data. Elders are registry persons (``registry.Person``), never copies: every
model here points at the person. One module per area; this package re-exports them."""
from .assessment import DISABLED_GRADES, AbilityGrade, Assessment, AssessmentStatus
from .elders import ElderProfile, FamilyContact, SpecialGroup

# --- elders / assessment area ---
from .assessment import (  # noqa: E402
    RISK_EVENTS_MAX, AssessmentAnswer, AssessmentDetail, AssessmentSignature, AssessorQualification)
from .instrument import (  # noqa: E402
    AdjustmentCondition, AdjustmentKind, AdjustmentRule, GradeBand, Instrument, InstrumentDimension,
    InstrumentItem, InstrumentOption, InstrumentStatus)

__all__ = ["DISABLED_GRADES", "AbilityGrade", "Assessment", "AssessmentStatus", "ElderProfile", "FamilyContact",
           "SpecialGroup",
           # --- elders / assessment area ---
           "RISK_EVENTS_MAX", "AssessmentAnswer", "AssessmentDetail", "AssessmentSignature", "AssessorQualification",
           "AdjustmentCondition", "AdjustmentKind", "AdjustmentRule", "GradeBand", "Instrument",
           "InstrumentDimension", "InstrumentItem", "InstrumentOption", "InstrumentStatus"]
# --- allowances and service credit (area C) ---
from .allowances import ALLOWANCE_AMOUNT_MAX, Allowance, AllowanceKind, AllowanceStatus  # noqa: E402
from .credit import CreditAccount, CreditEntry, CreditEntryKind  # noqa: E402

__all__ += ["ALLOWANCE_AMOUNT_MAX", "Allowance", "AllowanceKind", "AllowanceStatus", "CreditAccount", "CreditEntry",
            "CreditEntryKind"]

# --- visits, devices and alarms (area D) ---
from .devices import (  # noqa: E402
    ALARM_OPEN_STATUSES, Alarm, AlarmOutcome, AlarmSms, AlarmStatus, Device, DeviceEvent, DeviceKind, DeviceStatus,
    DeviceToken, EventKind,
)
from .visits import (  # noqa: E402
    RISK_REFERRAL, Health, Need, PlanEndReason, PlanStatus, ReferralTo, Risk, RiskLevel, Safety, Visit, VisitMode,
    VisitPlan,
)

__all__ += ["ALARM_OPEN_STATUSES", "Alarm", "AlarmOutcome", "AlarmSms", "AlarmStatus", "Device", "DeviceEvent",
            "DeviceKind", "DeviceStatus", "DeviceToken", "EventKind", "RISK_REFERRAL", "Health", "Need",
            "PlanEndReason", "PlanStatus", "ReferralTo", "Risk", "RiskLevel", "Safety", "Visit", "VisitMode",
            "VisitPlan"]
