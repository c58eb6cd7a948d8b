"""``python manage.py seed_demo [--households N] [--seed S] [--reset]``: build the demo city."""
from __future__ import annotations

import resource
import time

from django.core.management.base import BaseCommand

from civilaffairs.registry import demo


class Command(BaseCommand):
    help = "生成演示数据：区划、家庭、部门数据和演示账号（用 COPY 批量写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=demo.DEFAULT_HOUSEHOLDS,
                            help=f"家庭户数（默认 {demo.DEFAULT_HOUSEHOLDS}）")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再生成")
        parser.add_argument("--chunk", type=int, default=demo.CHUNK_HOUSEHOLDS, help="每批写入的家庭户数")

    def handle(self, *args, households, seed, reset, chunk, **options):
        log = self.stdout.write
        if reset:
            demo.demo_reset(log=log)
        elif demo.is_seeded():
            log(self.style.WARNING("演示数据已存在，未重复生成（如需重建请加 --reset）。"))
            self._print_signins()
            return
        started = time.monotonic()
        log(f"正在生成演示数据：{households:,} 户，随机种子 {seed} …")
        stats = demo.seed_demo(households=households, seed=seed, chunk=chunk, log=log)
        elapsed = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(self.style.SUCCESS(
            f"完成：新增区划 {stats.regions:,} 个，家庭 {stats.households:,} 户，人员 {stats.persons:,} 人，"
            f"部门数据 {sum(stats.records.values()):,} 条；用时 {elapsed:.1f} 秒，峰值内存 {peak_mb:.0f} MB。"))
        for source, count in sorted(stats.records.items()):
            log(f"  {source:<12} {count:>12,}")
        self._print_signins()

    def _print_signins(self):
        rows = demo.demo_signins()
        if not rows:
            return
        self.stdout.write("\n演示账号（密码均为下列密码）：")
        self.stdout.write(f"{'用户名':<18}{'角色':<16}{'辖区':<26}{'密码':<20}说明")
        for row in rows:
            region = f"{row['region']} {row['region_name']}".strip()
            self.stdout.write(f"{row['username']:<20}{row['role_label']:<14}{region:<24}{row['password']:<20}"
                              f"{row['note']}")
