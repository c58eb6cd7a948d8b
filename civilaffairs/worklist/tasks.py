from celery import shared_task

from .services import workitem_escalate_overdue, workitem_prioritise_by_due


@shared_task(name="worklist.escalate_overdue", acks_late=True, time_limit=300, soft_time_limit=240,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def escalate_overdue() -> int:
    """Overdue items to 紧急, items due soon lifted (each service idempotent); returns the escalated count."""
    escalated = workitem_escalate_overdue()
    workitem_prioritise_by_due()
    return escalated
