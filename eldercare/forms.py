"""Forms of elderly care's pages (each area adds its block)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# --- elders / assessment area (elders helper) ---------------------------------------------------

from .elder_list import AGE_BAND_CHOICES, NO_GRADE, elder_filters  # noqa: E402
from .models import RISK_EVENTS_MAX, AbilityGrade, SpecialGroup  # noqa: E402
from .selectors import Arrangement  # noqa: E402


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


class ElderFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或身份证号"), required=False, max_length=50)
    community = forms.CharField(label=_("村（社区）代码"), required=False, max_length=12)
    age_band = forms.ChoiceField(label=_("年龄段"), required=False, choices=[("", _("全部"))] + AGE_BAND_CHOICES)
    grade = forms.ChoiceField(label=_("能力等级"), required=False,
                              choices=[("", _("全部")), (NO_GRADE, _("未评估/已过期"))]
                              + [(str(v), label) for v, label in AbilityGrade.choices])
    arrangement = forms.ChoiceField(label=_("居住状况"), required=False,
                                    choices=[("", _("全部"))] + list(Arrangement.choices))
    group = forms.ChoiceField(label=_("特殊群体"), required=False, choices=[("", _("全部"))] + list(SpecialGroup.choices))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for flt in elder_filters():  # filters other areas register (e.g. 巡访逾期)
            self.fields[f"x_{flt.key}"] = forms.BooleanField(label=flt.label, required=False)
        _styled(self)

    def clean_community(self):
        code = self.cleaned_data["community"].strip()
        if code and not code.isdigit():
            raise forms.ValidationError(_("区划代码应为数字。"))
        return code

    def extra_keys(self) -> tuple[str, ...]:
        return tuple(name[2:] for name, value in self.cleaned_data.items() if name.startswith("x_") and value)


class ProfileForm(forms.Form):
    lost_only_child = forms.BooleanField(label=_("失独老人"), required=False,
                                         help_text=_("独生子女死亡或伤残且未再生育、收养子女"))
    community_doctor = forms.CharField(label=_("签约家庭医生"), required=False, max_length=50)
    doctor_phone = forms.CharField(label=_("家庭医生电话"), required=False, max_length=20,
                                   help_text=_("留空则保留原号码；填写新号码将替换原号码"))
    clear_doctor_phone = forms.BooleanField(label=_("清除家庭医生电话"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("联系人姓名"), max_length=50)
    relation = forms.CharField(label=_("与老人关系"), max_length=20, help_text=_("如：儿子、女儿、邻居"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=True,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    priority = forms.IntegerField(label=_("联系顺序"), min_value=1, max_value=9, initial=1,
                                  error_messages={"min_value": _("联系顺序应为1–9的整数。"),
                                                  "max_value": _("联系顺序应为1–9的整数。"),
                                                  "invalid": _("联系顺序应为1–9的整数。")})
    notify_alarms = forms.BooleanField(label=_("接收告警短信"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("留空则保留原号码")
        _styled(self)


class ItemsForm(forms.Form):
    """One dimension's items: a radio choice of options per item."""

    def __init__(self, *args, dimension, answered: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        for item in dimension.items.all():
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.name, help_text=item.guidance, coerce=int, widget=forms.RadioSelect,
                choices=[(o.pk, f"{o.score}分　{o.wording}") for o in item.options.all()],
                initial=answered.get(item.pk),
                error_messages={"required": _("请为“%(i)s”选择一项。") % {"i": item.name},
                                "invalid_choice": _("所选选项无效，请重新选择。")})

    def answers(self) -> dict[int, int]:
        return {int(name[5:]): value for name, value in self.cleaned_data.items()}


class FactsForm(forms.Form):
    assessed_on = forms.DateField(label=_("评估日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": _("请输入有效日期。")})
    diagnosed_dementia = forms.BooleanField(label=_("确诊为认知障碍/痴呆"), required=False)
    diagnosed_psychiatric = forms.BooleanField(label=_("确诊为精神疾病"), required=False)
    risk_events_30d = forms.IntegerField(label=_("近30天内照护风险事件次数"), min_value=0, max_value=RISK_EVENTS_MAX,
                                         initial=0, help_text=_("跌倒、噎食、自杀、自伤、走失等"),
                                         error_messages={"min_value": _("次数不能为负数。"),
                                                         "max_value": _("次数不超过30次。"),
                                                         "invalid": _("请输入整数。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200, min_length=2,
                             error_messages={"required": _("请填写作废原因。"), "min_length": _("请填写作废原因。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
