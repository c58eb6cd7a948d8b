from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import ROLL_MONTH


class RollGenerateForm(forms.Form):
    district = forms.ChoiceField(label=_("区县"), widget=forms.Select(attrs={"class": "form-select"}))
    programme = forms.ChoiceField(label=_("项目"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    month = forms.DateField(label=_("发放月份"), input_formats=["%Y-%m", "%Y-%m-%d"],
                            validators=[ROLL_MONTH.validator()],
                            widget=forms.DateInput(attrs={"class": "form-control", "type": "month"}, format="%Y-%m"))

    def __init__(self, *args, districts=(), programmes=(), **kwargs):
        kwargs.setdefault("initial", {"month": timezone.localdate().replace(day=1)})
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(d.code, d.name) for d in districts]
        self.fields["programme"].choices = [("", _("全部项目"))] + [(s.programme, s.label) for s in programmes]


class BankAccountForm(forms.Form):
    """The account a payee is paid into. The number is validated again by ``bank_account_set``; it is
    never echoed back on an error (the field is re-rendered empty)."""

    bank_name = forms.CharField(label=_("开户银行"), max_length=100,
                                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))
    account_number = forms.CharField(label=_("银行账号"), max_length=40,
                                     help_text=_("8 至 30 位数字，可含空格或短横线"),
                                     widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "off",
                                                                       "inputmode": "numeric"}, render_value=False))
