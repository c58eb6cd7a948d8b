"""Test data built through the same services the portal uses."""
from __future__ import annotations

import datetime as dt
import itertools

from civilaffairs.accounts.models import User, UserKind
from civilaffairs.accounts.services import resident_user_create, staff_user_create
from civilaffairs.lib.idnumber import make_id_number
from civilaffairs.registry.models import Region, RegionLevel
from civilaffairs.registry.services import household_add_member, household_create, person_create

PASSWORD = "test-password-123"
_seq = itertools.count(1)


def region(code: str, name: str, parent: Region | None = None) -> Region:
    level = {2: RegionLevel.PROVINCE, 4: RegionLevel.CITY, 6: RegionLevel.DISTRICT,
             9: RegionLevel.TOWNSHIP, 12: RegionLevel.COMMUNITY}[len(code)]
    obj, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return obj


def id_number(*, birth: dt.date = dt.date(1980, 5, 17), female: bool = False, region6: str = "330203") -> str:
    return make_id_number(region6, birth, next(_seq), female=female)


def person(*, name: str = "张三", birth: dt.date = dt.date(1980, 5, 17), female: bool = False,
           phone: str = "", region6: str = "330203"):
    return person_create(actor=None, name=name, id_number=id_number(birth=birth, female=female, region6=region6),
                         phone=phone)


def household(*, community: Region, head_name: str = "张三", members: int = 0, head_phone: str = ""):
    head = person(name=head_name, phone=head_phone)
    hh = household_create(actor=None, community_code=community.code, head=head)
    for i in range(members):
        household_add_member(actor=None, household=hh, person=person(name=f"{head_name[0]}家{i}",
                                                                        birth=dt.date(2010, 1, 1 + i)),
                             relation="child")
    return hh


def staff(*, username: str, role: str, region: Region, is_staff: bool = False, organisation=None) -> User:
    return staff_user_create(actor=None, username=username, password=PASSWORD, display_name=username,
                             role=role, region_code=region.code, is_staff=is_staff, organisation=organisation)


_uscc_seq = itertools.count(1)


def uscc(*, prefix: str = "52", region6: str = "330203") -> str:
    """A valid unified social credit code, different each call."""
    from civilaffairs.lib.uscc import make_uscc

    return make_uscc(prefix, region6, 700000000 + next(_uscc_seq))


def organisation(*, region: Region, type: str = "care_home", name: str | None = None, grade: int | None = None):
    from civilaffairs.accounts.services import organisation_create

    return organisation_create(actor=None, type=type, name=name or f"测试机构{next(_seq)}", region_code=region.code,
                               uscc=uscc(region6=region.code[:6].ljust(6, "0")), grade=grade)


def resident(*, person_obj, username: str | None = None) -> User:
    return resident_user_create(actor=None, person=person_obj, password=PASSWORD, username=username)


def superuser(username: str = "root") -> User:
    return User.objects.create_superuser(username=username, password=PASSWORD, kind=UserKind.STAFF)


def api_token(user: User, scope: str = "full", organisation: str = "测试单位") -> str:
    """Issue an API token through the service and return its plaintext key."""
    from civilaffairs.accounts.services import api_token_issue

    _token, key = api_token_issue(actor=None, user=user, organisation=organisation, scope=scope)
    return key
