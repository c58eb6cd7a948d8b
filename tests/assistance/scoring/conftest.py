import pytest

from assistance.scoring.models import ModelStatus, ScoringModel


def ensure_model() -> ScoringModel:
    """The published v1 seeded by migration; re-created after a transactional test's flush."""
    model = ScoringModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    return model or ScoringModel.objects.create(version=1, name="v1", status=ModelStatus.PUBLISHED)


@pytest.fixture
def model(db):
    return ensure_model()
