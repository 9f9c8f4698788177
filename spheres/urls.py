from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from spheres import views

# The admin's registrations load with the URLconf (spheres.admin_site.SpheresAdminConfig).
admin.autodiscover()
# The admin signs in through allauth (rate limits, MFA), never through its own login form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("people/invite/", views.invite, name="invite"),
    path("people/role-grants/", views.role_grant_list, name="role_grants"),
    path(
        "people/role-grants/<int:pk>/<str:decision>/",
        views.role_grant_decide,
        name="role_grant_decide",
    ),
    path("", include("referrals.urls")),
    path("", include("followups.urls")),
    path("", include("research.urls")),
    path("", include("committees.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
]
