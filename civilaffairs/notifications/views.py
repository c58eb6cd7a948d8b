"""The inbox (every signed-in user: residents and staff alike) and a resident's choice of how
outside copies reach them. A message is its owner's only: someone else's answers 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civilaffairs.portal.access import resident_required

from . import selectors
from .forms import PreferenceForm
from .services import (notification_mark_all_read, notification_mark_read, notification_preference_set,
                       outside_channels)

PAGE_SIZE = 30


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "unread": selectors.unread_count(request.user)})


@require_POST
@login_required
def notification_read(request, pk: int):
    note = selectors.notification_of_or_404(request.user, pk)  # someone else's: 404, not a silent no-op
    notification_mark_read(user=request.user, pk=note.pk)
    if request.POST.get("follow") and note.link and url_has_allowed_host_and_scheme(
            note.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(note.link)  # the notification's subject page
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request):
    notification_mark_all_read(user=request.user)
    messages.success(request, _("已全部标记为已读。"))
    return redirect("notifications:list")


@resident_required
def preferences(request):
    user = request.user
    pref = selectors.preference_of(user)
    sms_now, email_now = outside_channels(user)
    has_phone = bool(getattr(user.person, "phone_encrypted", None))
    initial = {"sms": sms_now if pref is None else pref.sms, "email": email_now,
               "email_address": pref.email_address if pref is not None else ""}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_set(actor=user, user=user, sms=form.cleaned_data["sms"],
                                        email=form.cleaned_data["email"],
                                        email_address=form.cleaned_data["email_address"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("通知方式已保存。"))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
        "form": form, "has_phone": has_phone, "phone_masked": user.person.phone_masked})
