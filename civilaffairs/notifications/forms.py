from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    """How a resident gets the copy of a notification outside the app. The rules (a phone for
    SMS, an address for email) are checked by ``notification_preference_set``; its errors come
    back onto these fields."""

    sms = forms.BooleanField(label=_("短信（发送到登记的手机号）"), required=False)
    email = forms.BooleanField(label=_("电子邮件"), required=False)
    email_address = forms.CharField(label=_("电子邮箱地址"), required=False, max_length=254,
                                    widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "email",
                                                                   "inputmode": "email"}),
                                    help_text=_("选择邮件通知时必填。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.NOTIFICATIONS_EMAIL_ENABLED:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("本平台暂未开通邮件通知。")
