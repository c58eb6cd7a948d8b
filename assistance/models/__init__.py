"""Social assistance models, split by sub-domain."""
from .applications import (  # noqa: F401
    Application, ApplicationEvent, ApplicationMember, ApplicationStatus, Channel, Material, MaterialKind,
    SelfCare,
)
from .benefits import COVERAGE_PROGRAMMES, PAID_STATUSES, Benefit, BenefitStatus, Programme  # noqa: F401
from .casework import Decision, DecisionOutcome, HomeVisit, Objection, PublicNotice, VerificationReport  # noqa: F401
from .payments import (  # noqa: F401
    Payment, PaymentKind, PaymentRoll, PaymentStatus, PriceSubsidyRound, Review, ReviewOutcome, RollStatus,
)
