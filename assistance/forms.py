"""Forms of the assistance pages: shape only. Every domain rule is checked by the
services (assistance.services), whose ValidationError the views show on the form."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import dates
from .models import Channel, MaterialKind, Programme, SelfCare

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}


class LimitedCharField(forms.CharField):
    """Text with a limit that is shown, never applied by cutting: no ``maxlength`` attribute (a
    browser silently drops pasted text beyond it), a live counter (static/portal/textlimit.js reads
    ``data-maxlength``) and a clear refusal from the server when the text is too long."""

    default_error_messages = {
        "max_length": _("最多可填写 %(limit_value)d 个字，现为 %(show_value)d 个字，请删减后再提交（系统不会自动截断）。"),
    }

    def to_python(self, value):
        # Browsers send a line break as \r\n; counted once, as the counter does.
        return super().to_python(value.replace("\r\n", "\n") if isinstance(value, str) else value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.max_length is not None and attrs.pop("maxlength", None) is not None:
            attrs["data-maxlength"] = str(self.max_length)
            attrs["data-counter-label"] = _("已输入 {n} / {max} 字")
        return attrs


def _text(label, *, required=True, rows=3, max_length=2000, help_text=""):
    return LimitedCharField(label=label, required=required, max_length=max_length, help_text=help_text,
                            widget=forms.Textarea(attrs={**TEXT, "rows": rows}))


def _line(label, *, required=True, max_length=200, **attrs):
    return LimitedCharField(label=label, required=required, max_length=max_length,
                            widget=forms.TextInput(attrs={**TEXT, **attrs}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (home-visit photos)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={**TEXT, "accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


# --- resident (and on-behalf) application -------------------------------------------

class ProgrammesForm(forms.Form):
    """Step 1: which programmes (一件事: one or several) and why."""

    programmes = forms.MultipleChoiceField(label=_("申请项目（可多选）"), choices=Programme.choices,
                                           widget=forms.CheckboxSelectMultiple)
    reason = _text(_("申请理由"), rows=4, help_text=_("请简要说明家庭困难情况，如收入、疾病、突发事件等。"))
    emergency = forms.BooleanField(label=_("遇到急难情形，需要先行救助（仅临时救助）"), required=False,
                                   widget=forms.CheckboxInput(attrs=CHECK))
    temporary_aid_amount = forms.DecimalField(label=_("临时救助申请金额（元，可不填）"), required=False, min_value=0,
                                              max_digits=12, decimal_places=2,
                                              widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}))


class OnBehalfForm(ProgrammesForm):
    """Step 1 when a worker files for a household: who applies and through which channel."""

    applicant = forms.TypedChoiceField(label=_("申请人"), coerce=int, widget=forms.Select(attrs=SELECT))
    channel = forms.ChoiceField(label=_("申请渠道"), widget=forms.Select(attrs=SELECT),
                                choices=[(Channel.WALK_IN, Channel.WALK_IN.label),
                                         (Channel.HOME_VISIT, Channel.HOME_VISIT.label),
                                         (Channel.PROACTIVE, Channel.PROACTIVE.label)])

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [(m.person_id, f"{m.person.name}（{m.get_relation_display()}）")
                                            for m in members]
        self.order_fields(["applicant", "channel", "programmes", "reason", "emergency", "temporary_aid_amount"])


class ReasonForm(forms.Form):
    reason = _text(_("申请理由"), rows=4)


WORK_ABILITY = [("yes", _("有劳动能力")), ("no", _("无劳动能力"))]
GRADES = [("", _("无残疾")), ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]


class MemberForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    declared_monthly_income = forms.DecimalField(label=_("月收入（元）"), min_value=0, max_digits=12,
                                                 decimal_places=2,
                                                 widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}))
    disability_grade = forms.ChoiceField(label=_("残疾等级"), choices=GRADES, required=False,
                                         widget=forms.Select(attrs=SELECT))
    serious_illness = forms.BooleanField(label=_("患重大疾病"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    self_care = forms.ChoiceField(label=_("生活自理能力"), choices=SelfCare.choices, widget=forms.Select(attrs=SELECT))
    # A choice the person makes (never pre-ticked): see views.apply.apply_members for when it is pre-filled.
    can_work = forms.TypedChoiceField(label=_("劳动能力"), choices=WORK_ABILITY, coerce=lambda v: v == "yes",
                                      widget=forms.RadioSelect(attrs=CHECK),
                                      error_messages={"required": _("请选择该成员是否有劳动能力。")})
    note = _line(_("其他情况"), required=False)


MemberFormSet = forms.formset_factory(MemberForm, extra=0)


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=MaterialKind.choices, widget=forms.Select(attrs=SELECT))
    file = forms.FileField(label=_("文件（PDF、JPG 或 PNG）"),
                           widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,.jpg,.jpeg,.png"}))


class WithdrawForm(forms.Form):
    reason = _text(_("撤回原因（可不填）"), required=False, rows=2)


class ResubmitForm(forms.Form):
    """补正: the note and (optionally) a file in one form, so uploading keeps the typed note."""

    note = _text(_("补正说明（可不填）"), required=False, rows=3)
    kind = forms.ChoiceField(label=_("材料类别"), choices=MaterialKind.choices, required=False,
                             widget=forms.Select(attrs=SELECT))
    file = forms.FileField(label=_("文件（PDF、JPG 或 PNG，可不选）"), required=False,
                           widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,.jpg,.jpeg,.png"}))

    def clean(self):
        data = super().clean()
        if data.get("file") and not data.get("kind"):
            self.add_error("kind", _("请选择材料类别。"))
        return data


class MaterialReplaceForm(forms.Form):
    file = forms.FileField(label=_("新文件（PDF、JPG 或 PNG）"),
                           widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,.jpg,.jpeg,.png"}))


# --- caseworker actions --------------------------------------------------------------

class NoteForm(forms.Form):
    note = _text(_("办理意见（可不填）"), required=False, rows=2)


class ReturnForm(forms.Form):
    missing = _text(_("需补正的材料或内容"), rows=3)


class VerifyForm(forms.Form):
    as_of = forms.DateField(label=_("核对基准日（默认今天）"), required=False,
                            validators=[dates.VERIFICATION_AS_OF.validator()],
                            widget=forms.DateInput(attrs={**TEXT, "type": "date"}))


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("入户时间"),
                                     widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                     validators=[dates.VISIT_AT.validator()])
    visitors = _line(_("调查人员"))
    findings = _text(_("调查情况"), rows=3)
    living_conditions = _text(_("居住及生活状况"), required=False, rows=2)
    recommendation = _line(_("调查意见"), required=False)
    photos = MultipleFileField(label=_("现场照片（可多张，JPG/PNG/PDF）"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"visited_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)


class NoticeForm(forms.Form):
    starts_on = forms.DateField(label=_("公示开始日期（默认今天）"), required=False,
                                validators=[dates.NOTICE_START.validator()],
                                widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    location = _line(_("公示地点"), required=False, placeholder=_("村（社区）公示栏"))


class ObjectionForm(forms.Form):
    content = _text(_("异议内容"), rows=2)
    received_on = forms.DateField(label=_("收到日期（默认今天）"), required=False,
                                  validators=[dates.OBJECTION_RECEIVED.validator()],
                                  widget=forms.DateInput(attrs={**TEXT, "type": "date"}))


class ResolveForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    resolution = _text(_("处理结果"), rows=2)
    upheld = forms.BooleanField(label=_("异议成立"), required=False, widget=forms.CheckboxInput(attrs=CHECK))


class RejectForm(forms.Form):
    reason = _text(_("不予批准理由"), rows=3)


class EmergencyForm(forms.Form):
    amount = forms.DecimalField(label=_("先行救助金额（元，默认按申请或标准）"), required=False, min_value=0,
                                max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}))
    note = _text(_("说明"), required=False, rows=2)


class EmergencyDeclineForm(forms.Form):
    reason = _text(_("不予批准先行救助的理由"), rows=2)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("户主姓名或身份证号"), max_length=50, required=False,
                        help_text=_("一两个字按姓名开头查找，三个字及以上按包含查找；身份证号须完整18位。"),
                        widget=forms.TextInput(attrs={**TEXT, "autofocus": True}))

    def clean_q(self):
        from civilaffairs.lib.idnumber import is_valid_id_number, normalize_id_number

        q = self.cleaned_data["q"].strip()
        candidate = normalize_id_number(q)
        if len(candidate) == 18 and candidate[:17].isdigit() and not is_valid_id_number(candidate):
            raise forms.ValidationError(_("身份证号不正确（校验位或出生日期不符），请核对后再查找。"))
        return q


# --- money and reviews -----------------------------------------------------------------

class PriceSubsidyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    month = forms.DateField(label=_("发放月份"), input_formats=["%Y-%m", "%Y-%m-%d"],
                            validators=[dates.SUBSIDY_MONTH.validator()],
                            widget=forms.DateInput(attrs={**TEXT, "type": "month"}, format="%Y-%m"))
    amount_per_person = forms.DecimalField(label=_("每人金额（元）"), max_digits=10, decimal_places=2,
                                           widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}))
    multiplier = forms.DecimalField(label=_("倍数"), max_digits=4, decimal_places=2, initial=1,
                                    widget=forms.NumberInput(attrs={**TEXT, "step": "0.5"}))
    programmes = forms.MultipleChoiceField(label=_("适用项目"), choices=Programme.choices,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"month": timezone.localdate().replace(day=1), "multiplier": 1,
                                      "programmes": ["dibao", "tekun"]})
        super().__init__(*args, **kwargs)


class ReviewCompleteForm(forms.Form):
    note = _text(_("复核说明（可不填）"), required=False, rows=2)

