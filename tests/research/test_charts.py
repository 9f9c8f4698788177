"""The dashboard's charts are images the browser asks for after the page: drawn from the figures
the page just published for that viewer, and for nobody else."""

import re

import pytest
from django.urls import reverse

from tests.research.test_views import bulk_followups

pytestmark = pytest.mark.django_db

CHART = re.compile(r'<img class="dashboard-chart" src="([^"]+)"')


@pytest.fixture
def program(bulk_participants, personas):
    """Twelve participants of worker_ccsmtl with eight weeks of notes: enough for a Steering
    member to see counts, hence charts."""
    participants = bulk_participants(12)
    bulk_followups(participants, personas["worker_ccsmtl"])
    return participants


def chart_urls(client) -> list[str]:
    response = client.get(reverse("research:dashboard"))
    assert response.status_code == 200
    urls = CHART.findall(response.content.decode())
    assert urls  # there is something to draw
    return urls


@pytest.mark.parametrize("persona", ["coordinator", "steering", "worker_ccsmtl"])
def test_every_chart_of_the_page_is_an_svg_image(persona, login, personas, program):
    client = login(personas[persona])
    for url in chart_urls(client):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.startswith(b"<svg")
        # The image keeps its own style and never runs a script.
        assert "script-src 'none'" in response["Content-Security-Policy"]


def test_a_steering_chart_shows_no_name(login, personas, program):
    client = login(personas["steering"])
    names = [p.referral.last_name for p in program] + [p.youth_id for p in program]
    names += [personas[w].last_name for w in ("worker_ccsmtl", "worker_codim", "worker_enmarge")]
    for url in chart_urls(client):
        svg = client.get(url).content.decode()
        for name in names:
            assert name not in svg


@pytest.mark.parametrize(
    ("owner", "other", "status"),
    [
        ("coordinator", "steering", 404),  # another level: the coordinator's exact figures
        ("worker_ccsmtl", "worker_codim", 404),  # another worker's caseload
        ("steering", "police", 403),  # no dashboard at all
    ],
)
def test_nobody_else_gets_a_viewers_charts(owner, other, status, login, personas, program):
    url = chart_urls(login(personas[owner]))[0]
    assert login(personas[other]).get(url).status_code == status


def test_an_unknown_chart_is_not_found(login, personas, program):
    client = login(personas["steering"])
    url = chart_urls(client)[0]
    figure = url.rsplit("/", 1)[1]
    assert client.get(url.replace(figure, "nothing.svg")).status_code == 404
    unknown = reverse("research:dashboard_chart", args=["0" * 64, figure.removesuffix(".svg")])
    assert client.get(unknown).status_code == 404


@pytest.mark.parametrize("kind", ["bar", "stacked", "hbar", "line", "stacked_by_column"])
@pytest.mark.parametrize("legends", [1, 2, 3, 4, 5, 7])
def test_every_legend_row_is_inside_the_image(kind, legends):
    """As an <img>, nothing outside the SVG's viewBox shows: the legend's last row, when not
    full, used to fall below it (the stacked referrals chart hid "Toujours en cours")."""
    from research.dashboards import charts
    from research.dashboards.tables import Published

    months = [f"septembre {2000 + k}" for k in range(12)]
    names = [f"Série numéro {k}" for k in range(legends)]
    columns = len(names) if kind == "stacked_by_column" else 12
    series = [(name, [k + 1] * columns) for k, name in enumerate(names)]
    if kind == "stacked_by_column":
        # Its legend is the x labels: as many as `legends`, its axis the series' names.
        series = [(m, [k + 1] * legends) for k, m in enumerate(months)]
        labels = names
    else:
        labels = months
    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart=kind,
        series=series, x_labels=labels,
    )  # fmt: skip
    svg = charts.svg(published).decode()
    height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))
    legend = re.search(r'<g transform="translate\(([\d.]+), ([\d.]+)\)" class="legends">', svg)
    tops = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="12" height="12"',
                                         svg[legend.end():])]  # fmt: skip
    assert len(tops) == legends
    lowest = float(legend.group(2)) + max(tops) + 12  # the last row's box (text as tall)
    assert lowest <= height - 4, (lowest, height)


def axis_numbers(svg: str) -> list[float]:
    start = svg.index('<g class="axis')
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg[start : svg.index('class="legends"')])
    return [float(t) for t in texts if re.fullmatch(r"-?\d+(\.\d+)?", t)]


@pytest.mark.parametrize("kind", ["bar", "stacked", "hbar", "line", "stacked_by_column"])
def test_a_count_axis_marks_whole_numbers_only(kind):
    """A count of 1 on an axis marked 0.1, 0.2… reads as if there were fractions of people."""
    from research.dashboards import charts
    from research.dashboards.tables import Published

    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart=kind,
        series=[("Période précédente", [0, 0, 1]), ("Cette période", [1, 0, 0])],
        x_labels=["Orienté·e vers une autre ressource", "A refusé", "Autre"],
    )  # fmt: skip
    numbers = axis_numbers(charts.svg(published).decode())
    assert numbers and 0 in numbers and max(numbers) >= 1
    assert all(n.is_integer() for n in numbers), numbers


def test_a_measure_axis_keeps_its_decimals():
    from research.dashboards import charts
    from research.dashboards.tables import Published

    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart="line",
        series=[("Médiane", [1.5, 2.25, 3])], x_labels=["a", "b", "c"],
    )  # fmt: skip
    assert not all(n.is_integer() for n in axis_numbers(charts.svg(published).decode()))


def test_a_horizontal_charts_legends_have_a_line_each():
    """Its legends sit under the plot, narrowed by long row labels: side by side they overlap."""
    from research.dashboards import charts
    from research.dashboards.tables import Published

    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart="hbar",
        series=[("Période précédente", [1, 2]), ("Cette période", [2, 1])],
        x_labels=["Ne résidait pas dans le territoire et ne le fréquentait pas", "Autre"],
    )  # fmt: skip
    svg = charts.svg(published).decode()
    legends = svg[svg.index('class="legends"') :]
    boxes = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="12" height="12"', legends)
    assert len(boxes) == 2
    assert boxes[0][0] == boxes[1][0] and boxes[0][1] != boxes[1][1]


def label(svg: str, text: str) -> str:
    return re.search(rf"<text[^>]*>{re.escape(text)}</text>", svg).group(0)


def test_the_months_of_a_chart_stacked_by_column_are_slanted_not_run_together():
    """Follow-ups by status: six statuses in the table's columns, twelve months along the axis."""
    from research.dashboards import charts
    from research.dashboards.tables import Published

    months = [f"septembre {2000 + k}" for k in range(12)]
    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart="stacked_by_column",
        series=[(m, [1, 2, 0]) for m in months], x_labels=["Actif", "En pause", "Terminé"],
    )  # fmt: skip
    assert "rotate(30" in label(charts.svg(published).decode(), months[0])


def test_a_horizontal_chart_reads_from_the_top_in_the_tables_order():
    from research.dashboards import charts
    from research.dashboards.tables import Published

    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart="hbar",
        series=[("Semaines", [30, 20, 10])],
        x_labels=["La plus fréquente", "Deuxième", "Troisième"],
    )  # fmt: skip
    svg = charts.svg(published).decode()

    def y(text):
        return float(re.search(r'y="([\d.]+)"', label(svg, text)).group(1))

    assert y("La plus fréquente") < y("Deuxième") < y("Troisième")


def test_long_legends_do_not_run_into_each_other():
    """Weeks by kind of contact: eight legends of up to 44 characters, under a 760 px chart."""
    from research.dashboards import charts
    from research.dashboards.tables import Published

    names = [
        "Rencontre en personne",
        "Aucun contact : Rencontre/comm. non prévue",
        "Aucun contact : Pas de nouvelles",
        "Aucun contact : Impossible (ex. : thérapie fermée)",
        "Aucun contact : Retrait du projet",
        "Aucun contact : Autre raison",
    ]
    published = Published(
        key="k", title="t", description="", headers=[], body=[], chart="stacked",
        series=[(name, [1, 2]) for name in names], x_labels=["a", "b"],
    )  # fmt: skip
    svg = charts.svg(published).decode()
    legends = svg[svg.index('class="legends"') :]
    boxes = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="12"', legends)]
    columns = sorted(set(boxes))
    room = min(b - a for a, b in zip(columns, columns[1:], strict=False))
    assert room >= 17 + 7 * charts.LEGEND_LONGEST  # box, then the longest name shown
