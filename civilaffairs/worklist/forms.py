"""Worklist forms: shape only; the state machine lives in ``services.workitem_transition``."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ItemStatus

OPEN_FILTER = "unfinished"


class WorklistFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False,
        choices=[(OPEN_FILTER, _("未办结")), *ItemStatus.choices, ("all", _("全部"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    overdue = forms.BooleanField(label=_("只看已超期"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("办理结果"), max_length=2000,
                              widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=2000,
                             widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))
