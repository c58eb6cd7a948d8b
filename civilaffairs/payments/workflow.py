"""The money steps of rolls and lines, who may take them and the four-eyes rule, in one place.

Moved from ``assistance.workflow`` (ROLL_TRANSITIONS, PAYMENT_TRANSITIONS); each step names the
platform capability it needs (held by district approvers, as before). ``MoneyTransition``, ``FourEyes`` and ``four_eyes_refusal`` are the platform's;
programmes use them for their own money steps (assistance's proposed decisions)."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Capability

from .models import LineStatus, RollStatus



@dataclass(frozen=True)
class MoneyTransition:
    """A step on a roll, a payment line or a proposed decision. ``not_by``: (field naming a user on the
    object, the refusal): the four-eyes rule — that user may not take this step."""

    action: str
    sources: frozenset
    target: str
    capability: str
    label: str
    not_by: tuple[tuple[str, str], ...] = ()


ROLL_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("generate", frozenset({RollStatus.GENERATED}), RollStatus.GENERATED, Capability.GENERATE_ROLL,
                    _("生成（补充）发放名册")),
    MoneyTransition("approve", frozenset({RollStatus.GENERATED}), RollStatus.APPROVED, Capability.APPROVE_ROLL, _("审核发放名册"),
                    not_by=(("generated_by", _("生成人不能审批本人生成的发放名册，须由另一名区县审批人审核。")),
                            ("changed_by", _("最后补充名册的人不能审批该名册，须由另一名区县审批人审核。")))),
    MoneyTransition("export", frozenset({RollStatus.APPROVED, RollStatus.EXPORTED}), RollStatus.EXPORTED, Capability.EXPORT_ROLL,
                    _("导出银行发放文件")),
)}

# The bank's result for one line. The one who sent the bank file may not also record that the money
# arrived: "paid" is reconciled against the bank's return by a second person (a failure may be recorded
# by anyone, it pays nothing, and the line is re-sent only after a retry and a new export).
PAYMENT_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("mark_paid", frozenset({LineStatus.PENDING}), LineStatus.PAID, Capability.RECORD_PAYMENT, _("登记已发放"),
                    not_by=(("roll.exported_by", _("导出银行文件的人不能登记本人导出的款项为已发放，须由另一人对账登记。")),)),
    MoneyTransition("mark_failed", frozenset({LineStatus.PENDING}), LineStatus.FAILED, Capability.RECORD_PAYMENT, _("登记发放失败")),
    MoneyTransition("retry", frozenset({LineStatus.FAILED}), LineStatus.PENDING, Capability.RECORD_PAYMENT, _("重新发放")),
    # A reversal adds a negative line; the original keeps its status and stays in the ledger.
    MoneyTransition("reverse", frozenset({LineStatus.PENDING, LineStatus.PAID, LineStatus.FAILED,
                                          LineStatus.SUSPENDED}), LineStatus.PENDING, Capability.RECORD_PAYMENT, _("冲正")),
)}


class FourEyes(PermissionDenied):
    """This person took an earlier step on the same money (generated, proposed, exported): someone else must."""


def four_eyes_refusal(transition: MoneyTransition, obj, actor) -> str | None:
    """The refusal message if ``actor`` is a user the four-eyes rule keeps from this step, else None."""
    for path, message in transition.not_by:
        target = obj
        *parents, name = path.split(".")
        for parent in parents:
            target = getattr(target, parent, None)
        if target is not None and getattr(target, f"{name}_id", None) == getattr(actor, "pk", object()):
            return str(message)
    return None
