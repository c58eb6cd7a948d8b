"""ID numbers: encrypted at rest, found by keyed digest, masked, revealed only with right and audit."""
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from civilaffairs.audit.models import AuditEvent
from civilaffairs.lib.crypto import DecryptionError, decrypt_text, encrypt_text, generate_key
from civilaffairs.lib.logging import RedactPersonalDataFilter, redact
from civilaffairs.lib.masking import mask_id_number, mask_name, mask_phone
from civilaffairs.registry.models import Person
from civilaffairs.registry.selectors import person_find_by_id_number
from civilaffairs.registry.services import person_create, person_reveal_id_number
from tests import factories as f


def test_masks_keep_only_the_region_and_the_last_four_digits():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("欧阳娜娜") == "欧**娜"


def test_the_id_number_is_stored_encrypted_and_found_by_digest(db):
    number = f.id_number()
    person = person_create(actor=None, name="陈静", id_number=number, phone="13912345678")
    with connection.cursor() as cur:
        cur.execute("SELECT id_number_encrypted::text, id_digest, phone_encrypted::text FROM registry_person "
                    "WHERE id = %s", [person.pk])
        stored = " ".join(str(v) for v in cur.fetchone())
    assert number not in stored and number.encode().hex() not in stored
    assert "13912345678" not in stored
    assert person_find_by_id_number(number.lower()) == person
    assert person.id_number_masked == mask_id_number(number)
    assert person.gender == "M" and person.birth_date.year == 1980


def test_creating_a_person_with_a_bad_id_number_says_what_is_wrong(db):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, name="陈静", id_number="110105194912310021")
    assert "校验位" in " ".join(exc.value.message_dict["id_number"])
    assert Person.objects.count() == 0


def test_the_same_id_number_cannot_be_registered_twice(db):
    number = f.id_number()
    person_create(actor=None, name="甲", id_number=number)
    with pytest.raises(ValidationError):
        person_create(actor=None, name="乙", id_number=number)


def test_a_wrong_key_raises_instead_of_returning_ciphertext():
    token = encrypt_text("330203198005170011")
    with override_settings(FIELD_ENCRYPTION_KEY=generate_key()):
        with pytest.raises(DecryptionError):
            decrypt_text(token)


def test_a_township_officer_reveals_an_id_and_the_reveal_is_audited(township_officer, home_household):
    person = home_household.head
    number = person_reveal_id_number(actor=township_officer, person=person, reason="入户核查")
    assert len(number) == 18 and number.endswith(person.id_number_masked[-4:])
    event = AuditEvent.objects.get(action="registry.id_revealed")
    assert event.actor == township_officer and event.object_id == str(person.pk)
    assert event.region_code == home_household.community_id


@pytest.mark.parametrize("persona", ["grid_worker", "other_district_worker", "resident", "data_provider"])
def test_a_user_without_the_right_cannot_reveal_and_the_attempt_is_audited(request, persona, home_household):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        person_reveal_id_number(actor=user, person=home_household.head)
    assert AuditEvent.objects.filter(action="registry.id_reveal_refused", actor=user).count() == 1


def test_an_officer_cannot_reveal_outside_their_township(township_officer, other_household):
    with pytest.raises(PermissionDenied):
        person_reveal_id_number(actor=township_officer, person=other_household.head)


def test_logs_never_carry_id_or_phone_numbers(caplog):
    assert redact("身份证 33020319800517001X 电话 13800138000") == "身份证 330203********001X 电话 138****8000"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "looked up %s", ("33020319800517001X",), None)
    RedactPersonalDataFilter().filter(record)
    assert "19800517" not in record.getMessage()
