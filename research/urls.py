from django.urls import path

from research import views
from research.export import views as export_views
from research.legacy import views as legacy_views

app_name = "research"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figures.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path(
        "dashboard/charts/<str:key>/<slug:figure>.svg",
        views.dashboard_chart,
        name="dashboard_chart",
    ),
    path("research/export/", export_views.export_request, name="export_request"),
    path("research/export/<uuid:public_id>/", export_views.export_status, name="export_status"),
    path(
        "research/export/<uuid:public_id>/progress/",
        export_views.export_progress,
        name="export_progress",
    ),
    path(
        "research/export/<uuid:public_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
    path("research/exports/register/", export_views.export_register, name="export_register"),
    path("research/import/", legacy_views.legacy_import, name="legacy_import"),
    path("research/import/<uuid:public_id>/", legacy_views.legacy_status, name="legacy_status"),
    path(
        "research/import/<uuid:public_id>/progress/",
        legacy_views.legacy_progress,
        name="legacy_progress",
    ),
]
