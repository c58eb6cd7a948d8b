"""家庭经济状况核对: build a report from department facts, seal it, verify it later.

The report reads department records only through the platform's one reader
(``civilaffairs.registry.facts.reader.facts_for``) and its windows (POLICY.md "Windows"):
income of the 12 whole calendar months before the month of the check, the latest balance per
account, property and vehicles held on the day, certificates and illnesses valid on the day.
Amounts are kept exact (``income_12m`` per member and for the household) and rounded only for
display; the boundaries it reports (below the standard, below the 低边 line, assets within the
limit) are decided on the exact values, as the benefit computation and the score decide them.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from civilaffairs.lib.crypto import _decode_key
from civilaffairs.lib.money import to_money
from civilaffairs.registry.facts import windows
from civilaffairs.registry.facts.reader import facts_for

WINDOW_MONTHS = windows.MONTHS


def window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 whole months before ``as_of``'s month."""
    w = windows.window(as_of)
    return w.income_start, w.income_end


def build_report_content(*, members: list[dict], as_of: dt.date, parameters: dict) -> dict:
    """``members``: [{"person_id", "name", "id_masked", "relation", "declared_monthly_income"}]."""
    w = windows.window(as_of)
    facts = facts_for([m["person_id"] for m in members], w)
    out_members = []
    income_12m = assets = medical = education = Decimal(0)
    properties = vehicles = 0
    for m in members:
        p = facts[m["person_id"]]
        income_12m += p.income_12m
        assets += p.financial_assets or 0
        medical += p.medical_12m
        education += p.education_12m
        properties += p.properties
        vehicles += p.vehicles
        by_kind = {k: v for k, v in (("income", p.income_kind_12m), ("pension", p.pension_12m)) if v}
        out_members.append({
            "person_id": m["person_id"], "name": m["name"], "id_masked": m["id_masked"], "relation": m["relation"],
            "declared_monthly_income": str(to_money(m["declared_monthly_income"])),
            # exact: the benefit computation divides by 12 itself (never a rounded monthly figure)
            "income_12m": str(p.income_12m),
            "verified_monthly_income": str(to_money(p.income_12m / WINDOW_MONTHS)),
            "income_12m_by_kind": {k: str(to_money(v)) for k, v in sorted(by_kind.items())},
            "income_by_month": {mo.strftime("%Y-%m"): str(to_money(v)) for mo, v in p.income_by_month.items() if v},
            "financial_assets": str(to_money(p.financial_assets or 0)), "real_estate": p.real_estate_items,
            "vehicles": p.vehicle_items, "medical_12m": str(to_money(p.medical_12m)),
            "education_12m": str(to_money(p.education_12m)), "disability_grade": p.disability_grade,
            "disability_category": p.disability_category, "severe_disability": p.severe,
            "serious_illness": p.serious_illness, "chronic_illness": p.chronic_illness, "sources": p.sources,
        })
    n = max(len(members), 1)
    standard = Decimal(parameters["dibao_standard"]["value"])
    multiplier = Decimal(parameters.get("asset_limit_multiplier", {"value": "2"})["value"])
    dibian = Decimal(parameters.get("dibian_multiplier", {"value": "2"})["value"])
    limit_per_head = standard * 12 * multiplier
    summary = {
        "members": len(members),
        "income_12m": str(income_12m),
        "household_monthly_income": str(to_money(income_12m / WINDOW_MONTHS)),
        "per_capita_monthly_income": str(to_money(income_12m / (WINDOW_MONTHS * n))),
        # the lines, on exact values: per-capita income = income_12m ÷ (12 × n)
        "below_dibao_standard": income_12m < WINDOW_MONTHS * n * standard,
        "below_dibian_line": income_12m < WINDOW_MONTHS * n * standard * dibian,
        "financial_assets": str(to_money(assets)),
        "per_capita_financial_assets": str(to_money(assets / n)),
        "per_capita_asset_limit": str(to_money(limit_per_head)),
        "assets_within_limit": assets <= n * limit_per_head,
        "non_exempt_properties": properties, "non_exempt_vehicles": vehicles,
        "medical_12m": str(to_money(medical)), "education_12m": str(to_money(education)),
    }
    return {"as_of": as_of.isoformat(), "window": [w.income_start.isoformat(), w.income_end.isoformat()],
            "members": out_members, "summary": summary, "parameters": parameters}


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
