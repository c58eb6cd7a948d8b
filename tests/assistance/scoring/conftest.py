import pytest

from assistance.scoring.models import ModelStatus, ScoringModel


@pytest.fixture
def model(db):
    return ScoringModel.objects.get(status=ModelStatus.PUBLISHED)
