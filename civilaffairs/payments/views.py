"""Payment rolls (发放名册) of every programme: list, generate, approve, export; one line's bank result,
retry and reversal. The services check the rights and the four-eyes rule; out of scope: 404."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, user_can
from django.contrib.auth.decorators import login_required
from civilaffairs.portal.access import user_passes
from civilaffairs.registry.models import Region, RegionLevel

from . import selectors, services as svc
from .forms import RollGenerateForm
from .models import LineStatus, PaymentLine
from .sources import sources
from .workflow import ROLL_TRANSITIONS, FourEyes

PAGE_SIZE = 50

district_staff_required = user_passes(
    lambda user: user_can(user, Capability.VIEW_PAYMENTS))


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                for m in e.messages:
                    form.add_error(field if field in form.fields else None, m)
    else:
        for m in exc.messages:
            form.add_error(None, m)


def _approver_districts(user):
    """Districts where the user may generate and approve rolls."""
    districts = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    return [d for d in districts if user_can(user, ROLL_TRANSITIONS["generate"].capability, d.code)]


@require_http_methods(["GET", "POST"])
@district_staff_required
def roll_list(request):
    districts = _approver_districts(request.user)
    form = RollGenerateForm(request.POST or None, districts=districts, programmes=sources())
    if request.method == "POST":
        if not districts:
            raise PermissionDenied(_("发放名册须由区县民政部门生成。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["programme"]:
                    results = [svc.payment_roll_generate(district_code=data["district"], month=data["month"],
                                                         programme=data["programme"], actor=request.user)]
                else:
                    results = svc.payment_rolls_generate_district(district_code=data["district"],
                                                                  month=data["month"], actor=request.user)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("名册已生成，新增 %(n)d 笔。") % {"n": sum(n for _r, n in results)})
                if len(results) == 1:
                    return redirect("payments:roll_detail", results[0][0].pk)
                return redirect("payments:roll_list")
    rolls = selectors.roll_list(user=request.user).annotate(n_lines=Count("lines"), total=Sum("lines__amount"))
    page = Paginator(rolls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/roll_list.html", {"page": page, "form": form, "can_generate": bool(districts)},
                  status=400 if form.errors else 200)


@district_staff_required
def roll_detail(request, pk: int):
    roll = selectors.roll_get_for_user(user=request.user, pk=pk)
    lines = roll.lines.select_related("household", "person", "reverses").order_by("id")
    status = request.GET.get("status")
    if status in LineStatus.values:
        lines = lines.filter(status=status)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    reversed_ids = set(PaymentLine.objects.filter(reverses_id__in=[p.pk for p in page.object_list])
                       .values_list("reverses_id", flat=True))
    accounts = svc.current_accounts([(p.person_id, p.household_id) for p in page.object_list])
    for p in page.object_list:  # masked only: the full number is in the bank file alone
        acc = accounts.get(("p", p.person_id)) or accounts.get(("h", p.household_id))
        p.account_masked = acc.account_masked if acc else ""
    is_approver = user_can(request.user, ROLL_TRANSITIONS["approve"].capability, roll.district_id)
    return render(request, "payments/roll_detail.html", {
        "roll": roll, "page": page, "totals": svc.roll_totals(roll), "is_approver": is_approver,
        "status_filter": status or "", "statuses": LineStatus.choices, "reversed_ids": reversed_ids,
        "can_export": is_approver and user_can(request.user, Capability.EXPORT_PERSONAL_DATA, roll.district_id)})


def _messages_of(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_POST
@district_staff_required
def roll_approve(request, pk: int):
    roll = selectors.roll_get_for_user(user=request.user, pk=pk)
    try:
        svc.payment_roll_approve(actor=request.user, roll_id=roll.pk)
    except FourEyes as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        _messages_of(request, exc)
    else:
        messages.success(request, _("名册已审核。"))
    return redirect("payments:roll_detail", roll.pk)


@require_POST
@district_staff_required
def roll_export(request, pk: int):
    """CSV for the bank (full ID numbers and accounts): the service checks the right and audits."""
    roll = selectors.roll_get_for_user(user=request.user, pk=pk)
    try:
        content = svc.payment_roll_export(actor=request.user, roll_id=roll.pk)
    except ValidationError as exc:
        _messages_of(request, exc)
        return redirect("payments:roll_detail", roll.pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="roll-{roll.district_id}-{roll.programme}-'
                                       f'{roll.month:%Y%m}.csv"')
    return response


def _back(line: PaymentLine, request):
    page = request.POST.get("page", "")
    url = f"/payments/rolls/{line.roll_id}/" if line.roll_id else "/payments/rolls/"
    return redirect(url + (f"?page={page}" if page.isdigit() else ""))


@require_POST
@district_staff_required
def line_mark(request, pk: int):
    line = selectors.line_get_for_user(user=request.user, pk=pk)
    paid = request.POST.get("result") == "paid"
    try:
        svc.payment_mark(actor=request.user, payment_id=line.pk, paid=paid, reason=request.POST.get("reason", "")[:200])
    except FourEyes as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        _messages_of(request, exc)
    else:
        messages.success(request, _("第 %(id)s 笔已登记为%(s)s。") % {"id": line.pk,
                                                                 "s": _("已发放") if paid else _("发放失败")})
    return _back(line, request)


@require_POST
@district_staff_required
def line_retry(request, pk: int):
    line = selectors.line_get_for_user(user=request.user, pk=pk)
    try:
        svc.payment_retry(actor=request.user, payment_id=line.pk)
    except ValidationError as exc:
        _messages_of(request, exc)
    else:
        messages.success(request, _("第 %(id)s 笔已重新列入待发放。") % {"id": line.pk})
    return _back(line, request)


@require_POST
@district_staff_required
def line_reverse(request, pk: int):
    line = selectors.line_get_for_user(user=request.user, pk=pk)
    try:
        rev = svc.payment_line_reverse(actor=request.user, payment_id=line.pk,
                                       reason=request.POST.get("reason", "")[:200])
    except ValidationError as exc:
        _messages_of(request, exc)
    else:
        messages.success(request, _("第 %(id)s 笔已冲正（冲正明细第 %(r)s 笔）。") % {"id": line.pk, "r": rev.pk})
    return _back(line, request)


# --- the payee's bank account -------------------------------------------------------------------

def _payee(request, owner: str, pk: int):
    """The person or household, scoped (404 outside the worker's area), and its region."""
    from civilaffairs.registry.models import Household
    from civilaffairs.registry.selectors import person_get_for_user, person_region_code

    if owner == "person":
        person = person_get_for_user(user=request.user, pk=pk, capability=Capability.VIEW_HOUSEHOLDS)
        return {"person": person}, person_region_code(person), person
    household = get_scoped_or_404(Household.objects.all(), request.user, pk=pk,
                                  capability=Capability.VIEW_HOUSEHOLDS)
    return {"household": household}, household.community_id, household


@require_http_methods(["GET", "POST"])
@login_required
def bank_account_edit(request, owner: str, pk: int):
    """Record (or replace) the account a person or household is paid into. Only who may see full
    ID numbers there (``reveal_id``) may do it: the account is as sensitive. The current account is
    shown masked; the previous one is kept, no longer current."""
    from .forms import BankAccountForm
    from .models import BankAccount

    if getattr(request.user, "is_resident", False) or not user_can(request.user, Capability.VIEW_HOUSEHOLDS):
        raise PermissionDenied
    payee, region_code, obj = _payee(request, owner, pk)
    if not region_code or not user_can(request.user, Capability.REVEAL_ID, region_code):
        raise PermissionDenied(_("您无权登记该领款人的银行账户。"))
    current = BankAccount.objects.filter(is_current=True, **payee).first()
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.bank_account_set(actor=request.user, bank_name=form.cleaned_data["bank_name"],
                                 account_number=form.cleaned_data["account_number"], **payee)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("收款账户已登记，下次发放起使用新账户。"))
            if owner == "person":
                return redirect("portal:person_file", obj.pk)
            return redirect("registry:household_detail", obj.pk)
    history = BankAccount.objects.filter(is_current=False, **payee).order_by("-created_at")[:10]
    return render(request, "payments/bank_account.html", {
        "owner": owner, "obj": obj, "current": current, "history": history, "form": form,
    }, status=400 if form.errors else 200)
