"""Elderly care's data. Elders are registry persons (``registry.Person``), never copies: every
model here points at the person. One module per area; this package re-exports them."""
from .assessment import DISABLED_GRADES, AbilityGrade, Assessment, AssessmentStatus
from .elders import ElderProfile, FamilyContact, SpecialGroup

__all__ = ["DISABLED_GRADES", "AbilityGrade", "Assessment", "AssessmentStatus", "ElderProfile", "FamilyContact",
           "SpecialGroup"]
