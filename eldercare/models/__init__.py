"""Elderly care's data. Elders are registry persons (``registry.Person``), never copies: every
model here points at the person. One module per area; this package re-exports them."""
from .elders import ElderProfile, FamilyContact, SpecialGroup  # noqa: F401
