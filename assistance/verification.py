"""家庭经济状况核对: build a report from department records, seal it, verify it later.

Conventions for department records (shared with the scoring engine):
- ``income`` and ``pension`` records are monthly: ``amount`` is that month's income;
  the household's monthly income is the 12-month sum ÷ 12.
- ``medical_expense`` / ``education_expense``: amounts summed over the 12 months.
- ``financial_assets``: the latest record per person is the balance.
- ``real_estate`` / ``vehicle``: one record per item; ``attributes.exempt`` marks the
  family home or an exempt vehicle (e.g. for a disabled person).
- ``disability``: ``attributes.grade`` 1–4; ``serious_illness`` / ``chronic_illness``: flags.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db.models import Q

from civilaffairs.lib.crypto import _decode_key
from civilaffairs.lib.money import to_money
from civilaffairs.registry.models import DepartmentRecord, RecordKind

WINDOW_MONTHS = 12


def window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 whole months before ``as_of``'s month."""
    end = as_of.replace(day=1) - dt.timedelta(days=1)
    start_month = (end.year * 12 + end.month - 1) - (WINDOW_MONTHS - 1)
    start = dt.date(start_month // 12, start_month % 12 + 1, 1)
    return start, end


def build_report_content(*, members: list[dict], as_of: dt.date, parameters: dict) -> dict:
    """``members``: [{"person_id", "name", "id_masked", "relation", "declared_monthly_income"}]."""
    start, end = window(as_of)
    ids = [m["person_id"] for m in members]
    records = (DepartmentRecord.objects.filter(person_id__in=ids)
               .filter(Q(period_end__gte=start, period_start__lte=end)
                       | Q(kind__in=[RecordKind.FINANCIAL_ASSETS, RecordKind.REAL_ESTATE, RecordKind.VEHICLE,
                                     RecordKind.DISABILITY, RecordKind.SERIOUS_ILLNESS, RecordKind.CHRONIC_ILLNESS],
                           period_start__lte=end))
               .order_by("person_id", "kind", "period_start")
               .values("person_id", "source", "kind", "period_start", "period_end", "amount", "attributes"))
    per = defaultdict(lambda: {"income_by_kind": defaultdict(Decimal), "income_by_month": defaultdict(Decimal),
                               "medical": Decimal(0), "education": Decimal(0), "financial_assets": None,
                               "assets_as_of": None, "real_estate": [], "vehicles": [], "disability_grade": None,
                               "serious_illness": False, "chronic_illness": False, "sources": set()})
    for r in records:
        p = per[r["person_id"]]
        p["sources"].add(r["source"])
        kind, amount = r["kind"], r["amount"] or Decimal(0)
        in_window = r["period_end"] >= start and r["period_start"] <= end
        if kind in (RecordKind.INCOME, RecordKind.PENSION) and in_window:
            p["income_by_kind"][kind] += amount
            p["income_by_month"][r["period_start"].strftime("%Y-%m")] += amount
        elif kind == RecordKind.MEDICAL_EXPENSE and in_window:
            p["medical"] += amount
        elif kind == RecordKind.EDUCATION_EXPENSE and in_window:
            p["education"] += amount
        elif kind == RecordKind.FINANCIAL_ASSETS:
            if p["assets_as_of"] is None or r["period_end"] >= p["assets_as_of"]:
                p["financial_assets"], p["assets_as_of"] = amount, r["period_end"]
        elif kind == RecordKind.REAL_ESTATE:
            p["real_estate"].append({"exempt": bool(r["attributes"].get("exempt")), **_brief(r["attributes"])})
        elif kind == RecordKind.VEHICLE:
            p["vehicles"].append({"exempt": bool(r["attributes"].get("exempt")), **_brief(r["attributes"])})
        elif kind == RecordKind.DISABILITY:
            grade = r["attributes"].get("grade")
            if isinstance(grade, int) and (p["disability_grade"] is None or grade < p["disability_grade"]):
                p["disability_grade"] = grade
        elif kind == RecordKind.SERIOUS_ILLNESS:
            p["serious_illness"] = True
        elif kind == RecordKind.CHRONIC_ILLNESS:
            p["chronic_illness"] = True
    out_members, totals = [], defaultdict(Decimal)
    properties = vehicles = 0
    for m in members:
        p = per[m["person_id"]]
        income_12m = sum(p["income_by_kind"].values(), Decimal(0))
        monthly = to_money(income_12m / WINDOW_MONTHS)
        assets = p["financial_assets"] or Decimal(0)
        totals["monthly_income"] += monthly
        totals["financial_assets"] += assets
        totals["medical_12m"] += p["medical"]
        totals["education_12m"] += p["education"]
        properties += sum(1 for x in p["real_estate"] if not x["exempt"])
        vehicles += sum(1 for x in p["vehicles"] if not x["exempt"])
        out_members.append({
            "person_id": m["person_id"], "name": m["name"], "id_masked": m["id_masked"], "relation": m["relation"],
            "declared_monthly_income": str(to_money(m["declared_monthly_income"])),
            "verified_monthly_income": str(monthly),
            "income_12m_by_kind": {k: str(to_money(v)) for k, v in sorted(p["income_by_kind"].items())},
            "income_by_month": {k: str(to_money(v)) for k, v in sorted(p["income_by_month"].items())},
            "financial_assets": str(to_money(assets)), "real_estate": p["real_estate"], "vehicles": p["vehicles"],
            "medical_12m": str(to_money(p["medical"])), "education_12m": str(to_money(p["education"])),
            "disability_grade": p["disability_grade"], "serious_illness": p["serious_illness"],
            "chronic_illness": p["chronic_illness"], "sources": sorted(p["sources"]),
        })
    n = max(len(members), 1)
    standard = Decimal(parameters["dibao_standard"]["value"])
    asset_limit = to_money(standard * 12 * Decimal(parameters.get("asset_limit_multiplier", {"value": "2"})["value"]))
    summary = {
        "members": len(members),
        "household_monthly_income": str(to_money(totals["monthly_income"])),
        "per_capita_monthly_income": str(to_money(totals["monthly_income"] / n)),
        "financial_assets": str(to_money(totals["financial_assets"])),
        "per_capita_financial_assets": str(to_money(totals["financial_assets"] / n)),
        "per_capita_asset_limit": str(asset_limit),
        "assets_within_limit": to_money(totals["financial_assets"] / n) <= asset_limit,
        "non_exempt_properties": properties, "non_exempt_vehicles": vehicles,
        "medical_12m": str(to_money(totals["medical_12m"])), "education_12m": str(to_money(totals["education_12m"])),
    }
    return {"as_of": as_of.isoformat(), "window": [start.isoformat(), end.isoformat()], "members": out_members,
            "summary": summary, "parameters": parameters}


def _brief(attributes: dict) -> dict:
    return {k: attributes[k] for k in ("type", "area", "plate_masked", "model") if k in attributes}


# --- Sealing ----------------------------------------------------------------------

def canonical_bytes(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_digest(content: dict) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


@lru_cache(maxsize=2)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_decode_key("REPORT_SEAL_KEY", seed_b64))


def public_key() -> Ed25519PublicKey:
    return _private_key(settings.REPORT_SEAL_KEY).public_key()


def public_key_id(key: Ed25519PublicKey | None = None) -> str:
    raw = (key or public_key()).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def seal(content: dict) -> tuple[str, str, str]:
    """(digest, base64 Ed25519 signature over the digest, key id)."""
    digest = content_digest(content)
    signature = _private_key(settings.REPORT_SEAL_KEY).sign(digest.encode())
    return digest, base64.b64encode(signature).decode(), public_key_id()


def verify_seal(*, content: dict, digest: str, signature: str, key: Ed25519PublicKey | None = None) -> bool:
    """True only if the content still hashes to ``digest`` and the signature is the bureau's."""
    if content_digest(content) != digest:
        return False
    try:
        (key or public_key()).verify(base64.b64decode(signature), digest.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def new_report_number() -> str:
    return "HD" + dt.date.today().strftime("%Y%m%d") + uuid.uuid4().hex[:8].upper()
