"""``python manage.py grant_app_role ROLE``: give the application's database role what it needs, and
no more. Run it as the owner role (the one that runs ``migrate``), after every ``migrate``.

The application connects as ROLE (a NOSUPERUSER login role that owns nothing): it reads and writes
the ordinary tables, may only read and append to the audit tables, and can neither truncate nor
alter any table, so it can never switch the append-only trigger off (ALTER TABLE … DISABLE TRIGGER
and ``session_replication_role`` need the owner or a superuser).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from civilaffairs.audit.models import AccessLogEntry, AuditEvent

# The append-only tables (audit events, the access log): the application may SELECT and INSERT, nothing else.
APPEND_ONLY_TABLES = (AuditEvent._meta.db_table, AccessLogEntry._meta.db_table)
# Written by ``migrate`` (the owner) only.
READ_ONLY_TABLES = ("django_migrations",)

_ROLE = """
SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolname = current_user,
       pg_has_role(r.oid, current_user, 'MEMBER')
FROM pg_roles r WHERE r.rolname = %s
"""
# What the role could still do to an append-only table: must all be false afterwards.
_AUDIT_POWERS = """
SELECT has_table_privilege(%(role)s, c.oid, 'UPDATE'), has_table_privilege(%(role)s, c.oid, 'DELETE'),
       has_table_privilege(%(role)s, c.oid, 'TRUNCATE'), has_table_privilege(%(role)s, c.oid, 'TRIGGER'),
       pg_has_role(%(role)s, c.relowner, 'USAGE')
FROM pg_class c WHERE c.oid = %(table)s::regclass
"""


class Command(BaseCommand):
    help = "授予应用数据库角色所需的最小权限（审计表只读和追加）；以迁移所用的属主角色在每次 migrate 之后运行。"

    def add_arguments(self, parser):
        parser.add_argument("role", help="应用连接数据库所用的角色（NOSUPERUSER，不拥有任何表）")

    def handle(self, *args, role, **options):
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_ROLE, [role])
            row = cur.fetchone()
            if row is None:
                raise CommandError(f"数据库角色 {role} 不存在：请先用 CREATE ROLE … LOGIN NOSUPERUSER 创建。")
            superuser, bypassrls, createrole, createdb, is_me, member_of_owner = row
            if superuser or bypassrls or createrole:
                raise CommandError(f"数据库角色 {role} 是超级用户或可绕过权限（SUPERUSER / BYPASSRLS / "
                                   "CREATEROLE），不能作为应用角色。")
            if is_me or member_of_owner:
                raise CommandError(f"数据库角色 {role} 是执行迁移的属主角色（或其成员），应用须使用另一个角色。")
            cur.execute("SELECT current_database(), current_schema()")
            database, schema = cur.fetchone()
            app, db, sch = quote(role), quote(database), quote(schema)
            statements = [
                f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}",
                f"REVOKE CREATE ON SCHEMA {sch} FROM PUBLIC",
                f"REVOKE CREATE ON SCHEMA {sch} FROM {app}",
                f"GRANT USAGE ON SCHEMA {sch} TO {app}",
                # From nothing, so that a privilege granted by hand earlier (TRUNCATE, …) goes too.
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {app}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sch} FROM {app}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
                # Tables a later migrate creates are usable at once; run this command again after
                # it all the same, for the append-only tables among them.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            ]
            for table in APPEND_ONLY_TABLES:
                statements += [f"REVOKE ALL ON {quote(table)} FROM PUBLIC",
                               f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {app}"]
            for table in READ_ONLY_TABLES:
                statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} FROM {app}")
            for statement in statements:
                cur.execute(statement)
            for table in APPEND_ONLY_TABLES:
                cur.execute(_AUDIT_POWERS, {"role": role, "table": table})
                if any(cur.fetchone()):
                    raise CommandError(f"数据库角色 {role} 仍可修改、删除或清空审计表 {table}"
                                       "（它从别的角色继承了这些权限？）。")
        self.stdout.write(self.style.SUCCESS(
            f"已授权数据库角色 {role}：普通表可读写，审计表（{', '.join(APPEND_ONLY_TABLES)}）只可读取和追加。"))
