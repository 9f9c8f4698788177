"""How people wrote the workbook's labels and drop-down values, mapped to the system's values.

Labels and values are compared without case, accents, punctuation at the ends or repeated
spaces. Each drop-down accepts the workbook's French spellings, the guide's English wording and
the labels the system itself shows (in French and in English)."""

import functools
import re
import unicodedata

from django.utils import translation

from followups.models import Channel, NoContactReason, RiskLevel, Satisfaction, TargetedNeed

_SPACES = re.compile(r"\s+")


def plain(text) -> str:
    """Lower case, no accents, single spaces, no colon or full stop at the ends."""
    if text is None:
        return ""
    return _plain(text if isinstance(text, str) else str(text))


# The same few labels and drop-down values come back on every row of a workbook.
@functools.lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u00a0", " ").lower()
    text = _SPACES.sub(" ", text).strip()
    return text.strip(" :.-*").strip()


def _our_labels(choices) -> dict[str, str]:
    """The labels the system shows for each value, in both languages."""
    found = {}
    for language in ("fr", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                found[plain(label)] = str(value)
    for value in choices.values:
        found[plain(value)] = str(value)
    return found


def _table(choices, spellings: dict[str, list[str]]) -> dict[str, str]:
    table = _our_labels(choices)
    for value, words in spellings.items():
        for word in words:
            table[plain(word)] = str(value)
    return table


_SATISFACTION = {
    Satisfaction.DISSATISFIED: ["insatisfait", "insatisfaite", "pas satisfait", "dissatisfied",
                                "not satisfied", "unsatisfied"],
    Satisfaction.SOMEWHAT: ["plutot satisfait", "plutot satisfaite", "moyennement satisfait",
                            "somewhat satisfied", "fairly satisfied"],
    Satisfaction.SATISFIED: ["satisfait", "satisfaite", "satisfied"],
    Satisfaction.VERY: ["tres satisfait", "tres satisfaite", "very satisfied"],
}  # fmt: skip
_NEED = {
    TargetedNeed.EMERGENCY: ["urgence", "emergency", "urgent"],
    TargetedNeed.STABILITY: ["stabilite", "stability"],
    TargetedNeed.PARTICIPATION: ["participation"],
    TargetedNeed.RECOVERY: ["retablissement", "recovery"],
    TargetedNeed.RELATIONSHIP: ["relation", "relations", "relationship", "relationnel"],
}
_NO_CONTACT = {
    NoContactReason.NOT_SCHEDULED: ["rencontre/comm. non prevue", "rencontre/comm non prevue",
                                    "rencontre non prevue", "non prevue", "not scheduled",
                                    "meeting/communication not scheduled"],
    NoContactReason.NO_NEWS: ["pas de nouvelles", "aucune nouvelle", "no news"],
    NoContactReason.IMPOSSIBLE: ["impossible (ex. : therapie fermee)", "impossible",
                                 "impossible (ex.: therapie fermee)",
                                 "impossible (e.g. closed therapy)"],
    NoContactReason.WITHDRAWAL: ["retrait du projet", "retrait", "withdrawal from project",
                                 "withdrawal from the project", "withdrawal"],
    NoContactReason.OTHER: ["autre raison", "autre", "other reason", "other"],
}  # fmt: skip
_RISK = {
    RiskLevel.RED: ["rouge", "red", "feu rouge"],
    RiskLevel.YELLOW: ["jaune", "yellow", "feu jaune"],
    RiskLevel.GREEN: ["vert", "verte", "green", "feu vert"],
    RiskLevel.NONE: ["aucune", "aucun", "none", "aucun risque"],
}
_CHANNELS = {
    Channel.PHONE: ["telephone", "tel", "appel", "appels", "appel telephonique", "phone",
                    "phone call", "call", "cellulaire", "cell"],
    Channel.TEXT: ["texto", "textos", "sms", "text", "texts", "text message", "message texte",
                   "messages textes"],
    Channel.MESSENGER: ["messenger", "facebook", "fb", "facebook messenger"],
    Channel.EMAIL: ["courriel", "courriels", "email", "e-mail", "mail", "courrier electronique"],
    Channel.VIDEO: ["video", "videoconference", "zoom", "teams", "facetime"],
    Channel.OTHER: ["autre", "autres", "other"],
}  # fmt: skip
# Cells that say "nothing" in a communications column.
NOTHING = {"", "non", "no", "aucune", "aucun", "none", "n/a", "na", "0", "-", "x non"}
YES = {"oui", "o", "yes", "y", "x", "vrai", "true", "fait", "1"}
NO = {"non", "n", "no", "faux", "false", "pas fait", "0"}

_TABLES: dict[str, dict[str, str]] = {}


def table(kind: str) -> dict[str, str]:
    """The lookup for one drop-down (built once: it reads the translation catalogues)."""
    if kind not in _TABLES:
        _TABLES[kind] = {
            "satisfaction": lambda: _table(Satisfaction, _SATISFACTION),
            "need": lambda: _table(TargetedNeed, _NEED),
            "no_contact": lambda: _table(NoContactReason, _NO_CONTACT),
            "risk": lambda: _table(RiskLevel, _RISK),
            "channel": lambda: _table(Channel, _CHANNELS),
        }[kind]()
    return _TABLES[kind]


_CHOICES = {"satisfaction": Satisfaction, "need": TargetedNeed, "no_contact": NoContactReason}


def expected(kind: str) -> str:
    """A drop-down's values as the system shows them (active language), for messages."""
    return "; ".join(str(label) for label in _CHOICES[kind].labels)


_TRAFFIC_LIGHT = re.compile(r"\bfeu (rouge|jaune|vert)\b|\((rouge|jaune|vert|red|yellow|green)\)")


def risk_level(text) -> str | None:
    """Rouge/jaune/vert/aucune, in any of the accepted wordings, or the guide's full sentence
    ("… jugée dangereuse (feu rouge)"). None when nothing is recognised."""
    key = plain(text)
    found = table("risk").get(key)
    if found:
        return found
    light = _TRAFFIC_LIGHT.search(key)
    if light:
        return table("risk")[light.group(1) or light.group(2)]
    if key.startswith(("aucune", "aucun", "none", "no selling", "pas de vente")):
        return RiskLevel.NONE
    return None


_CHANNEL_SPLIT = re.compile(r"\s*(?:,|;|/|\+|&|\bet\b|\band\b|\n)\s*")


def channels(text) -> tuple[list[str], list[str]]:
    """(channels recognised, words not recognised) in an "other communications" cell."""
    key = plain(text)
    if key in NOTHING:
        return [], []
    found, unknown = [], []
    for word in _CHANNEL_SPLIT.split(key):
        word = word.strip(" .:-()")
        if not word:
            continue
        value = table("channel").get(word)
        if value is None:
            unknown.append(word)
        elif value not in found:
            found.append(value)
    return found, unknown
