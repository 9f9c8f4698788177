"""Links to the many rows of a list for the cost of one reverse() per kind of link. A caseload
page has 50 rows with five links each; reverse() per link was a fifth of the page's rendering."""

from uuid import UUID

from django.urls import reverse

_SAMPLE = UUID(int=0)


class Links:
    """`Links(file="referrals:participant_detail", …).of(public_id)` -> {"file": url, …}, each
    what reverse(name, args=[public_id]) returns, for URL patterns whose only argument is the
    object's public id (a UUID)."""

    def __init__(self, **names: str):
        self._parts = {}
        for key, name in names.items():
            head, tail = reverse(name, args=[_SAMPLE]).split(str(_SAMPLE))
            self._parts[key] = (head, tail)

    def of(self, public_id: UUID) -> dict[str, str]:
        public_id = str(UUID(str(public_id)))  # the <uuid:> converter's form
        return {key: f"{head}{public_id}{tail}" for key, (head, tail) in self._parts.items()}
