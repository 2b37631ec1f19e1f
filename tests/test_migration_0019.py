"""Migration 0019 (issue 20): the contact walks' indexes, the same on both backends, up and down."""
import pytest
from playhouse.schema_diff import diff_models

from models import db as dbmod
from models import schema
from models.entities import ALL_MODELS


def _contact_indexes() -> set[str]:
    return {i.name for i in dbmod.current().get_indexes("contact") if not i.name.endswith("_pkey")}


@pytest.mark.both_backends
def test_0019_up_and_down(db_path):
    after = _contact_indexes()
    assert {"contact_follow_up", "contact_child_id_at_reached_staff_id",
            "contact_child_id_kind_at_staff_id_reached"} <= after
    assert not after & {"contact_child_id_at", "contact_child_id_kind_at_staff_id", "contact_staff_id"}
    diff = diff_models(dbmod.current(), ALL_MODELS)
    assert not diff.add_indexes and not diff.drop_indexes, diff

    version_18 = [n for n in schema.known_versions() if int(n[:4]) == 18][0]
    schema._runner().down(target=[n for n in schema.known_versions() if int(n[:4]) == 19][0])
    assert schema.schema_version() == 18 and version_18 in schema.applied_versions()
    before = _contact_indexes()
    assert {"contact_child_id_at", "contact_child_id_kind_at_staff_id", "contact_staff_id"} <= before
    assert not before & {"contact_follow_up", "contact_child_id_at_reached_staff_id",
                         "contact_child_id_kind_at_staff_id_reached"}
    assert schema.migrate() == [n for n in schema.known_versions() if int(n[:4]) >= 19]
    assert _contact_indexes() == after
