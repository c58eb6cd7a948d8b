"""Social assistance models, split by sub-domain."""
from .applications import (  # noqa: F401
    FINAL_STATUSES, Application, ApplicationEvent, ApplicationMember, ApplicationStatus, Channel, Material,
    MaterialKind, SelfCare,
)
from .benefits import (  # noqa: F401
    COVERAGE_PROGRAMMES, DECLARED_INCOME_MAX, MONTHLY_AMOUNT_MAX, ONE_OFF_AMOUNT_MAX, PAID_STATUSES,
    PAYMENT_AMOUNT_MAX, SUBSIDY_MULTIPLIER_MAX, SUBSIDY_PER_PERSON_MAX, Benefit, BenefitAdjustment, BenefitStatus,
    Programme,
)
from .casework import (  # noqa: F401
    Decision, DecisionOutcome, DecisionState, HomeVisit, Objection, PublicNotice, VerificationReport,
)
from .payments import (  # noqa: F401
    PriceSubsidyRound, Review, ReviewOutcome,
)
