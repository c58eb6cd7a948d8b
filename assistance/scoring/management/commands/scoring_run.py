"""Run the difficulty index on the proactive engine from the command line (demo data, operations).

    python manage.py scoring_run            # full run of the difficulty index, chunks processed here
    python manage.py scoring_run --queue    # full run, chunks sent to the Celery workers
    python manage.py scoring_run --incremental   # the engine's incremental run (every rule) over the dirty set
"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from assistance.scoring.engine import CHUNK_SIZE, RULE_KEY
from civilaffairs.entitlements import services as engine
from civilaffairs.entitlements.models import EntitlementChunk


class Command(BaseCommand):
    help = "困难指数重算（政策找人引擎）：全量（默认）或增量。"

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true", help="re-evaluate only the dirty subjects")
        parser.add_argument("--queue", action="store_true", help="fan the chunks out to Celery instead")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, incremental=False, queue=False, chunk_size=CHUNK_SIZE, **options):
        if incremental:
            run = engine.entitlement_incremental_run()
            self.stdout.write("nothing dirty" if run is None else self._summary(run))
            return
        run, created = engine.entitlement_full_run_start(rule_key=RULE_KEY, chunk_size=chunk_size,
                                                         enqueue_chunks=queue, force=True)
        if queue:
            self.stdout.write(f"run #{run.pk}: {run.chunks_total} chunks queued")
            return
        for chunk_id in EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True):
            engine.entitlement_chunk_process(chunk_id=chunk_id)
        run.refresh_from_db()
        self.stdout.write(self._summary(run))

    @staticmethod
    def _summary(run) -> str:
        return (f"run #{run.pk} {run.kind} {run.status}: scored {run.evaluated}, changed {run.changed}, "
                f"failed {run.failed}, leads +{run.gained}, closed as covered {run.lost}")
