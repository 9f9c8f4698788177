"""Onboarding a region's staff from a spreadsheet in the admin (django-import-export): a preview
that saves nothing, then the confirmed import; the same file twice changes nothing; refusals
shown with their row; roles that open files still wait for a coordinator; no password ever comes
from a file."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from spheres import selectors
from spheres import services as core_services
from spheres.models import Membership, Organisation, Role, RoleGrant, Sector, User

pytestmark = pytest.mark.django_db

XLSX, CSV = "0", "1"  # the admin's format choices, in SpreadsheetAdmin.formats order
ORG_HEADERS = ["Nom", "Nom abrégé", "Secteur"]
STAFF_HEADERS = ["Courriel", "Prénom", "Nom de famille", "Organisation", "Rôles", "Heures"]


def xlsx(headers, rows, name="fichier.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def preview(client, model, upload, file_format=XLSX):
    url = reverse(f"admin:spheres_{model}_import")
    return client.post(url, {"format": file_format, "import_file": upload, "resource": "0"})


def confirm(client, model, response):
    """What the admin's confirm button posts (the file waits in the cache meanwhile)."""
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:spheres_{model}_process_import"), data)


def import_file(client, model, upload, file_format=XLSX):
    shown = preview(client, model, upload, file_format)
    assert shown.status_code == 200
    assert shown.context.get("confirm_form") is not None, errors_of(shown)
    return confirm(client, model, shown)


def errors_of(response):
    """The refusals the preview shows: {row number: {column: [messages]}}."""
    result = response.context["result"]
    return {row.number: row.error_dict for row in result.invalid_rows} or [
        str(e.error) for e in result.base_errors
    ]


@pytest.fixture
def admin_client(login, personas):
    return login(personas["administrator"])


def roles_of(user):
    return selectors.roles_of(User.objects.get(pk=user.pk), fresh=True)


# --- Organisations ------------------------------------------------------------------------------

ORGS = [
    ["Maison des jeunes du Nord (test)", "MJN", "Communautaire"],
    ["CISSS des Laurentides (test)", "CISSSLAU", "institutional"],
]


def test_organisations_import_after_a_preview_that_saves_nothing(admin_client):
    before = Organisation.objects.count()
    shown = preview(admin_client, "organisation", xlsx(ORG_HEADERS, ORGS))
    assert shown.status_code == 200
    assert shown.context["result"].totals["new"] == 2
    assert Organisation.objects.count() == before  # the preview was rolled back
    response = confirm(admin_client, "organisation", shown)
    assert response.status_code == 302
    mjn = Organisation.objects.get(short_name="MJN")
    assert (mjn.name, mjn.sector) == ("Maison des jeunes du Nord (test)", Sector.COMMUNITY)
    assert mjn.group.name == "spheres:organisation:MJN"  # created through the service
    assert Organisation.objects.get(short_name="CISSSLAU").sector == Sector.INSTITUTIONAL


def test_importing_the_same_organisations_twice_changes_nothing(admin_client):
    import_file(admin_client, "organisation", xlsx(ORG_HEADERS, ORGS))
    rows = list(Organisation.objects.order_by("pk").values())
    shown = preview(admin_client, "organisation", xlsx(ORG_HEADERS, ORGS))
    assert shown.context["result"].totals["skip"] == 2
    confirm(admin_client, "organisation", shown)
    assert list(Organisation.objects.order_by("pk").values()) == rows


def test_an_organisation_is_matched_by_short_name_or_name_and_updated(admin_client, organisations):
    rows = [["En Marge (test)", "ENMARGE", "Services spécialisés"]]  # same name, other case
    import_file(admin_client, "organisation", xlsx(ORG_HEADERS, rows))
    enmarge = Organisation.objects.get(pk=organisations["enmarge"].pk)
    assert enmarge.sector == Sector.SPECIALISED
    assert Organisation.objects.filter(name__iexact="En Marge (test)").count() == 1


def test_a_bad_sector_is_shown_with_its_row_and_nothing_is_imported(admin_client):
    rows = [ORGS[0], ["Autre (test)", "AUT", "Ministère"]]
    shown = preview(admin_client, "organisation", xlsx(ORG_HEADERS, rows))
    errors = errors_of(shown)
    assert list(errors) == [2]
    assert "Ministère" in str(errors[2]["Secteur"])
    assert "confirm_form" not in shown.context or shown.context["confirm_form"] is None
    assert not Organisation.objects.filter(short_name__in=["MJN", "AUT"]).exists()


def test_a_file_without_the_expected_columns_is_refused(admin_client):
    shown = preview(admin_client, "organisation", xlsx(["Nom", "Ville"], [["X", "Laval"]]))
    assert "Nom abrégé" in " ".join(errors_of(shown))
    assert not Organisation.objects.filter(name="X").exists()


def test_only_the_admins_people_may_import(login, personas):
    for persona in ("coordinator", "worker_ccsmtl"):
        client = login(personas[persona])
        response = preview(client, "organisation", xlsx(ORG_HEADERS, ORGS))
        assert response.status_code == 302  # the admin sends them to its login: no access
    assert not Organisation.objects.filter(short_name="MJN").exists()


# --- Staff: memberships -------------------------------------------------------------------------


def staff(*rows):
    return xlsx(STAFF_HEADERS, rows)


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Tasks queued after commit run at once (the invitation e-mail)."""
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def test_a_new_person_is_invited_without_a_password(admin_client, organisations, eager):
    row = ["Noa.Tremblay@Import.test", "Noa", "Tremblay", "EnMarge", "Membre du Comité directeur"]
    with eager():
        import_file(admin_client, "membership", staff(row))
    noa = User.objects.get(email="noa.tremblay@import.test")
    assert not noa.has_usable_password()
    assert roles_of(noa) == {Role.STEERING_COMMITTEE}
    # The person chooses a password through the invitation link, sent once the import commits.
    [invitation] = mail.outbox
    assert invitation.to == ["noa.tremblay@import.test"]


def test_the_preview_creates_no_account_and_sends_nothing(admin_client, organisations, eager):
    row = ["noa@import.test", "Noa", "T", "EnMarge", "steering_committee"]
    with eager():
        shown = preview(admin_client, "membership", staff(row))
    assert shown.context["result"].totals["new"] == 1
    assert not User.objects.filter(email="noa@import.test").exists()
    assert mail.outbox == []


def test_roles_that_open_files_wait_for_a_coordinator(admin_client, organisations, personas):
    import_file(
        admin_client,
        "membership",
        staff(
            ["noa@import.test", "Noa", "T", "CCSMTL", "Personne intervenante jeunesse", 35],
            ["eli@import.test", "Éli", "B", "CODIM", "coordinator; Clinical Committee member", ""],
            # An existing person: the role is asked for, not granted.
            [personas["steering"].email, "", "", "CODIM", "Youth worker", ""],
        ),
    )
    noa = User.objects.get(email="noa@import.test")
    assert roles_of(noa) == frozenset()
    grants = RoleGrant.objects.filter(status=RoleGrant.Status.PENDING)
    assert set(grants.values_list("user__email", "role")) == {
        ("noa@import.test", Role.YOUTH_WORKER),
        ("eli@import.test", Role.COORDINATOR),
        ("eli@import.test", Role.CLINICAL_COMMITTEE),
        (personas["steering"].email, Role.YOUTH_WORKER),
    }
    assert Role.YOUTH_WORKER not in roles_of(personas["steering"])
    # The hours wait on the membership, inactive until a coordinator confirms the role.
    membership = Membership.objects.get(user=noa)
    assert (membership.is_active, membership.hours_per_week) == (False, 35)
    grant = grants.get(user=noa)
    core_services.role_grant_confirm(grant=grant, actor=personas["coordinator"])
    membership.refresh_from_db()
    assert (membership.is_active, membership.hours_per_week) == (True, 35)
    assert roles_of(noa) == {Role.YOUTH_WORKER}


def test_importing_the_same_staff_twice_changes_nothing(admin_client, organisations, personas):
    rows = [
        ["noa@import.test", "Noa", "T", "CCSMTL", "youth_worker", 35],
        ["lou@import.test", "Lou", "R", "SPVM", "Membre du Comité directeur", ""],
        [personas["researcher"].email.upper(), "", "", "Recherche", "Researcher", ""],
    ]
    import_file(admin_client, "membership", staff(*rows))

    def state():
        return (
            list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_active")),
            list(Membership.objects.order_by("pk").values()),
            list(RoleGrant.objects.order_by("pk").values()),
        )

    before = state()
    shown = preview(admin_client, "membership", staff(*rows))
    assert shown.context["result"].totals["skip"] == 3
    confirm(admin_client, "membership", shown)
    assert state() == before


def test_an_unknown_role_or_organisation_is_shown_with_its_row(admin_client, organisations):
    shown = preview(
        admin_client,
        "membership",
        staff(
            ["ok@import.test", "Ok", "K", "CCSMTL", "steering_committee", ""],
            ["a@import.test", "A", "B", "CCSMTL", "Directrice", ""],
            ["b@import.test", "B", "C", "Inconnue inc.", "researcher", ""],
            ["pas-une-adresse", "C", "D", "CCSMTL", "researcher", "quarante"],
        ),
    )
    errors = errors_of(shown)
    assert set(errors) == {2, 3, 4}
    assert "Directrice" in str(errors[2]["Rôles"])
    assert "Inconnue inc." in str(errors[3]["Organisation"])
    assert set(errors[4]) == {"Adresse courriel", "Heures par semaine"}
    assert shown.context.get("confirm_form") is None
    assert not User.objects.filter(email__endswith="@import.test").exists()


def test_a_csv_file_works_the_same(admin_client, organisations):
    text = "courriel,prénom,nom,organisation,rôles\r\nzoe@import.test,Zoé,L,enmarge,researcher\r\n"
    upload = io.BytesIO(text.encode())
    upload.name = "equipe.csv"
    import_file(admin_client, "membership", upload, CSV)
    assert roles_of(User.objects.get(email="zoe@import.test")) == {Role.RESEARCHER}


def test_no_column_can_carry_a_password(admin_client, organisations):
    rows = [["noa@import.test", "Noa", "T", "EnMarge", "researcher", "", "Secret-123!"]]
    upload = xlsx([*STAFF_HEADERS, "Mot de passe"], rows)
    import_file(admin_client, "membership", upload)
    assert not User.objects.get(email="noa@import.test").has_usable_password()


def test_a_deactivated_account_is_refused_rather_than_given_roles(
    admin_client, organisations, personas
):
    core_services.user_deactivate(user=personas["researcher"])
    rows = [[personas["researcher"].email, "", "", "CODIM", "steering_committee", ""]]
    errors = errors_of(preview(admin_client, "membership", staff(*rows)))
    assert "désactivé" in str(errors[1]["Adresse courriel"])


# --- Exports: flat, in the reader's language, neutralised ----------------------------------------


def test_the_staff_export_is_flat_and_neutralised(admin_client, personas, organisations):
    person = personas["researcher"]
    person.first_name = '=HYPERLINK("x")'
    person.save()
    url = reverse("admin:spheres_membership_export")
    response = admin_client.post(url, {"format": XLSX, "resource": "0"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Adresse courriel", "Prénom", "Nom de famille", "Organisation", "Rôles",
        "Heures par semaine",
    )  # fmt: skip
    mine = next(r for r in rows if r[0] == person.email)
    assert mine[1] == '\'=HYPERLINK("x")'
    assert mine[3:5] == ("Recherche", "Membre de l’équipe de recherche")


def test_a_row_refused_at_confirmation_undoes_the_whole_import(
    admin_client, organisations, personas
):
    """Something changed between the preview and the confirmation: nothing is half-imported."""
    rows = [
        ["noa@import.test", "Noa", "T", "CCSMTL", "steering_committee", ""],
        ["lou@import.test", "Lou", "R", "EnMarge", "researcher", ""],
    ]
    shown = preview(admin_client, "membership", staff(*rows))
    assert shown.context["result"].totals["new"] == 2
    core_services.organisation_update(
        organisation=organisations["enmarge"],
        name="En Marge (test)",
        short_name="EnMarge",
        sector=Sector.COMMUNITY,
        is_active=False,
    )
    response = confirm(admin_client, "membership", shown)
    assert response.status_code == 302
    assert response.url == reverse("admin:spheres_membership_import")
    assert not User.objects.filter(email__endswith="@import.test").exists()
    page = admin_client.get(response.url)
    assert "Rien n’a été importé" in page.content.decode()


def test_the_import_page_lists_the_columns_in_french(admin_client):
    html = admin_client.get(reverse("admin:spheres_membership_import")).content.decode()
    for column in ("Adresse courriel", "Prénom", "Nom de famille", "Rôles", "Heures par semaine"):
        assert column in html


def test_a_file_too_long_for_one_request_is_refused(admin_client, organisations, monkeypatch):
    monkeypatch.setattr("spheres.resources.MAX_IMPORT_ROWS", 2)
    rows = [[f"p{i}@import.test", "P", "N", "CCSMTL", "researcher", ""] for i in range(3)]
    shown = preview(admin_client, "membership", staff(*rows))
    assert "importez-en au plus 2" in " ".join(errors_of(shown))
    assert shown.context.get("confirm_form") is None


# --- The membership's change form ---------------------------------------------------------------


def test_the_membership_pages_label_every_field_in_french(admin_client, personas):
    membership = personas["steering"].memberships.get()
    pages = [
        reverse("admin:spheres_membership_changelist"),
        reverse("admin:spheres_membership_change", args=[membership.pk]),
    ]
    for url in pages:
        html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr-ca").content.decode()
        # Fields without a verbose name showed as "User" and "Created at" in the French admin.
        assert ">User<" not in html and "User\xa0:" not in html, url
        assert "Created at" not in html, url
        assert "Personne" in html, url
    assert "Date de création" in html


def test_a_role_that_opens_files_ticked_in_the_admin_becomes_a_request(admin_client, personas):
    steering = personas["steering"]
    membership = steering.memberships.get()
    url = reverse("admin:spheres_membership_change", args=[membership.pk])
    response = admin_client.post(
        url,
        {"hours_per_week": "", "roles": [Role.STEERING_COMMITTEE, Role.YOUTH_WORKER]},
        follow=True,
    )
    assert response.status_code == 200
    # Not granted: requested, waiting for the coordinator's confirmation.
    assert Role.YOUTH_WORKER not in roles_of(steering)
    grant = RoleGrant.objects.get(user=steering, role=Role.YOUTH_WORKER)
    assert grant.status == RoleGrant.Status.PENDING
    assert grant.requested_by == personas["administrator"]
    assert "confirmation" in response.content.decode()
    # A role that opens no file is granted at once.
    admin_client.post(
        url, {"hours_per_week": "", "roles": [Role.STEERING_COMMITTEE, Role.RESEARCHER]}
    )
    assert Role.RESEARCHER in roles_of(steering)


def test_a_refused_role_is_not_asked_again_by_importing_the_same_file(
    admin_client, organisations, personas
):
    steering = personas["steering"]
    rows = [[steering.email, "", "", "CODIM", "Youth worker", ""]]
    import_file(admin_client, "membership", staff(*rows))
    grant = RoleGrant.objects.get(user=steering, role=Role.YOUTH_WORKER)
    core_services.role_grant_refuse(grant=grant, actor=personas["coordinator"])

    shown = preview(admin_client, "membership", staff(*rows))
    html = shown.content.decode()
    assert "refusé auparavant, pas redemandé : Personne intervenante jeunesse" in html
    confirm(admin_client, "membership", shown)
    assert list(RoleGrant.objects.filter(user=steering).values_list("status", flat=True)) == [
        RoleGrant.Status.REFUSED
    ]
    assert Role.YOUTH_WORKER not in roles_of(steering)
