"""De-identification rules of the research export: pure functions, no database.

- research IDs: HMAC-SHA256 of an internal id under a secret key (stable across exports);
- the quasi-identifiers and their generalisation hierarchies (level 0 is what is released when
  nothing needs hiding; each level up is coarser; the last is "*", nothing);
- `k_anonymise`: choose the least generalisation that leaves every combination of
  quasi-identifiers shared by at least k records, suppressing records only when the few left over
  are within the suppression budget.
Formula neutralisation is the core's (spheres.spreadsheets), shared by every spreadsheet.
"""

import hmac
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

ANY = "*"

# --- Research IDs ---------------------------------------------------------------------------------


def research_id(key: str, internal_id: object) -> str:
    """16 hex digits (64 bits) of HMAC-SHA256(key, "participant:<id>"): the same participant gets
    the same research ID in every export made with the same key, and without the key nobody can
    go from an internal id to a research ID or back."""
    return research_ids(key, [internal_id])[0]


def research_ids(key: str, internal_ids: Iterable[object]) -> list[str]:
    """research_id of each: the key is hashed into HMAC's state once, then copied for each id
    (half the cost of a one-shot HMAC per id, for a cohort of thousands)."""
    keyed = hmac.new(key.encode(), digestmod="sha256")
    ids = []
    for internal_id in internal_ids:
        mac = keyed.copy()
        mac.update(f"participant:{internal_id}".encode())
        ids.append(mac.hexdigest()[:16])
    return ids


def worker_codes(key: str, salt: str, worker_ids: Sequence[int]) -> dict[int, str]:
    """Per-export worker codes (W01, W02…) in an order drawn from a keyed hash of the export:
    the same worker has a different code in another export, and the order says nothing."""
    ordered = sorted(
        set(worker_ids),
        key=lambda pk: hmac.new(key.encode(), f"worker:{salt}:{pk}".encode(), "sha256").digest(),
    )
    width = max(2, len(str(len(ordered))))
    return {pk: f"W{index:0{width}d}" for index, pk in enumerate(ordered, start=1)}


# --- Main activities (free text) -------------------------------------------------------------

WITHHELD = ANY  # an activity not released: "*", as every other withheld value


def _words(text: str) -> set[str]:
    """The words of a text, without case or accents ("Marie-Ève" gives marie-eve, marie, eve)."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    found = set()
    for word in re.split(r"[^a-z0-9'-]+", folded):
        word = word.strip("-'")
        if len(word) >= 2:
            found.add(word)
            found.update(part for part in re.split(r"[-']", word) if len(part) >= 2)
    return found


def name_words(names: Iterable[str]) -> set[str]:
    return {word for name in names for word in _words(name)}


def activity_key(text: str | None) -> str:
    """A main activity as the program compares them (research.notemonths: lower case, no
    surrounding spaces)."""
    return (text or "").strip(" ").lower()


def released_activities(
    pairs: Iterable[tuple[str, int]], exported: set[int], k: int, names: set[str]
) -> tuple[set[str], int]:
    """The main activities a worker typed are free text: one can name the youth, a peer or a
    worker. Released (as activity_key gives them) are those recorded for at least k of the
    exported participants that hold none of the words of `names` (everyone the program knows
    by name); any other becomes WITHHELD. `pairs`: (activity, participant id), distinct.
    Returns the released texts and how many others were withheld."""
    by_activity: dict[str, set[int]] = {}
    for activity, participant in pairs:
        if participant in exported and activity:
            by_activity.setdefault(activity, set()).add(participant)
    released = {
        activity
        for activity, participants in by_activity.items()
        if len(participants) >= k and not (_words(activity) & names)
    }
    return released, len(by_activity) - len(released)


# --- Quasi-identifiers at level 0 ---------------------------------------------------------------


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


WOMAN = {"femme", "f", "fille", "woman", "female", "girl", "feminin", "jeune femme"}
MAN = {"homme", "h", "m", "garcon", "man", "male", "boy", "masculin", "jeune homme"}


def gender_code(gender_identity: str) -> str:
    """The free text is never released: it becomes woman, man, other (every other identity) or
    not_recorded."""
    plain = _plain(gender_identity)
    if not plain:
        return "not_recorded"
    if plain in WOMAN:
        return "woman"
    if plain in MAN:
        return "man"
    return "other"


# Québec administrative regions recognised in the free-text area of residence, by place names
# (accents and case ignored). The first match wins, so Montréal boroughs come before the rest.
REGION_PLACES: list[tuple[str, list[str]]] = [
    (
        "montreal",
        [
            "montreal",
            "ville marie",
            "plateau",
            "hochelaga",
            "maisonneuve",
            "rosemont",
            "petite patrie",
            "villeray",
            "saint michel",
            "parc extension",
            "cote des neiges",
            "notre dame de grace",
            "ndg",
            "sud ouest",
            "verdun",
            "lasalle",
            "lachine",
            "saint laurent",
            "ahuntsic",
            "cartierville",
            "saint leonard",
            "anjou",
            "riviere des prairies",
            "pointe aux trembles",
            "pierrefonds",
            "roxboro",
            "outremont",
            "mont royal",
            "westmount",
            "dorval",
            "pointe claire",
            "kirkland",
            "beaconsfield",
            "ile bizard",
            "mercier",
            "centre sud",
            "griffintown",
            "saint henri",
            "pointe saint charles",
            "cote saint luc",
            "hampstead",
        ],
    ),
    ("laval", ["laval", "chomedey", "sainte rose", "vimont", "auteuil", "fabreville"]),
    (
        "monteregie",
        [
            "longueuil",
            "brossard",
            "saint hubert",
            "boucherville",
            "saint lambert",
            "saint jean sur richelieu",
            "granby",
            "saint hyacinthe",
            "chateauguay",
            "vaudreuil",
            "saint bruno",
            "la prairie",
            "candiac",
            "sorel",
            "valleyfield",
        ],
    ),
    (
        "laurentides",
        [
            "saint jerome",
            "blainville",
            "mirabel",
            "sainte therese",
            "boisbriand",
            "saint eustache",
            "deux montagnes",
            "mont tremblant",
            "sainte agathe",
        ],
    ),
    ("lanaudiere", ["terrebonne", "repentigny", "joliette", "mascouche", "lachenaie"]),
    (
        "capitale_nationale",
        ["ville de quebec", "quebec city", "limoilou", "charlesbourg", "beauport", "sainte foy"],
    ),
    ("outaouais", ["gatineau", "hull", "aylmer", "outaouais"]),
    ("estrie", ["sherbrooke", "magog", "estrie"]),
    ("mauricie", ["trois rivieres", "shawinigan", "mauricie"]),
    ("saguenay_lac_saint_jean", ["saguenay", "chicoutimi", "jonquiere", "alma"]),
]
_REGION_PATTERNS = [
    (region, re.compile(r"\b(" + "|".join(re.escape(p) for p in places) + r")\b"))
    for region, places in REGION_PLACES
]


def region_code(residence_area: str) -> str:
    """The free-text area never leaves: only the administrative region it names, other_region
    when none is recognised, not_recorded when empty."""
    plain = _plain(residence_area)
    if not plain:
        return "not_recorded"
    for region, pattern in _REGION_PATTERNS:
        if pattern.search(plain):
            return region
    return "other_region"


def age_band(age: int, width: str) -> str:
    if width == "3":
        if age <= 14:
            return "12-14"
        if age <= 17:
            return "15-17"
        return "18-20" if age <= 20 else "21-24"
    return "12-17" if age < 18 else "18-24"


def _entry_quarter(year_month: str) -> str:
    year, month = year_month.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


PARTNER_SECTORS = {"institutional", "community", "police", "specialised", "research"}


# --- Generalisation hierarchies -----------------------------------------------------------------


@dataclass(frozen=True)
class QuasiIdentifier:
    """A column whose values, combined, could single a person out. `levels[i](value)` gives the
    value at generalisation level i from the level-0 value; the last level is always ANY.
    `costs[i]` is what level i costs the evaluation (0 = nothing lost, 1 = the column is gone)."""

    name: str
    levels: tuple[Callable[[object], object], ...]
    level_names: tuple[str, ...]
    costs: tuple[float, ...]

    @property
    def top(self) -> int:
        return len(self.levels) - 1


def _any(_value) -> str:
    return ANY


QUASI_IDENTIFIERS: tuple[QuasiIdentifier, ...] = (
    QuasiIdentifier(
        "gender",
        (lambda v: v, _any),
        ("woman / man / other / not recorded", "*"),
        (0.0, 1.0),
    ),
    QuasiIdentifier(
        "age_at_entry",
        (lambda v: v, lambda v: age_band(v, "3"), lambda v: age_band(v, "minor"), _any),
        ("years", "3-year bands", "12-17 / 18-24", "*"),
        (0.0, 0.2, 0.5, 1.0),
    ),
    QuasiIdentifier(
        "region",
        (
            lambda v: v,
            lambda v: v if v in ("montreal", "not_recorded") else "outside_montreal",
            _any,
        ),
        ("administrative region", "Montréal / outside Montréal", "*"),
        (0.0, 0.2, 0.6),
    ),
    QuasiIdentifier(
        "referring_sector",
        (
            lambda v: v,
            lambda v: "program_partner" if v in PARTNER_SECTORS else v,
            _any,
        ),
        ("sector", "program partner / outside the program", "*"),
        (0.0, 0.5, 1.0),
    ),
    QuasiIdentifier(
        "entry",
        (lambda v: v, _entry_quarter, lambda v: v[:4], _any),
        ("year-month", "year-quarter", "year", "*"),
        (0.0, 0.1, 0.25, 1.0),
    ),
)
# The costs above say what the evaluation loses: its questions turn on gender, age, referral
# sector and time since entry (so a year is cheap, a month cheaper still); area matters least.
# Suppressing every record would cost SUPPRESSION_WEIGHT.
SUPPRESSION_WEIGHT = 1.0


@dataclass
class Anonymised:
    """What k_anonymise decided: the level per quasi-identifier, the released values per record
    (None for a suppressed record), and what it did, for the manifest."""

    k: int
    levels: dict[str, int]
    values: list[dict | None]
    suppressed: int
    gender_merged: list[str] = field(default_factory=list)

    @property
    def released(self) -> int:
        return sum(v is not None for v in self.values)

    def describe(self) -> dict:
        names = {qi.name: qi for qi in QUASI_IDENTIFIERS}
        return {
            "k": self.k,
            "levels": {n: names[n].level_names[level] for n, level in self.levels.items()},
            "suppressed": self.suppressed,
            "released": self.released,
            "gender_merged_into_other": self.gender_merged,
        }


def _node_columns(columns: dict, node: tuple[int, ...]) -> list[list]:
    return [columns[qi.name][lv] for qi, lv in zip(QUASI_IDENTIFIERS, node, strict=True)]


def k_anonymise(records: list[dict], *, k: int, max_suppression_percent: float) -> Anonymised:
    """records: level-0 values of every quasi-identifier, one dict per participant.

    First the rare gender identities (fewer than k) become "other". Then every combination of
    generalisation levels (a lattice of at most a few hundred nodes) is tried: among those that
    leave at most max_suppression_percent of the records (rounded down) in groups smaller than
    k, the one that costs least (the levels' costs, plus the share suppressed) wins. Only the
    records still in too-small groups there are suppressed, so every released combination of
    quasi-identifiers occurs at least k times. The top of the lattice (everything "*") is always
    acceptable when there are at least k records; with fewer, all are suppressed."""
    records = [dict(r) for r in records]
    genders = Counter(r["gender"] for r in records)
    merged = sorted(g for g, n in genders.items() if n < k and g != "other")
    if merged:
        for r in records:
            if r["gender"] in merged:
                r["gender"] = "other"
    n = len(records)
    budget = math.floor(n * max_suppression_percent / 100)
    # Each quasi-identifier's column at each level, computed once (each distinct value
    # generalised once: a column has a few dozen of them for thousands of records).
    columns = {}
    for qi in QUASI_IDENTIFIERS:
        base = [r[qi.name] for r in records]
        distinct = set(base)
        columns[qi.name] = [
            [mapped[v] for v in base]
            for mapped in ({v: level(v) for v in distinct} for level in qi.levels)
        ]
    # Nodes by the cost of their levels, which is what suppression can only add to: once a node's
    # levels alone cost more than the best found (ties: the lower node wins), no later one can win.
    nodes = sorted(
        (sum(qi.costs[lv] for qi, lv in zip(QUASI_IDENTIFIERS, node, strict=True)), node)
        for node in itertools.product(*(range(qi.top + 1) for qi in QUASI_IDENTIFIERS))
    )
    best = None
    for levels_cost, node in nodes:
        if best is not None and (levels_cost, node) > (best[0], best[1]):
            break
        counts = Counter(zip(*_node_columns(columns, node), strict=True))
        small = sum(c for c in counts.values() if c < k)
        if small > budget and any(node[i] < qi.top for i, qi in enumerate(QUASI_IDENTIFIERS)):
            continue
        cost = levels_cost + (SUPPRESSION_WEIGHT * small / n if n else 0)
        if best is None or (cost, node) < (best[0], best[1]):
            best = (cost, node, counts)
    _cost, node, counts = best
    keys = zip(*_node_columns(columns, node), strict=True)  # the chosen node's, once
    names = [qi.name for qi in QUASI_IDENTIFIERS]
    values: list[dict | None] = [
        None if counts[key] < k else dict(zip(names, key, strict=True)) for key in keys
    ]
    return Anonymised(
        k=k,
        levels=dict(zip(names, node, strict=True)),
        values=values,
        suppressed=sum(v is None for v in values),
        gender_merged=merged,
    )
