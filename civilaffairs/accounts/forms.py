"""Sign-in and password forms: shape only; who may sign in is the backends' business."""
from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .models import OrganisationStatus, OrganisationType
from .services import password_set


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "form-control form-control-lg")


class SignInForm(AuthenticationForm):
    """Staff sign in with a username; residents with their mobile or ID number
    (``ResidentIdentifierBackend``). Django's form passes ``request`` on to
    ``authenticate`` so django-axes can count failures."""

    username = forms.CharField(
        label=_("用户名 / 手机号 / 身份证号"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none",
                                      "placeholder": _("居民请输入手机号或身份证号")}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("账号或密码不正确，请检查后重试。居民请使用登记的手机号或身份证号登录。"),
        "inactive": _("该账号已停用，请联系所在社区或民政部门。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def save(self, commit=True):
        password_set(actor=self.user, user=self.user, password=self.cleaned_data["new_password1"])
        return self.user



class OrganisationFilterForm(forms.Form):
    """The organisation list's search and filters (GET)."""

    q = forms.CharField(label=_("名称或统一社会信用代码"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("机构类型"), required=False,
                             choices=[("", _("全部类型"))] + list(OrganisationType.choices))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态"))] + list(OrganisationStatus.choices))
    region = forms.RegexField(label=_("区划代码"), required=False, regex=r"^\d{2,12}$", max_length=12,
                              error_messages={"invalid": _("区划代码应为2–12位数字。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name in ("type", "status") else "form-control")
