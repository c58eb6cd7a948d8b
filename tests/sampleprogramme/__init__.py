"""A programme that exists only in the tests: it registers one of everything a programme can
register, to prove that a new programme appears in the platform without a platform change.

Installed by ``tests/settings.py`` only (never by ``civilaffairs/settings.py``). ``apps.py``
calls ``register()`` of every ``reg_*.py`` module here, so each concern's registration is one
small file dropped in.
"""
