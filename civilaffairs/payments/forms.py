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
