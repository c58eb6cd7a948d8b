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


@pytest.fixture
def app_role(db):
    """A NOSUPERUSER role made inside the test's transaction (rolled back with it)."""
    import uuid

    name = f"ca_test_app_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB")
    return name


def _privileges(role: str, table: str) -> dict[str, bool]:
    with connection.cursor() as cur:
        cur.execute("SELECT p, has_table_privilege(%s, %s, p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', "
                    "'DELETE', 'TRUNCATE', 'TRIGGER']) AS p", [role, table])
        return dict(cur.fetchall())


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_accesslogentry"])
def test_the_app_role_may_read_and_append_to_the_audit_tables_only(app_role, table):
    call_command("grant_app_role", app_role)
    assert _privileges(app_role, table) == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                                            "TRUNCATE": False, "TRIGGER": False}


def test_the_app_role_writes_ordinary_tables(app_role):
    call_command("grant_app_role", app_role)
    assert _privileges(app_role, "registry_person") == {"SELECT": True, "INSERT": True, "UPDATE": True,
                                                        "DELETE": True, "TRUNCATE": False, "TRIGGER": False}
