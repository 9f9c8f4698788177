from django.urls import path

from committees import views

app_name = "committees"

meeting = "meetings/<uuid:public_id>/"
item = f"{meeting}items/<int:item_id>/"

urlpatterns = [
    path("committees/", views.committee_list, name="committee_list"),
    path("committees/new/", views.committee_create, name="committee_create"),
    path("committees/<int:pk>/", views.committee_detail, name="committee_detail"),
    path("committees/<int:pk>/members/add/", views.member_add, name="member_add"),
    path("committees/<int:pk>/members/<int:member_id>/end/", views.member_end, name="member_end"),
    path("committees/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path(meeting, views.meeting_detail, name="meeting_detail"),
    path(f"{meeting}attendance/", views.attendance, name="attendance"),
    path(f"{meeting}refresh/", views.refresh, name="refresh"),
    path(f"{meeting}invite/", views.invite, name="invite"),
    path(f"{meeting}close/", views.close, name="close"),
    path(f"{meeting}reopen/", views.reopen, name="reopen"),
    path(f"{meeting}calendar.ics", views.calendar, name="calendar"),
    path(f"{meeting}print/<str:doc>/", views.print_document, name="print"),
    path(f"{meeting}pdf/<str:doc>/", views.pdf_document, name="pdf"),
    path(f"{meeting}items/add/", views.item_add, name="item_add"),
    path(f"{meeting}actions/add/", views.action_add, name="action_add"),
    path(f"{item}minutes/", views.item_minutes, name="item_minutes"),
    path(f"{item}note/", views.item_note, name="item_note"),
    path(f"{item}news/", views.item_news, name="item_news"),
    path(f"{item}presentation/", views.presentation, name="presentation"),
    path(f"{item}decide/<str:kind>/", views.decide, name="decide"),
    path(f"{item}<str:action>/", views.item_action, name="item_action"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
]
