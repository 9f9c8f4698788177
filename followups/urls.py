from django.urls import path

from followups import views

app_name = "followups"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("follow-ups/attention/", views.attention, name="attention"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("handover/", views.handover, name="handover"),
    path("follow-ups/notes/export/", views.notes_export, name="notes_export"),
    path("participants/<uuid:public_id>/note/", views.note_edit, name="note_edit"),
    path("participants/<uuid:public_id>/attempts/add/", views.attempt_add, name="attempt_add"),
    path("participants/<uuid:public_id>/missed/", views.missed_meeting, name="missed_meeting"),
    path(
        "participants/<uuid:public_id>/missed/<int:attempt_id>/strategy/",
        views.no_show_strategy,
        name="no_show_strategy",
    ),
    path("participants/<uuid:public_id>/status/", views.status_change, name="status_change"),
    path("participants/<uuid:public_id>/risk/", views.risk_add, name="risk_add"),
    path(
        "participants/<uuid:public_id>/participation/end/<int:consent_id>/",
        views.participation_end,
        name="participation_end",
    ),
    path(
        "participants/<uuid:public_id>/participation/resume/",
        views.participation_resume,
        name="participation_resume",
    ),
    path("participants/<uuid:public_id>/timeline/", views.timeline, name="timeline"),
    path("participants/<uuid:public_id>/plans/", views.plans, name="plans"),
    path("participants/<uuid:public_id>/plans/needs/", views.needs_evaluate, name="needs_evaluate"),
    path(
        "participants/<uuid:public_id>/plans/safety/",
        views.safety_plan_edit,
        name="safety_plan_edit",
    ),
    path("participants/<uuid:public_id>/plans/goals/add/", views.goal_add, name="goal_add"),
    path(
        "participants/<uuid:public_id>/plans/goals/<int:goal_id>/",
        views.goal_update,
        name="goal_update",
    ),
]
