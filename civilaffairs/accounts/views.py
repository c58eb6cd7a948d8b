"""Sign-in, sign-out and password change, on Django's own views."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .forms import SignInForm, StyledPasswordChangeForm

login = auth_views.LoginView.as_view(
    template_name="accounts/login.html", authentication_form=SignInForm, redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", form_class=StyledPasswordChangeForm,
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
