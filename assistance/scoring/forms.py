from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OUTCOMES_BY_KIND


class LeadOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("核实结果"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("原因说明"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                             help_text=_("转介、不符合条件或误报时必填"))

    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o.value, o.label) for o in OUTCOMES_BY_KIND[lead.kind]]
