from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.referral_queue, name="referral_queue"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/submit/", views.referral_submit, name="referral_submit"),
    path("referrals/mine/", views.my_referrals, name="my_referrals"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:public_id>/correct/", views.referral_edit, name="referral_edit"),
    path(
        "referrals/<uuid:public_id>/screening/", views.referral_screening, name="referral_screening"
    ),
    path("referrals/<uuid:public_id>/risk/", views.referral_risk, name="referral_risk"),
    path("referrals/<uuid:public_id>/meeting/", views.referral_meeting, name="referral_meeting"),
    path("referrals/<uuid:public_id>/decision/", views.referral_status, name="referral_status"),
    path("referrals/<uuid:public_id>/admit/", views.referral_admit, name="referral_admit"),
    path("referrals/<uuid:public_id>/assign/", views.referral_assign, name="referral_assign"),
    path("participants/", views.participant_list, name="participant_list"),
    path("participants/<uuid:public_id>/", views.participant_detail, name="participant_detail"),
    path(
        "participants/<uuid:public_id>/assign/", views.participant_assign, name="participant_assign"
    ),
    path(
        "participants/<uuid:public_id>/consents/sharing/",
        views.consent_sharing,
        name="consent_sharing",
    ),
    path(
        "participants/<uuid:public_id>/consents/add/<str:kind>/",
        views.consent_add,
        name="consent_add",
    ),
    path(
        "participants/<uuid:public_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "participants/<uuid:public_id>/consents/<int:consent_id>/scan/",
        views.consent_scan,
        name="consent_scan",
    ),
    path("participants/<uuid:public_id>/dyp/", views.youth_protection, name="youth_protection"),
    path(
        "participants/<uuid:public_id>/confirm-consent/",
        views.imported_consent_confirm,
        name="imported_consent_confirm",
    ),
    path(
        "participants/<uuid:public_id>/group-activities/",
        views.group_activities,
        name="group_activities",
    ),
    path(
        "participants/<uuid:public_id>/identity/",
        views.participant_identity,
        name="participant_identity",
    ),
]
