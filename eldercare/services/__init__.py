"""Elderly care's services: every write of the app, one module per area (import from the module)."""
# --- visits, devices and alarms (area D): eldercare.services.visits, .devices, .alarms ---
