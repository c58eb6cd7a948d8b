"""The public policy guide (政策指南) and its anonymous self-check (自助测评).

The portal knows no programme: each programme registers its policy entries in its
``AppConfig.ready`` with ``register_guide_entry`` — plain-Chinese rules, the amounts and thresholds
in force (read from dated policy parameters, so the page follows the city's and a district's own
values), the materials to bring, where and how to apply, and optionally a self-check rule
``assess(answers, on=date) -> Assessment`` and a hint for the resident home. The guide index, one
page per entry (with a QR code for community posters, 政策找人) and the self-check are built from
what is registered — the way ``portal.registry`` and ``worklist.sources`` work.

Self-check answers are anonymous and never stored: they live in one request, as ``Answers``.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,48}$")
logger = logging.getLogger(__name__)
RESERVED_SLUGS = frozenset({"self-check"})  # the guide's own pages under /guide/


@dataclass(frozen=True)
class Figure:
    """One amount or threshold shown on a policy page (``value`` None: not published for the day)."""

    label: str
    value: Decimal | None
    unit: str


class Outcome(models.TextChoices):
    MAY = "may", _("可能符合")
    MAY_NOT = "may_not", _("可能不符合")
    MORE_INFO = "more_info", _("需要进一步了解")


@dataclass(frozen=True)
class Assessment:
    """What a self-check rule says, with its reasons in plain Chinese naming the numbers compared."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answers:
    """The self-check's questions, validated (``portal.forms.SelfCheckForm``). Never stored."""

    household_size: int
    monthly_income: Decimal  # the household's total, 元 per month
    oldest_age: int
    youngest_age: int
    disability_grade: int | None  # the most severe grade in the household (1 = most severe), None = none
    no_supporter: bool | None  # someone unable to work, without income and without a relative able to support
    child_without_carer: bool | None  # a child under 18 whom neither parent can care for
    district_code: str
    district_name: str

    @property
    def per_capita_income(self) -> Decimal:
        """Exact (not rounded): thresholds are compared on exact values."""
        return self.monthly_income / self.household_size

    @property
    def has_children(self) -> bool:
        return self.youngest_age < 18

    def anyone_aged(self, years: int) -> bool:
        return self.oldest_age >= years


@dataclass(frozen=True)
class GuideEntry:
    """A policy a programme publishes.

    ``figures(region_code=…, on=…)`` returns the amounts and thresholds in force there that day;
    ``assess(answers, on=…)`` the self-check verdict (None: the policy is not in the self-check);
    ``hint(ages=…, region_code=…, on=…)`` a line for a signed-in resident's home, or None.
    """

    slug: str
    programme: str
    title: str
    summary: str
    who: str
    benefit: str
    figures: Callable[..., list[Figure]]
    materials: tuple[str, ...]
    where: str
    how: tuple[str, ...]
    apply_url_name: str
    order: int = 100
    assess: Callable[..., Assessment] | None = None
    hint: Callable[..., str | None] | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class GuideSection:
    """A programme's heading on the guide index, above its entries."""

    programme: str
    title: str
    intro: str = ""
    order: int = 100


_ENTRIES: dict[str, GuideEntry] = {}
_SECTIONS: dict[str, GuideSection] = {}


def register_guide_section(section: GuideSection) -> None:
    _SECTIONS[section.programme] = section


def unregister_guide_section(programme: str) -> None:
    _SECTIONS.pop(programme, None)


def guide_sections() -> list[tuple[GuideSection, list[GuideEntry]]]:
    """The index: each programme's section with its entries, in order; a programme that registered
    entries but no section gets a section titled by its name."""
    by_programme: dict[str, list[GuideEntry]] = {}
    for entry in guide_entries():
        by_programme.setdefault(entry.programme, []).append(entry)
    sections = [(_SECTIONS.get(p) or GuideSection(programme=p, title=p, order=entries[0].order), entries)
                for p, entries in by_programme.items()]
    return sorted(sections, key=lambda pair: (pair[0].order, pair[0].programme))


def register_guide_entry(entry: GuideEntry) -> None:
    """Register (or replace, for an app reloaded in tests) the policy ``entry.slug``."""
    if not SLUG.match(entry.slug) or entry.slug in RESERVED_SLUGS:
        raise ValueError(f"guide entry slug {entry.slug!r} is not a lowercase slug or is reserved")
    _ENTRIES[entry.slug] = entry


def unregister_guide_entry(slug: str) -> None:
    _ENTRIES.pop(slug, None)


def guide_entries() -> list[GuideEntry]:
    return sorted(_ENTRIES.values(), key=lambda e: (e.order, e.slug))


def guide_entry(slug: str) -> GuideEntry | None:
    return _ENTRIES.get(slug)


def self_check(answers: Answers, *, on: dt.date) -> list[tuple[GuideEntry, Assessment]]:
    """Every registered policy with a self-check rule, in guide order, and what it says. A rule that
    fails (a programme's bug, a parameter row it cannot read) answers "need more information" for
    its own policy and is logged — without the answers — instead of taking the page down."""
    results = []
    for entry in guide_entries():
        if entry.assess is None:
            continue
        try:
            assessment = entry.assess(answers, on=on)
        except Exception:
            logger.exception("self-check rule of %s failed", entry.slug)
            assessment = Assessment(Outcome.MORE_INFO, (str(_("暂时无法自动测评此项政策，请向所在乡镇（街道）民政窗口咨询。")),))
        results.append((entry, assessment))
    return results


def resident_hints(*, ages: list[int], region_code: str, on: dt.date) -> list[tuple[GuideEntry, str]]:
    """The lines a resident's home shows: what each policy says about a household with these ages."""
    hints = []
    for entry in guide_entries():
        if entry.hint is None:
            continue
        text = entry.hint(ages=ages, region_code=region_code, on=on)
        if text:
            hints.append((entry, text))
    return hints


def yuan(value: Decimal) -> str:
    """A sum of money for a sentence: rounded once to the fen, grouped, without a trailing ".00"
    ("1,135", "850.50")."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"
