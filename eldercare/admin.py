"""Elderly care's admin: one module per area, imported here."""
from . import admin_visits  # area D: visits, devices and alarms

__all__ = ["admin_visits"]
