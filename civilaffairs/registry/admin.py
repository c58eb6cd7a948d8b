from django.contrib import admin  # noqa: F401

# Department-data import batches and records have their own admin module (upload view).
from .admin_imports import *  # noqa: F401,F403,E402
