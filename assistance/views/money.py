"""Payment rolls (发放名册), price subsidy rounds and periodic reviews."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.portal.access import administrator_required
from civilaffairs.registry.models import Region, RegionLevel

from .. import services as svc
from ..forms import MarkFailedForm, PriceSubsidyForm, ReviewCompleteForm, RollGenerateForm
from ..models import Payment, PaymentStatus, PriceSubsidyRound, Review
from ..workflow import ROLL_TRANSITIONS, FourEyes
from ..selectors import roll_get_for_user, roll_list
from .common import PAGE_SIZE, add_errors, caseworker_required, district_staff_required


def _approver_districts(user):
    """Districts where the user may generate and approve rolls."""
    districts = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    return [d for d in districts if user_can(user, ROLL_TRANSITIONS["generate"].capability, d.code)]


@require_http_methods(["GET", "POST"])
@district_staff_required
def roll_list_view(request):
    districts = _approver_districts(request.user)
    form = RollGenerateForm(request.POST or None, districts=districts)
    if request.method == "POST":
        if not districts:
            raise PermissionDenied(_("发放名册须由区县民政部门生成。"))
        if form.is_valid():
            try:
                roll, created = svc.payment_roll_generate(district_code=form.cleaned_data["district"],
                                                          month=form.cleaned_data["month"], actor=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("名册已生成，新增 %(n)d 笔。") % {"n": created})
                return redirect("assistance:roll_detail", roll.pk)
    rolls = roll_list(user=request.user).annotate(lines=Count("payments"), total=Sum("payments__amount"))
    page = Paginator(rolls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assistance/roll_list.html", {"page": page, "form": form, "can_generate": bool(districts)},
                  status=400 if form.errors else 200)


@district_staff_required
def roll_detail(request, pk: int):
    roll = roll_get_for_user(user=request.user, pk=pk)
    payments = roll.payments.select_related("household", "benefit", "subsidy_round").order_by("id")
    status = request.GET.get("status")
    if status in PaymentStatus.values:
        payments = payments.filter(status=status)
    totals = roll.payments.aggregate(
        lines=Count("id"), total=Sum("amount"),
        paid=Count("id", filter=Q(status=PaymentStatus.PAID)), failed=Count("id", filter=Q(status=PaymentStatus.FAILED)),
        pending=Count("id", filter=Q(status=PaymentStatus.PENDING)))
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    is_approver = user_can(request.user, ROLL_TRANSITIONS["approve"].capability, roll.district_id)
    return render(request, "assistance/roll_detail.html", {
        "roll": roll, "page": page, "totals": totals, "is_approver": is_approver, "status_filter": status or "",
        "statuses": PaymentStatus.choices, "fail_form": MarkFailedForm(),
        "can_export": is_approver and user_can(request.user, Capability.EXPORT_PERSONAL_DATA, roll.district_id)})


@require_POST
@district_staff_required
def roll_approve(request, pk: int):
    roll = roll_get_for_user(user=request.user, pk=pk)
    try:
        svc.payment_roll_approve(actor=request.user, roll_id=roll.pk)
    except FourEyes as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("名册已审核。"))
    return redirect("assistance:roll_detail", roll.pk)


@require_POST
@district_staff_required
def roll_export(request, pk: int):
    """CSV for the bank (full ID numbers): the service checks the right and audits."""
    roll = roll_get_for_user(user=request.user, pk=pk)
    try:
        content = svc.payment_roll_export(actor=request.user, roll_id=roll.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("assistance:roll_detail", roll.pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roll-{roll.district_id}-{roll.month:%Y%m}.csv"'
    return response


def _payment(request, pk: int) -> Payment:
    return get_scoped_or_404(Payment.objects.select_related("roll"), request.user, capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def _back(payment: Payment, request):
    page = request.POST.get("page", "")
    url = f"/assistance/rolls/{payment.roll_id}/" if payment.roll_id else "/assistance/rolls/"
    return redirect(url + (f"?page={page}" if page.isdigit() else ""))


@require_POST
@district_staff_required
def payment_mark(request, pk: int):
    payment = _payment(request, pk)
    paid = request.POST.get("result") == "paid"
    try:
        svc.payment_mark(actor=request.user, payment_id=payment.pk, paid=paid,
                         reason=request.POST.get("reason", "")[:200])
    except FourEyes as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("第 %(id)s 笔已登记为%(s)s。") % {"id": payment.pk,
                                                                 "s": _("已发放") if paid else _("发放失败")})
    return _back(payment, request)


@require_POST
@district_staff_required
def payment_retry(request, pk: int):
    payment = _payment(request, pk)
    try:
        svc.payment_retry(actor=request.user, payment_id=payment.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("第 %(id)s 笔已重新列入待发放。") % {"id": payment.pk})
    return _back(payment, request)


@require_http_methods(["GET", "POST"])
@administrator_required
def subsidy_rounds(request):
    form = PriceSubsidyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            r = svc.price_subsidy_round_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("物价补贴批次“%(n)s”已设置，将在 %(m)s 的发放名册中发放。")
                             % {"n": r.name, "m": r.month.strftime("%Y-%m")})
            return redirect("assistance:subsidy_rounds")
    rounds = PriceSubsidyRound.objects.select_related("created_by").order_by("-month", "-id")[:50]
    return render(request, "assistance/subsidy_rounds.html", {"form": form, "rounds": rounds},
                  status=400 if form.errors else 200)


@caseworker_required
def review_list(request):
    reviews = (scope_queryset(Review.objects.filter(completed_at__isnull=True), request.user,
                               capability=Capability.VIEW_HOUSEHOLDS)
               .select_related("benefit", "benefit__household", "benefit__household__community")
               .order_by("due_on", "id"))
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assistance/review_list.html", {"page": page, "form": ReviewCompleteForm()})


@require_POST
@caseworker_required
def review_complete(request, pk: int):
    review = get_scoped_or_404(Review.objects.all(), request.user, capability=Capability.VIEW_HOUSEHOLDS, pk=pk)
    form = ReviewCompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        done = svc.review_complete(actor=request.user, review_id=review.pk, note=note)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("复核完成：%(o)s。") % {"o": done.get_outcome_display()})
    return redirect("assistance:review_list")


__all__ = ["roll_list_view", "roll_detail", "roll_approve", "roll_export", "payment_mark", "payment_retry",
           "subsidy_rounds", "review_list", "review_complete"]
