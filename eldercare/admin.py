"""Elder care's admin: one module per area, imported here (one line each)."""
import importlib

# --- allowances and service credit (area C) ---
importlib.import_module(".admin_allowances", __package__)
