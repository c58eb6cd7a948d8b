"""Sign-in, sign-out and password change, on Django's own views; the organisation pages."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse_lazy

from .forms import OrganisationFilterForm, SignInForm, StyledPasswordChangeForm
from .roles import Capability
from .scoping import user_can
from .selectors import organisation_get_for_user, organisation_list as organisation_list_for

login = auth_views.LoginView.as_view(
    template_name="accounts/login.html", authentication_form=SignInForm, redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", form_class=StyledPasswordChangeForm,
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")


# --- organisations (staff pages) ----------------------------------------------------------------

ORGANISATION_PAGE_SIZE = 30


def _may_view_organisations(user) -> bool:
    return not user.is_resident and user_can(user, Capability.VIEW_ORGANISATION)


@login_required
def organisation_list(request):
    if not _may_view_organisations(request.user):
        raise PermissionDenied
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    orgs = organisation_list_for(user=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(orgs, ORGANISATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/organisation_list.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


@login_required
def organisation_detail(request, pk: int):
    if not _may_view_organisations(request.user):
        raise PermissionDenied
    org = organisation_get_for_user(user=request.user, pk=pk)
    return render(request, "accounts/organisation_detail.html", {"org": org})
