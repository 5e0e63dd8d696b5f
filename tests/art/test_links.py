"""Back to the tracker: one function names an item's URL and display key (issue 14)."""

from __future__ import annotations

from typing import Any

from art.config import SourceConfig
from art.links import display_key, item_ref, item_ref_lists, item_url, stored_keys


def _source(**kw: Any) -> SourceConfig:
    return SourceConfig.model_validate({"name": "s", "art": "A", **kw})


JIRA = _source(kind="jira", url="https://acme.atlassian.net/")
ADO = _source(kind="azure-devops", url="https://dev.azure.com/acme", project="Orion Train")
ADO_PREFIXED = _source(
    kind="azure-devops", url="https://dev.azure.com/acme", project="Orion", display_prefix="ORN-"
)


def test_jira_issues_browse_by_key_and_keep_their_key() -> None:
    assert item_url(JIRA, "BLUE-4") == "https://acme.atlassian.net/browse/BLUE-4"
    assert display_key(JIRA, "BLUE-4") == "BLUE-4"


def test_azure_devops_work_items_edit_by_id_and_show_as_the_tracker_does() -> None:
    assert item_url(ADO, "1014") == "https://dev.azure.com/acme/Orion%20Train/_workitems/edit/1014"
    assert display_key(ADO, "1014") == "#1014"


def test_a_display_prefix_replaces_the_hash() -> None:
    assert display_key(ADO_PREFIXED, "1014") == "ORN-1014"
    assert item_ref(ADO_PREFIXED, "1014") == {
        "url": "https://dev.azure.com/acme/Orion/_workitems/edit/1014",
        "display_key": "ORN-1014",
    }


def test_an_unconfigured_source_keeps_the_key_and_has_no_url() -> None:
    assert item_ref(None, "X-1") == {"url": None, "display_key": "X-1"}


def test_prefixed_display_keys_name_stored_ids_per_source() -> None:
    named = _source(
        name="orn", kind="azure-devops", url="https://x", project="P", display_prefix="ORN-"
    )
    assert stored_keys([JIRA, ADO, named], ["ORN-1014", "ORN-", "#7", "BLUE-1"]) == {
        "orn": ("1014",)
    }


def test_many_keys_of_one_source_at_once_as_one_by_one() -> None:
    """A load names every item of an ART at once: the same URLs and display keys, a key
    that needs quoting included."""
    assert item_ref_lists(JIRA, ["BLUE-4", "RED 9/1"]) == (
        [
            "https://acme.atlassian.net/browse/BLUE-4",
            "https://acme.atlassian.net/browse/RED%209%2F1",
        ],
        ["BLUE-4", "RED 9/1"],
    )
    assert item_ref_lists(ADO_PREFIXED, ["1014", "7"]) == (
        [
            "https://dev.azure.com/acme/Orion/_workitems/edit/1014",
            "https://dev.azure.com/acme/Orion/_workitems/edit/7",
        ],
        ["ORN-1014", "ORN-7"],
    )
    assert item_ref_lists(None, ["X-1", "X-2"]) == ([None, None], [None, None])
    for source, keys in ((JIRA, ["BLUE-4", "RED 9/1"]), (ADO, ["1014", "a b"])):
        urls, shown = item_ref_lists(source, keys)
        assert [{"url": u, "display_key": d} for u, d in zip(urls, shown, strict=True)] == [
            item_ref(source, key) for key in keys
        ]
