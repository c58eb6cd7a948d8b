"""The range of every date a person types in social assistance, in one place. Forms and API
serializers run ``RULE.validator()`` (the bounds relative to today); the services run
``RULE.check(...)`` again with the case's own bounds (filing date, notice start), so a form,
the API and a direct service call agree."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.lib.dates import DateRule
from civilaffairs.registry.selectors import ParameterMissing

# A verification report is built on department data "as of" its 基准日: today, or a recent
# day when the data were pulled a little earlier; never a future day (whose 12-month window
# holds no records yet, so the sealed report would show no income).
VERIFICATION_MAX_AGE_DAYS = 30
# A notice is posted from today (never backdated, which would shorten the 7 days), at the
# latest a month ahead.
NOTICE_MAX_LEAD_DAYS = 30

VERIFICATION_AS_OF = DateRule(gettext_lazy("核对基准日"), past=VERIFICATION_MAX_AGE_DAYS, future=0,
                              why=gettext_lazy("不能晚于今天，最早为 30 天前"))
REVIEW_AS_OF = VERIFICATION_AS_OF  # a review re-verifies the household: the same report, the same rule
NOTICE_START = DateRule(gettext_lazy("公示开始日期"), past=0, future=NOTICE_MAX_LEAD_DAYS,
                        why=gettext_lazy("从今天起，不能倒签，最迟为 30 天后"))
# Not in the future; the lower bound is the case's: the service passes the application's filing
# date (a visit) or the notice's first day (an objection) as ``not_before``.
VISIT_AT = DateRule(gettext_lazy("入户时间"), past=None, future=0, why=gettext_lazy("不早于申请日期，不晚于今天"))
OBJECTION_RECEIVED = DateRule(gettext_lazy("异议收到日期"), past=None, future=0,
                              why=gettext_lazy("不早于公示开始日期，不晚于今天"))
ROLL_MONTH = DateRule(gettext_lazy("发放月份"), past=12, future=1, months=True,
                      why=gettext_lazy("最早为 12 个月前，最迟为下个月"))
SUBSIDY_MONTH = DateRule(gettext_lazy("物价补贴发放月份"), past=12, future=3, months=True,
                         why=gettext_lazy("最早为 12 个月前，最迟为 3 个月后"))


@contextmanager
def parameters_on(day: dt.date, *, field: str | None = None):
    """Policy parameters read for a date a person chose: none in force on that date is that
    field's error (the date is wrong, or the parameters need an admin), not a 500."""
    try:
        yield
    except ParameterMissing:
        message = _("该日期（%(d)s）没有适用的政策标准，请核对日期，或请管理员维护该地区在这一天有效的政策参数。") % {
            "d": day.isoformat()}
        raise ValidationError({field: message} if field else message, code="parameter_missing") from None
