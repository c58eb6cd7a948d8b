"""Elderly care's services, one module per area, re-exported here (each area adds its block and
extends ``__all__``)."""

# --- elders / assessment area (elders helper) ---
from .assessment import (
    assessment_answer, assessment_compute, assessment_set_facts, assessment_sign, assessment_start,
    assessment_submit, assessment_void, assessor_qualification_record, instrument_new_version, instrument_publish,
    reassessment_raise_due, reassessment_request)
from .elders import elder_profile_update, family_contact_add, family_contact_remove, family_contact_update

__all__ = ["assessment_answer", "assessment_compute", "assessment_set_facts", "assessment_sign", "assessment_start",
           "assessment_submit", "assessment_void", "assessor_qualification_record", "instrument_new_version",
           "instrument_publish", "reassessment_raise_due", "reassessment_request",
           "elder_profile_update", "family_contact_add", "family_contact_remove", "family_contact_update"]
