from django.urls import path

from followups import views

app_name = "followups"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("handover/", views.handover, name="handover"),
    path("participants/<uuid:public_id>/note/", views.note_edit, name="note_edit"),
    path("participants/<uuid:public_id>/attempts/add/", views.attempt_add, name="attempt_add"),
    path("participants/<uuid:public_id>/missed/", views.missed_meeting, name="missed_meeting"),
    path("participants/<uuid:public_id>/status/", views.status_change, name="status_change"),
    path("participants/<uuid:public_id>/risk/", views.risk_add, name="risk_add"),
    path("participants/<uuid:public_id>/timeline/", views.timeline, name="timeline"),
]
