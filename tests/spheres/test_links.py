import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from spheres.links import Links

NAMES = {
    "file": "referrals:participant_detail",
    "note": "followups:note_edit",
    "timeline": "followups:timeline",
}


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_each_link_is_what_reverse_gives(language):
    with translation.override(language):
        links = Links(**NAMES)
        for public_id in (uuid.uuid4(), uuid.UUID(int=0), str(uuid.uuid4()).upper()):
            expected = {
                key: reverse(name, args=[uuid.UUID(str(public_id))]) for key, name in NAMES.items()
            }
            assert links.of(public_id) == expected


def test_a_malformed_id_is_refused_not_put_in_a_link():
    with pytest.raises(ValueError):
        Links(**NAMES).of("../admin/")
