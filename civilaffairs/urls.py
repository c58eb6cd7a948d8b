from django.contrib import admin
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from civilaffairs import programmes
from civilaffairs.portal.health import healthz


def favicon(request):
    """Browsers ask for /favicon.ico by themselves: send them to the static file (hashed in production).
    A temporary redirect, so that a new icon's new name is picked up."""
    return HttpResponseRedirect(static("favicon.ico"))


admin.site.site_header = _("民政一体化服务平台 · 管理后台")
admin.site.site_title = _("民政一体化服务平台")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("", include("civilaffairs.portal.urls")),
    path("accounts/", include("civilaffairs.accounts.urls")),
    path("organisations/", include("civilaffairs.accounts.organisation_urls")),
    path("worklist/", include("civilaffairs.worklist.urls")),
    path("registry/", include("civilaffairs.registry.urls")),
    path("audit/", include("civilaffairs.audit.urls")),
    path("notifications/", include("civilaffairs.notifications.urls")),
    # Each programme's pages, registered in its AppConfig.ready() (civilaffairs.programmes.register_urls).
    *[path(entry.key, include(entry.urlconf)) for entry in programmes.url_includes()],
    path("payments/", include("civilaffairs.payments.urls")),
    path("entitlements/", include("civilaffairs.entitlements.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("civilaffairs.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Redoc (styled-components) writes its styles into <style> elements at run time, without a
    # nonce, and runs its search in a blob: worker: its page alone may do both; scripts stay self-only.
    path("api/redoc/", csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
        SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]
