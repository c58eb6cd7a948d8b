"""Forms of the visits, devices and alarms pages (area D): shape only; the services decide."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AlarmOutcome, DeviceKind, Health, Need, PlanStatus, Risk, RiskLevel, Safety, VisitMode


class StyledForm(forms.Form):
    """Bootstrap classes on the widgets (radios and checkboxes keep Django's own markup)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class VisitForm(StyledForm):
    mode = forms.ChoiceField(label=_("巡访方式"), choices=VisitMode.choices, widget=forms.RadioSelect)
    visited_at = forms.DateTimeField(label=_("巡访时间"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    health = forms.ChoiceField(label=_("身体状况"), choices=Health.choices, widget=forms.RadioSelect)
    safety = forms.ChoiceField(label=_("居住安全"), choices=Safety.choices, widget=forms.RadioSelect)
    needs = forms.MultipleChoiceField(label=_("服务需求"), choices=Need.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    risks = forms.MultipleChoiceField(label=_("发现的风险（将自动转介）"), choices=Risk.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("情况说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))


class AssignForm(StyledForm):
    visitor = forms.TypedChoiceField(label=_("巡访人（工作人员）"), coerce=int, required=False, empty_value=None)
    volunteer_name = forms.CharField(label=_("或志愿者姓名"), required=False, max_length=50)
    risk_level = forms.ChoiceField(label=_("关注等级"), choices=RiskLevel.choices)

    def __init__(self, *args, visitors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitor"].choices = [("", "—")] + [(u.pk, str(u)) for u in visitors]


class PlanFilterForm(StyledForm):
    community = forms.CharField(label=_("村社代码"), required=False, max_length=12)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(PlanStatus.choices))
    risk_level = forms.ChoiceField(label=_("关注等级"), required=False,
                                   choices=[("", _("全部"))] + list(RiskLevel.choices))
    not_visited = forms.BooleanField(label=_("本周未巡访"), required=False)

    def clean_community(self):
        value = self.cleaned_data["community"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("村社代码应为数字。"))
        return value


class PlanCommunityForm(StyledForm):
    community = forms.CharField(label=_("村社代码"), max_length=12, min_length=12)

    def clean_community(self):
        value = self.cleaned_data["community"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("村社代码应为12位数字。"))
        return value


class DeviceForm(StyledForm):
    id_number = forms.CharField(label=_("老人身份证号"), max_length=18, min_length=18)
    kind = forms.ChoiceField(label=_("设备类型"), choices=DeviceKind.choices)
    serial = forms.CharField(label=_("设备编号"), max_length=64)
    provider = forms.TypedChoiceField(label=_("服务商"), coerce=int)
    installed_on = forms.DateField(label=_("安装日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.pk, p.name) for p in providers]
        self.initial.setdefault("installed_on", timezone.localdate())


class TokenForm(StyledForm):
    provider = forms.TypedChoiceField(label=_("服务商"), coerce=int)
    label = forms.CharField(label=_("用途说明"), required=False, max_length=100)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.pk, p.name) for p in providers]


class AlarmCloseForm(StyledForm):
    outcome = forms.ChoiceField(label=_("处置结果"), choices=AlarmOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("处置说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AlarmFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("未关闭")), ("all", _("全部")), ("closed", _("已关闭"))])
