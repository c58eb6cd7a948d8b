"""The anonymous self-check's questions: shape and bounds only, each refusal in plain Chinese."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.models import Region, RegionLevel

from .guide import Answers

CITY_REGION_CODE = "3302"
MAX_HOUSEHOLD = 20
MAX_INCOME = Decimal("1000000")
MAX_AGE = 120

NUMBER = {"class": "form-control form-control-lg", "inputmode": "numeric"}
MONEY = {"class": "form-control form-control-lg", "inputmode": "decimal"}
SELECT = {"class": "form-select form-select-lg"}
YES, NO, UNSURE = "yes", "no", "unsure"
YES_NO = [(YES, _("是")), (NO, _("否")), (UNSURE, _("不确定"))]
DISABILITY = [("none", _("家中没有持证残疾人")), ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]


def _age(label, help_text):
    return forms.IntegerField(
        label=label, help_text=help_text, min_value=0, max_value=MAX_AGE,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 0, "max": MAX_AGE}),
        error_messages={"required": _("请填写年龄（周岁），不满一岁填 0。"),
                        "invalid": _("年龄请填写整数周岁，例如 45。"),
                        "min_value": _("年龄不能小于 0 岁。"),
                        "max_value": _("年龄不能超过 %(limit_value)s 岁，请检查。")})


def district_choices():
    return [(r.code, r.name) for r in Region.objects.filter(
        code__startswith=CITY_REGION_CODE, level=RegionLevel.DISTRICT, is_active=True).order_by("code")]


class SelfCheckForm(forms.Form):
    household_size = forms.IntegerField(
        label=_("家庭共同生活的人口数"), help_text=_("包括您本人，1 到 20 人。"),
        min_value=1, max_value=MAX_HOUSEHOLD,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1, "max": MAX_HOUSEHOLD}),
        error_messages={"required": _("请填写家庭人口数。"),
                        "invalid": _("家庭人口数请填写整数，例如 3。"),
                        "min_value": _("家庭人口数至少为 1 人。"),
                        "max_value": _("家庭人口数不能超过 %(limit_value)s 人；人口更多的家庭请到乡镇（街道）咨询。")})
    monthly_income = forms.DecimalField(
        label=_("全家每月总收入（元）"),
        help_text=_("工资、养老金、经营收入、赡养费等全家收入加在一起，每月多少元；没有收入填 0。"),
        min_value=Decimal("0"), max_value=MAX_INCOME, decimal_places=2,
        widget=forms.TextInput(attrs={**MONEY, "autocomplete": "off"}),
        error_messages={"required": _("请填写全家每月总收入，没有收入填 0。"),
                        "invalid": _("收入请填写数字（元），例如 2600 或 2600.50。"),
                        "min_value": _("收入不能是负数。"),
                        "max_value": _("每月收入不能超过 1,000,000 元，请检查是否多写了零。"),
                        "max_decimal_places": _("收入最多填到分（小数点后两位）。")})
    oldest_age = _age(_("家中年龄最大的成员几岁"), _("周岁。家中有 60 岁、80 岁以上老人的，与养老、特困等政策有关。"))
    youngest_age = _age(_("家中年龄最小的成员几岁"), _("周岁，不满一岁填 0。家中有未满 18 岁孩子的，与儿童福利政策有关。"))
    disability = forms.ChoiceField(
        label=_("家中残疾等级最重的成员"), choices=DISABILITY, initial="none",
        widget=forms.Select(attrs=SELECT), error_messages={"required": _("请选择家中是否有残疾人。"),
                                                           "invalid_choice": _("请从列表中选择残疾等级。")})
    no_supporter = forms.ChoiceField(
        label=_("家中是否有人没有劳动能力、没有收入来源，也没有能够赡养、抚养或扶养他的亲属？"),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("请选择“是”“否”或“不确定”。"), "invalid_choice": _("请选择“是”“否”或“不确定”。")})
    child_without_carer = forms.ChoiceField(
        label=_("家中未满 18 岁的孩子，是否父母都不能照料（如父母去世、失踪、重病、服刑）？"),
        help_text=_("家中没有未满 18 岁的孩子请选“否”。"),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("请选择“是”“否”或“不确定”。"), "invalid_choice": _("请选择“是”“否”或“不确定”。")})
    district = forms.ChoiceField(
        label=_("居住的区（县、市）"), widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("请选择您居住的区（县、市）。"),
                        "invalid_choice": _("请从列表中选择本市的区（县、市）。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("请选择")), *district_choices()]

    def clean(self):
        data = super().clean()
        size, oldest, youngest = data.get("household_size"), data.get("oldest_age"), data.get("youngest_age")
        if oldest is not None and youngest is not None:
            if youngest > oldest:
                self.add_error("youngest_age", _("年龄最小的成员（%(young)s 岁）不能比年龄最大的成员（%(old)s 岁）还大。")
                               % {"young": youngest, "old": oldest})
            elif size == 1 and youngest != oldest:
                self.add_error("youngest_age", _("只有一人的家庭，年龄最大和最小的成员是同一个人，两个年龄应相同。"))
            if youngest >= 18 and data.get("child_without_carer") == YES:
                self.add_error("child_without_carer", _("您填写的年龄最小的成员已满 18 岁，家中没有未成年孩子，此项请选“否”。"))
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        code = data["district"]
        tri = {YES: True, NO: False, UNSURE: None}
        return Answers(
            household_size=data["household_size"],
            monthly_income=data["monthly_income"],
            oldest_age=data["oldest_age"],
            youngest_age=data["youngest_age"],
            disability_grade=None if data["disability"] == "none" else int(data["disability"]),
            no_supporter=tri[data["no_supporter"]],
            child_without_carer=tri[data["child_without_carer"]],
            district_code=code,
            district_name=dict(self.fields["district"].choices)[code],
        )


class GuardianAddForm(forms.Form):
    """Register a guardian of the person whose file this is. The guardian is named by their ID number
    (posted, never in a URL) and must already be in the registry."""

    id_number = forms.CharField(label=_("监护人身份证号"), max_length=20,
                                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))
    role = forms.ChoiceField(label=_("监护人身份"), widget=forms.Select(attrs={"class": "form-select"}))
    basis = forms.ChoiceField(label=_("监护依据"), widget=forms.Select(attrs={"class": "form-select"}))
    since = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))
    is_primary = forms.BooleanField(label=_("主要监护人"), required=False,
                                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, **kwargs):
        from civilaffairs.registry.guardianship import START
        from civilaffairs.registry.models import GuardianRole, GuardianshipBasis

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—")] + list(GuardianRole.choices)
        self.fields["basis"].choices = [("", "—")] + list(GuardianshipBasis.choices)
        self.fields["since"].validators.append(START.validator())

    def clean_id_number(self):
        from civilaffairs.lib.idnumber import parse_id_number

        parse_id_number(self.cleaned_data["id_number"])
        return self.cleaned_data["id_number"]


class GuardianEndForm(forms.Form):
    until = forms.DateField(label=_("终止日期"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))
    reason = forms.CharField(label=_("终止原因"), max_length=200,
                             widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, **kwargs):
        from civilaffairs.registry.guardianship import END

        super().__init__(*args, **kwargs)
        self.fields["until"].validators.append(END.validator())
