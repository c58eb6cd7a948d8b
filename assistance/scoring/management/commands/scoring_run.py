"""Run the re-scoring job from the command line (demo data, operations).

    python manage.py scoring_run            # full run, chunks processed here, synchronously
    python manage.py scoring_run --queue    # full run, chunks sent to the Celery workers
    python manage.py scoring_run --incremental
"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from assistance.scoring import services
from assistance.scoring.models import ScoringChunk


class Command(BaseCommand):
    help = "困难指数重算：全量（默认）或增量。"

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true", help="re-score only the dirty households")
        parser.add_argument("--queue", action="store_true", help="fan the chunks out to Celery instead")
        parser.add_argument("--chunk-size", type=int, default=services.DEFAULT_CHUNK_SIZE)

    def handle(self, *args, incremental=False, queue=False, chunk_size=services.DEFAULT_CHUNK_SIZE, **options):
        if incremental:
            run = services.scoring_incremental_run()
            self.stdout.write("nothing dirty" if run is None else self._summary(run))
            return
        run, created = services.scoring_run_start(chunk_size=chunk_size, enqueue=queue, force=True)
        if queue:
            self.stdout.write(f"run #{run.pk}: {run.chunks_total} chunks queued")
            return
        for chunk_id in ScoringChunk.objects.filter(run=run).order_by("lo_id").values_list("pk", flat=True):
            services.scoring_chunk_process(chunk_id=chunk_id)
        run.refresh_from_db()
        self.stdout.write(self._summary(run))

    @staticmethod
    def _summary(run) -> str:
        return (f"run #{run.pk} {run.kind} {run.status}: scored {run.households_scored}, "
                f"changed {run.households_changed}, failed {run.households_failed}, "
                f"leads +{run.leads_raised} ~{run.leads_updated}")
