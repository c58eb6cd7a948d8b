"""Planner statistics before a run: refreshed when a table grew or shrank, not when its rows were rewritten."""
import pytest
from django.db import connection

from assistance.scoring import sql
from civilaffairs.worklist.models import WorkItem


def _flush_stats():
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
    connection.close()  # a new backend reads the shared statistics afresh


@pytest.mark.django_db(transaction=True)
def test_statistics_are_refreshed_when_a_table_grows_but_not_when_its_rows_are_rewritten(city):
    with connection.cursor() as cur:
        cur.execute("ANALYZE worklist_workitem")
    WorkItem.objects.bulk_create(WorkItem(kind="test.stats", title=f"事项{i}", region=city.community)
                                 for i in range(1500))
    _flush_stats()
    assert "worklist_workitem" in sql.refresh_stale_statistics()   # 1,500 new rows on an empty table
    _flush_stats()
    assert "worklist_workitem" not in sql.refresh_stale_statistics()

    # A full re-score rewrites rows in place: the row count stands, so do the plans.
    for _ in range(3):
        WorkItem.objects.filter(kind="test.stats").update(detail="已更新")
    _flush_stats()
    assert "worklist_workitem" not in sql.refresh_stale_statistics()

    WorkItem.objects.filter(kind="test.stats").delete()
    _flush_stats()
    assert "worklist_workitem" in sql.refresh_stale_statistics()   # emptied
