"""The payments ledger with the sample programme's source (tests/sampleprogramme/reg_payments.py)."""
from __future__ import annotations

import pytest
from django.utils import timezone

from tests import factories as f
from tests.sampleprogramme import reg_payments


@pytest.fixture
def sample():
    reg_payments.register()
    yield reg_payments
    reg_payments.unregister()  # forgets whom the test enrolled
    reg_payments.register()  # as the sample programme's app registers it at start (tests/settings.py)


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def enrolled(city, sample):
    """Three households paid by the sample programme: two in the district, one in another district."""
    here = [f.household(community=city.community, head_name=n) for n in ("赵一", "钱二")]
    there = f.household(community=city.other_community, head_name="孙三")
    sample.ENROLLED_HOUSEHOLDS.update(h.pk for h in [*here, there])
    return here, there


@pytest.fixture
def second_approver(city):
    return f.staff(username="district-2", role="district_approver", region=city.district)


@pytest.fixture
def third_approver(city):
    return f.staff(username="district-3", role="district_approver", region=city.district)
