"""The demo city: believable, valid, scoped, and seeded once."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from civilaffairs.accounts.backends import ResidentIdentifierBackend
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.lib.idnumber import parse_id_number
from civilaffairs.registry import demo
from civilaffairs.registry.models import DepartmentRecord, Household, HouseholdMember, Person, Region
from tests.conftest import reseed_migration_data

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 200


@pytest.fixture
def seeded(db):
    reseed_migration_data()  # a transactional test before may have flushed the city
    return demo.seed_demo(households=HOUSEHOLDS, seed=7)


def test_seeding_creates_households_people_and_the_demo_accounts(seeded):
    assert Household.objects.count() == HOUSEHOLDS == seeded.households
    assert Person.objects.count() == seeded.persons > HOUSEHOLDS
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert set(demo.DEMO_USERNAMES) <= usernames
    rows = {r["username"]: r for r in demo.demo_signins()}
    assert set(rows) == set(demo.DEMO_USERNAMES)
    assert rows["demo-data"]["note"].startswith("API token ")
    assert rows["demo-city"]["region"] == "3302"


def test_regions_have_believable_codes_and_names(seeded):
    townships = Region.objects.filter(level=4)
    communities = Region.objects.filter(level=5)
    assert townships.exists() and communities.exists()
    assert all(len(t.code) == 9 and t.name.endswith(("街道", "镇")) for t in townships)
    assert all(len(c.code) == 12 and c.name.endswith(("社区", "村")) and c.code.startswith(c.parent_id)
               for c in communities)


def test_households_are_consistent(seeded):
    for household in Household.objects.select_related("head")[:50]:
        members = list(HouseholdMember.objects.filter(household=household, is_active=True))
        assert household.member_count == len(members)
        assert household.head_name == household.head.name
        assert [m.person_id for m in members if m.relation == "head"] == [household.head_id]


def test_minors_have_their_parents_as_guardians_and_a_reset_replaces_them(seeded):
    from civilaffairs.registry.models import Guardianship

    links = list(Guardianship.objects.select_related("ward", "guardian")[:200])
    assert links, "the demo city has minors with guardians"
    for link in links:
        assert link.is_active and link.ward.birth_date > link.guardian.birth_date
        assert link.ward.memberships.get(is_active=True).household_id == \
            link.guardian.memberships.get(is_active=True).household_id
    assert not Guardianship.objects.values("ward").annotate(n=Count("pk", filter=Q(is_primary=True))).filter(n__gt=1)
    before = Guardianship.objects.count()
    call_command("seed_demo", households=HOUSEHOLDS, seed=7, reset=True)
    assert Guardianship.objects.count() == before  # the same city again: the old links went with it


def test_the_resident_lives_in_demo_grids_community(seeded):
    User = get_user_model()
    grid = User.objects.get(username="demo-grid")
    resident = User.objects.get(username="demo-resident")
    community = grid.assignments.get().region_id
    assert HouseholdMember.objects.filter(person=resident.person, is_active=True,
                                          household__community_id=community).exists()
    backend = ResidentIdentifierBackend()
    assert backend.authenticate(None, username=demo.RESIDENT_PHONE, password=settings.DEMO_PASSWORD) == resident


def test_demo_grid_sees_only_their_community(seeded):
    grid = get_user_model().objects.get(username="demo-grid")
    community = grid.assignments.get().region_id
    visible = scope_queryset(Household.objects.all(), grid, capability=Capability.VIEW_HOUSEHOLDS)
    assert visible.exists()
    assert set(visible.values_list("community_id", flat=True)) == {community}
    assert visible.count() == Household.objects.filter(community_id=community).count() < HOUSEHOLDS
    other = get_user_model().objects.get(username="demo-grid-other")
    assert not scope_queryset(Household.objects.filter(community_id=community), other,
                              capability=Capability.VIEW_HOUSEHOLDS).exists()


def test_every_generated_id_number_is_valid_and_unique(seeded):
    numbers = [p.reveal_id_number() for p in Person.objects.all()]
    for number in numbers:
        rid = parse_id_number(number)
        assert rid.number == number
    assert len(set(numbers)) == len(numbers)
    person = Person.objects.first()
    assert person.id_number_masked == number_masked(person.reveal_id_number())


def number_masked(number: str) -> str:
    from civilaffairs.lib.masking import mask_id_number

    return mask_id_number(number)


def test_department_records_look_like_the_city(seeded):
    kinds = set(DepartmentRecord.objects.values_list("kind", flat=True))
    assert {"income", "pension", "financial_assets", "school_enrolment", "employment"} <= kinds
    assert DepartmentRecord.objects.filter(person__isnull=True).count() == 0
    assert not DepartmentRecord.objects.exclude(batch__file_name__startswith="demo-seed-").exists()


def test_demo_records_hold_what_the_import_would_store(seeded):
    from civilaffairs.registry.facts.schema import canonical_attributes

    records = list(DepartmentRecord.objects.values_list("kind", "attributes"))
    assert records and all(canonical_attributes(kind, attrs) == attrs for kind, attrs in records)
    disability = DepartmentRecord.objects.filter(kind="disability").values_list("attributes", flat=True)
    assert disability and all(set(a) == {"grade", "category"} and isinstance(a["grade"], int) for a in disability)
    homes = DepartmentRecord.objects.filter(kind="real_estate").values_list("attributes", flat=True)
    assert homes and all(isinstance(a["is_home"], bool) and "exempt" not in a for a in homes)


def test_running_again_does_not_duplicate(seeded, capsys):
    call_command("seed_demo", households=HOUSEHOLDS)
    assert "已存在" in capsys.readouterr().out
    assert Household.objects.count() == HOUSEHOLDS
    with pytest.raises(demo.DemoAlreadySeeded):
        reseed_migration_data()  # a transactional test before may have flushed the city
        demo.seed_demo(households=HOUSEHOLDS)


def test_reset_reseeds_the_same_city(seeded):
    first = sorted(Person.objects.values_list("id_digest", flat=True))
    call_command("seed_demo", households=HOUSEHOLDS, seed=7, reset=True)
    assert Household.objects.count() == HOUSEHOLDS
    assert sorted(Person.objects.values_list("id_digest", flat=True)) == first
    assert get_user_model().objects.filter(username="demo-grid").count() == 1


def test_a_bulk_load_rebuilds_every_index_it_dropped(db, monkeypatch):
    from django.db import connection

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
                           [list(demo.BULK_TABLES)])
            return [row[0] for row in cursor.fetchall()]

    before = indexes()
    monkeypatch.setattr(demo, "BULK_INDEX_THRESHOLD", 50)
    reseed_migration_data()  # a transactional test before may have flushed the city
    demo.seed_demo(households=60, seed=3)
    assert indexes() == before
    assert Household.objects.count() == 60


def test_reset_after_scoring_and_casework_removes_the_city(seeded):
    """Scores, leads (with their work items) and an application on demo households do not
    block a reset; nothing of the old city is left behind."""
    from assistance.models import Application
    from assistance.scoring.engine import RULE_KEY
    from civilaffairs.entitlements import services as engine
    from assistance.scoring.models import HouseholdScore, Lead
    from civilaffairs.worklist.models import WorkItem
    from tests.assistance.scoring.conftest import ensure_model

    ensure_model()
    run, _ = engine.entitlement_full_run_start(rule_key=RULE_KEY, enqueue_chunks=False)
    for chunk in run.chunks.all():
        engine.entitlement_chunk_process(chunk_id=chunk.pk)
    assert HouseholdScore.objects.count() == HOUSEHOLDS
    assert Lead.objects.exists()
    hh = Household.objects.order_by("pk").first()
    Application.objects.create(number="SQBDEMO0001", household=hh, community_id=hh.community_id,
                               applicant_id=hh.head_id, programmes=["dibao"],
                               created_by=get_user_model().objects.get(username="demo-grid"))

    call_command("seed_demo", households=HOUSEHOLDS, seed=7, reset=True)
    assert Household.objects.count() == HOUSEHOLDS
    assert not HouseholdScore.objects.exists() and not Lead.objects.exists()
    assert not Application.objects.exists()
    assert not WorkItem.objects.filter(kind__startswith="scoring.").exists()
