"""A sealed verification report is trusted only when its digest matches its content AND the
bureau's key signed that digest. A forger who rewrites the content and the digest together, and
signs with a key of their own or reuses the genuine signature of another report, must be caught
everywhere the seal is shown or relied on: the service that approves, the API, the printable page."""
from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.urls import reverse

from assistance import services as svc
from assistance.models import ApplicationStatus, VerificationReport
from assistance.verification import content_digest, verify_seal
from tests import factories as f
from tests.assistance.conftest import monthly_income, pdf, walk
from tests.assistance.test_api import API, api_as

pytestmark = pytest.mark.django_db


def _forge(report: VerificationReport, *, signature: str) -> VerificationReport:
    """Lower the verified income, recompute the digest over the new content so the two agree, and
    put ``signature`` in place of the bureau's."""
    content = report.content
    content["summary"]["per_capita_monthly_income"] = "1.00"
    VerificationReport.objects.filter(pk=report.pk).update(content=content, digest=content_digest(content),
                                                          seal=signature)
    report.refresh_from_db()
    assert report.digest == content_digest(report.content)  # the digest alone would pass
    return report


def _another_sealed_report(city, staff) -> VerificationReport:
    hh = f.household(community=city.community, head_name="赵六", members=1)
    owner = f.resident(person_obj=hh.head, username="resident-zhao")
    monthly_income(hh.head, "900.00")
    app = svc.application_create(actor=owner, household=hh, applicant=hh.head, programmes=["dibao"], reason="困难")
    svc.material_add(actor=owner, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "verified", resident=owner, **{k: staff[k] for k in ("township", "grid")})
    return app.verification_reports.get()


def _refused_everywhere(report: VerificationReport, app, staff) -> None:
    assert not verify_seal(content=report.content, digest=report.digest, signature=report.seal)
    assert api_as(staff["township"]).get(API + f"reports/{report.pk}/").json()["seal_valid"] is False
    from django.test import Client

    client = Client()
    client.force_login(staff["township"])
    page = client.get(reverse("assistance:report_detail", args=[report.pk])).content.decode()
    assert 'data-seal="invalid"' in page and 'data-seal="valid"' not in page
    with pytest.raises(ValidationError, match="签章验证失败"):
        svc.application_approve(actor=staff["district"], application_id=app.pk)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECISION


def test_a_genuine_report_verifies_so_the_refusals_below_mean_something(at):
    report = at("decision").verification_reports.get()
    assert verify_seal(content=report.content, digest=report.digest, signature=report.seal)


def test_content_and_digest_replaced_together_and_signed_with_another_key_are_refused(at, staff):
    app = at("decision")
    report = app.verification_reports.get()
    forger = Ed25519PrivateKey.generate()
    content = dict(report.content, summary={**report.content["summary"], "per_capita_monthly_income": "1.00"})
    signature = base64.b64encode(forger.sign(content_digest(content).encode())).decode()
    report = _forge(report, signature=signature)
    # The forger's signature is a valid signature — under the forger's key, not the bureau's.
    assert verify_seal(content=report.content, digest=report.digest, signature=report.seal,
                       key=forger.public_key())
    _refused_everywhere(report, app, staff)


def test_a_forged_report_carrying_the_genuine_signature_of_another_report_is_refused(at, staff, city):
    app = at("decision")
    other = _another_sealed_report(city, staff)
    assert verify_seal(content=other.content, digest=other.digest, signature=other.seal)  # genuine there
    report = _forge(app.verification_reports.get(), signature=other.seal)
    _refused_everywhere(report, app, staff)


def test_the_untouched_content_with_another_reports_signature_is_refused(at, staff, city):
    """Even the true content and digest are not sealed by a bureau signature that belongs to another report."""
    app = at("decision")
    other = _another_sealed_report(city, staff)
    report = app.verification_reports.get()
    VerificationReport.objects.filter(pk=report.pk).update(seal=other.seal)
    report.refresh_from_db()
    assert report.digest == content_digest(report.content)
    _refused_everywhere(report, app, staff)
