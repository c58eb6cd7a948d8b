"""Device, ingestion-key and alarm pages (area D). Provider staff see their organisation's devices,
keys and alarms only; community workers handle the alarms of their communities."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civilaffairs.lib.errors import StateConflict
from civilaffairs.lib.pagination import CappedPaginator
from civilaffairs.registry.selectors import person_find_by_id_number

from .. import selectors_visits as sel
from ..capabilities import HANDLE_ALARM, MANAGE_DEVICES
from ..forms_visits import AlarmCloseForm, AlarmFilterForm, DeviceForm, TokenForm
from ..models import ALARM_OPEN_STATUSES, AlarmStatus, DeviceStatus
from ..services import alarms as alarm_svc
from ..services import devices as svc
from .visits import PAGE_SIZE, add_errors, capability_page


@capability_page(MANAGE_DEVICES)
def device_list(request):
    devices = sel.devices_for_user(user=request.user).order_by("community_id", "person_id", "id")
    status = request.GET.get("status", DeviceStatus.ACTIVE)
    if status in DeviceStatus.values:
        devices = devices.filter(status=status)
    page = CappedPaginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "eldercare/devices/device_list.html", {"page": page, "status": status,
                                                                  "statuses": DeviceStatus.choices})


@capability_page(MANAGE_DEVICES)
def device_register(request):
    providers = list(sel.providers_for_user(user=request.user))
    form = DeviceForm(request.POST or None, providers=providers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            person = person_find_by_id_number(data["id_number"].upper())
            if person is None:
                form.add_error("id_number", _("未找到该身份证号对应的居民。"))
            else:
                try:
                    svc.device_register(actor=request.user, person=person, provider_id=data["provider"],
                                        kind=data["kind"], serial=data["serial"], installed_on=data["installed_on"])
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("已登记设备。"))
                    return redirect("eldercare:device_list")
        status = 400
    return render(request, "eldercare/devices/device_form.html", {"form": form}, status=status)


@require_POST
@capability_page(MANAGE_DEVICES)
def device_retire(request, pk: int):
    device = sel.device_get_for_user(user=request.user, pk=pk)
    svc.device_retire(actor=request.user, device_id=device.pk)
    messages.success(request, _("设备已停用。"))
    return redirect("eldercare:device_list")


@capability_page(MANAGE_DEVICES)
def token_list(request):
    providers = list(sel.providers_for_user(user=request.user))
    form = TokenForm(request.POST or None, providers=providers)
    key, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, key = svc.device_token_issue(actor=request.user, provider_id=form.cleaned_data["provider"],
                                                     label=form.cleaned_data["label"])
            except ValidationError as exc:
                add_errors(form, exc)
                status = 400
        else:
            status = 400
    tokens = sel.tokens_for_user(user=request.user).order_by("-created_at", "-id")
    page = CappedPaginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(request, "eldercare/devices/token_list.html", {"form": form, "page": page, "key": key},
                      status=status)
    if key:
        response["Cache-Control"] = "no-store"  # the key is shown once; no copy in a cache
    return response


@require_POST
@capability_page(MANAGE_DEVICES)
def token_revoke(request, pk: int):
    token = sel.token_get_for_user(user=request.user, pk=pk)
    svc.device_token_revoke(actor=request.user, token_id=token.pk)
    messages.success(request, _("令牌 %(p)s 已吊销。") % {"p": token.prefix})
    return redirect("eldercare:device_token_list")


@capability_page(HANDLE_ALARM)
def alarm_list(request):
    form = AlarmFilterForm(request.GET or None)
    alarms = sel.alarms_for_user(user=request.user).order_by("-opened_at", "-id")
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if status == "closed":
        alarms = alarms.filter(status=AlarmStatus.CLOSED)
    elif status != "all":
        alarms = alarms.filter(status__in=ALARM_OPEN_STATUSES)
    page = CappedPaginator(alarms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "eldercare/devices/alarm_list.html", {"form": form, "page": page})


def _alarm_page(request, alarm, close_form=None, status=200):
    return render(request, "eldercare/devices/alarm_detail.html", {
        "alarm": alarm, "actions": alarm_svc.allowed_actions(alarm, request.user),
        "close_form": close_form or AlarmCloseForm(),
        "events": list(alarm.events.order_by("-occurred_at")[:50]),
        "sms": list(alarm.sms.select_related("contact"))}, status=status)


@capability_page(HANDLE_ALARM)
def alarm_detail(request, pk: int):
    return _alarm_page(request, sel.alarm_get_for_user(user=request.user, pk=pk))


@require_POST
@capability_page(HANDLE_ALARM)
def alarm_acknowledge(request, pk: int):
    alarm = sel.alarm_get_for_user(user=request.user, pk=pk)
    try:
        alarm_svc.alarm_acknowledge(actor=request.user, alarm_id=alarm.pk, note=request.POST.get("note", ""))
    except StateConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已响应告警。"))
    return redirect("eldercare:alarm_detail", pk=alarm.pk)


@require_POST
@capability_page(HANDLE_ALARM)
def alarm_close(request, pk: int):
    alarm = sel.alarm_get_for_user(user=request.user, pk=pk)
    form = AlarmCloseForm(request.POST)
    if form.is_valid():
        try:
            alarm_svc.alarm_close(actor=request.user, alarm_id=alarm.pk, outcome=form.cleaned_data["outcome"],
                                  note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        except StateConflict as exc:
            messages.error(request, str(exc))
            return redirect("eldercare:alarm_detail", pk=alarm.pk)
        else:
            messages.success(request, _("告警已关闭。"))
            return redirect("eldercare:alarm_detail", pk=alarm.pk)
    return _alarm_page(request, alarm, close_form=form, status=400)


