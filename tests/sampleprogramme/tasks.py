from celery import shared_task


@shared_task(name="sample.nightly")
def nightly() -> str:
    return "ok"
