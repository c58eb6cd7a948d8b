"""What a resident meets on their own application (issue 9): the precheck that tells the truth
for each status, the progress panel with the steps to come, 补正 with its note kept, text limits
that refuse instead of cutting, materials that can be removed or replaced before submission and
are stored privately and served under a generated name, work ability never pre-ticked."""
from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assistance import materials as material_files
from assistance import services as svc
from assistance.models import ApplicationStatus, Material
from civilaffairs.audit.models import AuditEvent
from tests.assistance.conftest import PDF, PNG, pdf

pytestmark = pytest.mark.django_db

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def url(name, *args):
    return reverse(f"assistance:{name}", args=args)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "private"
    old = os.umask(0o022)  # the usual umask, under which open()/mkdir() give 0644 / 0755
    yield tmp_path / "private"
    os.umask(old)


@pytest.fixture
def returned(at, township_officer):
    app = at("submitted")
    svc.application_return(actor=township_officer, application_id=app.pk, missing="请补充医院诊断证明")
    app.refresh_from_db()
    return app


# --- materials on disk and on download ------------------------------------------------------

def test_a_stored_material_is_readable_by_the_service_user_only(private_root, resident, draft):
    material = svc.material_add(actor=resident, application_id=draft.pk, uploaded=pdf("户口簿.pdf"), kind="hukou")
    path = material_files.path_of(material.storage_name)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700  # materials/<application>/
    assert mode(path.parent.parent) == 0o700  # materials/


def test_a_directory_made_before_the_rule_is_made_private_on_the_next_upload(private_root, resident, draft):
    old_dir = private_root / "materials" / str(draft.pk)
    old_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(old_dir, 0o755)
    svc.material_add(actor=resident, application_id=draft.pk, uploaded=pdf("户口簿.pdf"), kind="hukou")
    assert mode(old_dir) == 0o700


def test_files_saved_through_the_default_storage_are_private_too(private_root):
    from django.core.files.storage import default_storage

    name = default_storage.save("imports/batch/data.csv", ContentFile(b"id,amount\n"))
    path = Path(default_storage.path(name))
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


@pytest.mark.parametrize("name", ["收入证明.pdf", "收入证明.html"])
def test_a_pdf_that_hides_a_web_page_is_refused(client, private_root, resident, draft, name):
    client.force_login(resident)
    r = client.post(url("apply_materials", draft.pk), {"kind": "income", "file": SimpleUploadedFile(name, POLYGLOT)})
    assert r.status_code == 400
    assert "含有网页或脚本内容" in r.content.decode() or "扩展名与内容不符" in r.content.decode()
    assert draft.materials.count() == 1


def test_a_script_further_into_the_first_kilobytes_is_found_too():
    upload = SimpleUploadedFile("病历.pdf", PDF + b"0" * 20000 + b"<SCRIPT src=//evil.example>")
    with pytest.raises(ValidationError, match="网页或脚本"):
        material_files.check_upload(upload)


@pytest.mark.parametrize("name,content", [("身份证.html", PDF), ("照片.pdf", PNG), ("户口簿.png", PDF),
                                          ("无扩展名", PDF)])
def test_a_file_name_that_does_not_match_its_content_is_refused(name, content):
    with pytest.raises(ValidationError, match="扩展名与内容不符"):
        material_files.check_upload(SimpleUploadedFile(name, content))


def test_matching_names_are_accepted_whatever_their_case():
    assert material_files.check_upload(SimpleUploadedFile("照片.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 64))[0] \
        == "image/jpeg"
    assert material_files.check_upload(SimpleUploadedFile("扫描.PDF", PDF))[0] == "application/pdf"


def test_a_download_is_an_attachment_under_a_generated_name_with_the_sniffed_type(client, resident, draft):
    material = draft.materials.get()
    # A row accepted before the content checks, under the name the resident gave it.
    Material.objects.filter(pk=material.pk).update(original_name="收入证明.html")
    client.force_login(resident)
    r = client.get(url("material_download", material.pk))
    b"".join(r.streaming_content)
    disposition = r["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f'filename="{draft.number}-id_card-{material.pk}.pdf"' in disposition
    assert ".html" not in disposition and "收入证明" not in disposition
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"


# --- removing and replacing materials before submission ------------------------------------

def test_a_resident_removes_a_material_from_a_draft_after_confirming(client, private_root, resident, draft,
                                                                      django_capture_on_commit_callbacks):
    material = svc.material_add(actor=resident, application_id=draft.pk, uploaded=pdf("错的.pdf"), kind="other")
    path = material_files.path_of(material.storage_name)
    client.force_login(resident)
    page = client.get(url("apply_materials", draft.pk)).content.decode()
    assert url("material_remove", material.pk) in page and url("material_replace", material.pk) in page
    r = client.get(url("material_remove", material.pk))
    assert r.status_code == 200 and "确认删除" in r.content.decode()
    assert Material.objects.filter(pk=material.pk).exists()  # asking is not removing
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("material_remove", material.pk))
    assert r.status_code == 302 and r["Location"] == url("apply_materials", draft.pk)
    assert not Material.objects.filter(pk=material.pk).exists()
    assert not path.exists()
    event = AuditEvent.objects.get(action="assistance.material_removed")
    assert event.before["name"] == "错的.pdf" and event.before["sha256"] == material.sha256


def test_a_resident_replaces_a_material_while_answering_a_return(client, private_root, resident, returned,
                                                                  django_capture_on_commit_callbacks):
    material = returned.materials.get()
    old_path = material_files.path_of(material.storage_name)
    client.force_login(resident)
    assert url("material_replace", material.pk) in client.get(url("application_detail", returned.pk)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("material_replace", material.pk),
                        {"file": SimpleUploadedFile("身份证正反面.png", PNG)})
    assert r.status_code == 302 and r["Location"] == url("application_detail", returned.pk)
    material.refresh_from_db()
    assert material.original_name == "身份证正反面.png" and material.content_type == "image/png"
    assert material_files.path_of(material.storage_name).read_bytes() == PNG
    assert not old_path.exists()
    event = AuditEvent.objects.get(action="assistance.material_replaced")
    assert event.before["name"] == "身份证.pdf" and event.after["name"] == "身份证正反面.png"


def test_a_bad_replacement_keeps_the_material_as_it_was(client, resident, draft):
    material = draft.materials.get()
    client.force_login(resident)
    r = client.post(url("material_replace", material.pk), {"file": SimpleUploadedFile("新.pdf", POLYGLOT)},
                    follow=True)
    assert "含有网页或脚本内容" in r.content.decode()
    before = material.sha256
    material.refresh_from_db()
    assert material.sha256 == before


def test_materials_cannot_be_removed_or_replaced_once_submitted(client, resident, at):
    app = at("submitted")
    material = app.materials.get()
    client.force_login(resident)
    assert url("material_remove", material.pk) not in client.get(url("application_detail", app.pk)).content.decode()
    r = client.post(url("material_remove", material.pk), follow=True)
    assert "材料不能再删除或替换" in r.content.decode()
    r = client.post(url("material_replace", material.pk), {"file": pdf("新.pdf")})
    assert r.status_code == 302
    assert Material.objects.get(pk=material.pk).sha256 == material.sha256
    with pytest.raises(ValidationError):
        svc.material_remove(actor=resident, material_id=material.pk)


def test_only_the_owner_may_remove_or_replace_a_material(client, resident, other_resident, draft, grid_worker,
                                                         district_approver):
    material = draft.materials.get()
    client.force_login(other_resident)
    assert client.post(url("material_remove", material.pk)).status_code == 404
    assert client.post(url("material_replace", material.pk), {"file": pdf()}).status_code == 404
    for user in (grid_worker, district_approver):  # may see it, did not upload it, not the household's
        client.force_login(user)
        assert client.get(url("material_remove", material.pk)).status_code == 403
        assert client.post(url("material_remove", material.pk)).status_code == 403
        assert client.post(url("material_replace", material.pk), {"file": pdf()}).status_code == 403
        with pytest.raises(PermissionDenied):
            svc.material_remove(actor=user, material_id=material.pk)
    assert Material.objects.filter(pk=material.pk).exists()
    client.logout()
    assert client.post(url("material_remove", material.pk)).status_code == 302  # to sign-in


def test_a_worker_filing_on_behalf_removes_what_they_uploaded(grid_worker, draft):
    mine = svc.material_add(actor=grid_worker, application_id=draft.pk, uploaded=pdf("代办.pdf"), kind="other")
    svc.material_remove(actor=grid_worker, material_id=mine.pk)
    assert not Material.objects.filter(pk=mine.pk).exists()


# --- the precheck and the progress panel ---------------------------------------------------

def test_the_precheck_says_it_can_be_submitted_only_on_a_draft(client, resident, draft, at, township_officer,
                                                                district_approver):
    client.force_login(resident)
    assert "申请内容已齐全，可以提交" in client.get(url("apply_review", draft.pk)).content.decode()
    app = at("submitted")
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "可以提交" not in html and "提交时内容齐全，正在办理中" in html
    svc.application_accept(actor=township_officer, application_id=app.pk)
    svc.application_reject(actor=district_approver, application_id=app.pk, reason="人均收入高于低保边缘线")
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "可以提交" not in html and "申请未获批准" in html


def test_a_withdrawn_application_does_not_say_it_can_be_submitted(client, resident, at):
    app = at("submitted")
    svc.application_withdraw(actor=resident, application_id=app.pk)
    client.force_login(resident)
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "可以提交" not in html and "申请已撤回" in html


def steps_of(html: str) -> str:
    return html.split("progress-steps", 1)[1].split("</ol>", 1)[0]


def test_the_progress_panel_shows_the_steps_to_come_with_their_time_limits(client, resident, at):
    app = at("submitted")
    client.force_login(resident)
    panel = steps_of(client.get(url("application_detail", app.pk)).content.decode())
    for step in ("受理", "家庭经济状况核对", "入户调查", "发布公示", "公示", "区县审批"):
        assert step in panel
    assert "办理时限 3 天" in panel and "公示 7 天" in panel  # the seeded decision_days and public_notice_days
    due = timezone.localtime(app.submitted_at + dt.timedelta(days=3))
    assert f"应于 {due:%Y-%m-%d} " in panel
    assert panel.count("进行中") == 1 and panel.count("待办理") == 5


def test_the_progress_panel_marks_the_steps_done_and_shows_the_notice_period(client, resident, at):
    app = at("notice")
    client.force_login(resident)
    panel = steps_of(client.get(url("application_detail", app.pk)).content.decode())
    assert panel.count("已完成") == 4 and panel.count("进行中") == 1 and panel.count("待办理") == 1
    assert f"公示至 {app.notice.ends_on:%Y-%m-%d}" in panel


def test_a_closed_application_has_no_steps_to_come(client, resident, at):
    app = at("submitted")
    svc.application_withdraw(actor=resident, application_id=app.pk)
    client.force_login(resident)
    html = client.get(url("application_detail", app.pk)).content.decode()
    assert "待办理" not in steps_of(html) and "没有待办环节" in html


# --- 补正: the note survives an upload; text is refused, never cut ----------------------------

def test_a_typed_supplement_note_survives_an_upload_and_is_sent_with_the_resubmission(client, resident, returned):
    client.force_login(resident)
    note = "诊断证明已上传，另附住院费用清单。"
    r = client.post(url("application_resubmit", returned.pk),
                    {"do": "upload", "note": note, "kind": "medical", "file": pdf("诊断证明.pdf")})
    assert r.status_code == 302
    returned.refresh_from_db()
    assert returned.status == ApplicationStatus.RETURNED and returned.materials.count() == 2
    assert note in client.get(url("application_detail", returned.pk)).content.decode()  # shown again, not lost
    r = client.post(url("application_resubmit", returned.pk), {"do": "resubmit", "note": note})
    assert r.status_code == 302
    returned.refresh_from_db()
    assert returned.status == ApplicationStatus.SUBMITTED
    assert returned.events.get(action="resubmit").note == note
    assert "resubmit_note" not in returned.draft_data


def test_an_overlong_supplement_note_is_refused_and_kept_not_cut(client, resident, returned):
    client.force_login(resident)
    note = "甲" * 2001
    r = client.post(url("application_resubmit", returned.pk), {"do": "resubmit", "note": note})
    assert r.status_code == 400
    html = r.content.decode()
    assert "最多可填写 2000 个字，现为 2001 个字" in html
    assert note in html  # what was typed is shown back
    returned.refresh_from_db()
    assert returned.status == ApplicationStatus.RETURNED


def test_the_service_refuses_an_overlong_supplement_note(resident, returned):
    with pytest.raises(ValidationError, match="补正说明最多 2000 个字"):
        svc.application_resubmit(actor=resident, application_id=returned.pk, note="乙" * 2001)


def test_a_line_break_counts_once_against_the_limit(client, resident, returned):
    client.force_login(resident)
    note = "丙\r\n" * 999 + "丙丙"  # 2000 characters once \r\n is one line break
    r = client.post(url("application_resubmit", returned.pk), {"do": "resubmit", "note": note})
    assert r.status_code == 302


def test_text_fields_show_a_counter_and_carry_no_cutting_maxlength(client, resident, draft):
    client.force_login(resident)
    for page in (url("apply_programmes", draft.pk), url("apply_members", draft.pk),
                 url("application_withdraw", draft.pk)):
        html = client.get(page).content.decode()
        assert 'data-maxlength="' in html, page
        assert not re.search(r'(?<!data-)maxlength=', html), page
        assert "portal/textlimit" in html, page


def test_an_overlong_member_note_is_refused_not_cut(resident, draft):
    member = draft.members.first()
    with pytest.raises(ValidationError, match="最多 200 个字"):
        svc.application_set_members(actor=resident, application_id=draft.pk, members=[
            {"person_id": member.person_id, "declared_monthly_income": "0", "note": "丁" * 201}])
    member.refresh_from_db()
    assert member.note == ""


def test_an_overlong_reason_is_refused_with_the_count(client, resident, draft):
    client.force_login(resident)
    r = client.post(url("apply_programmes", draft.pk), {"reason": "戊" * 2500})
    assert r.status_code == 400 and "现为 2500 个字" in r.content.decode()
    draft.refresh_from_db()
    assert draft.reason == "家庭收入低，孩子上学开支大。"


# --- work ability -----------------------------------------------------------------------------

def can_work_inputs(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="m-\d+-can_work"[^>]*>', html)


def test_work_ability_is_not_pre_ticked_without_a_declaration(client, resident, poor_household):
    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["dibao"], reason="收入低")
    client.force_login(resident)
    inputs = can_work_inputs(client.get(url("apply_members", app.pk)).content.decode())
    assert len(inputs) == 2 * app.members.count()  # 有 / 无 for each member
    assert not any("checked" in i for i in inputs)


def test_work_ability_is_pre_filled_from_this_years_declaration_only(client, resident, draft):
    client.force_login(resident)
    inputs = can_work_inputs(client.get(url("apply_members", draft.pk)).content.decode())
    assert sum("checked" in i for i in inputs) == draft.members.count()
    old = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    svc.application_save_draft(actor=resident, application_id=draft.pk, data={"members_declared_on": old})
    inputs = can_work_inputs(client.get(url("apply_members", draft.pk)).content.decode())
    assert not any("checked" in i for i in inputs)


def test_the_members_step_asks_for_work_ability_when_it_is_left_open(client, resident, draft):
    members = list(draft.members.order_by("id"))
    data = {"m-TOTAL_FORMS": len(members), "m-INITIAL_FORMS": len(members)}
    for i, m in enumerate(members):
        data.update({f"m-{i}-person_id": m.person_id, f"m-{i}-declared_monthly_income": "0",
                     f"m-{i}-self_care": "self"})
    client.force_login(resident)
    r = client.post(url("apply_members", draft.pk), data)
    assert r.status_code == 400 and "请选择该成员是否有劳动能力" in r.content.decode()
    data.update({f"m-{i}-can_work": "no" for i in range(len(members))})
    assert client.post(url("apply_members", draft.pk), data).status_code == 302
    assert not draft.members.filter(can_work=True).exists()


def test_a_second_resubmit_is_told_nothing_needs_supplementing(client, resident, returned):
    client.force_login(resident)
    assert client.post(url("application_resubmit", returned.pk), {"do": "resubmit", "note": "已补"}).status_code == 302
    r = client.post(url("application_resubmit", returned.pk), {"do": "resubmit", "note": "已补"}, follow=True)
    assert r.status_code == 200 and "不需要补正" in r.content.decode()
    assert returned.events.filter(action="resubmit").count() == 1
