import pytest

from assistance.scoring.models import ModelStatus, ScoringModel


def ensure_model() -> ScoringModel:
    """The published v1 seeded by migration; re-created after a transactional test's flush."""
    model = ScoringModel.objects.filter(status=ModelStatus.PUBLISHED).first()
    return model or ScoringModel.objects.create(version=1, name="v1", status=ModelStatus.PUBLISHED)


@pytest.fixture
def model(db):
    return ensure_model()


@pytest.fixture(autouse=True)
def _only_the_difficulty_index():
    """The engine's incremental run evaluates every registered rule; here only the difficulty
    index is registered, so a run's totals are the index's (the sample programme's rules, in the
    test settings, are put back afterwards)."""
    from assistance.scoring.engine import RULE_KEY
    from civilaffairs.entitlements.rules import register_rule, rule_registry, unregister_rule

    others = [r for k, r in rule_registry().items() if k != RULE_KEY]
    for rule in others:
        unregister_rule(rule.key)
    yield
    for rule in others:
        register_rule(rule)
