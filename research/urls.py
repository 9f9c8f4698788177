from django.urls import path

from research import views

app_name = "research"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figures.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
]
