"""Elderly care's admin: each area's classes live in ``admin_<area>.py``, imported here (one line each)."""
from . import admin_allowances  # allowances and service credit area
from . import admin_elders  # elders / assessment area
from . import admin_visits  # visits, devices and alarms area

__all__ = ["admin_elders", "admin_allowances", "admin_visits"]
