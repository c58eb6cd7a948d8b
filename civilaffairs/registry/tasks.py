"""Registry jobs: a few lines each, calling one service."""
from celery import shared_task

from .services import department_records_link_unlinked


@shared_task(name="registry.department_records_link", acks_late=True, time_limit=600, soft_time_limit=540,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def department_records_link() -> int:
    """Link department records whose person was registered after they arrived (idempotent)."""
    return department_records_link_unlinked(actor=None)


@shared_task(name="registry.guardianships_revoke", acks_late=True, time_limit=600, soft_time_limit=540,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def guardianships_revoke() -> int:
    """Revoke the links of guardians a court stripped of guardianship (a current fact; idempotent)."""
    from .guardianship import guardianships_revoke_by_facts

    return guardianships_revoke_by_facts()
