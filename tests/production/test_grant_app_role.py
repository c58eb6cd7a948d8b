"""grant_app_role refuses a role that could undo what it grants (the smoke test checks what it grants)."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection


def test_it_refuses_a_superuser(db):
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        me, superuser = cur.fetchone()
    with pytest.raises(CommandError, match="超级用户|属主角色") as refused:
        call_command("grant_app_role", me)
    assert me in str(refused.value)
    assert superuser or "属主角色" in str(refused.value)


def test_it_refuses_a_role_that_does_not_exist(db):
    with pytest.raises(CommandError, match="不存在"):
        call_command("grant_app_role", "no_such_role_for_civilaffairs")
