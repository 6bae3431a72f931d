"""Toolkit order, filters and pages (reference §14.2)."""

from __future__ import annotations

from cheatcode_contracts.composio import ToolkitInfo
from cheatcode_integrations.domain import catalog


def kit(slug: str, name: str, *categories: str, description: str = "") -> ToolkitInfo:
    return ToolkitInfo(slug=slug, name=name, categories=list(categories), description=description)


TOOLKITS = [
    kit("zendesk", "Zendesk", "Support"),
    kit("slack", "Slack", "Communication", description="Team chat"),
    kit("airtable", "Airtable", "Database"),
    kit("github", "GitHub", "Development", description="Code hosting"),
    kit("asana", "Asana", "Productivity"),
    kit("box", "Box", "Storage"),
]


def slugs(page: object) -> list[str]:
    return [t.slug for t in page.toolkits]  # type: ignore[attr-defined]


def test_featured_first_in_their_order_then_alphabetical() -> None:
    page = catalog.page(TOOLKITS, search=None, category=None, cursor=None, limit=50)
    assert slugs(page) == ["github", "slack", "asana", "airtable", "box", "zendesk"]
    assert page.total == 6 and page.next_cursor is None


def test_search_is_plain_alphabetical_over_name_description_and_slug() -> None:
    assert slugs(catalog.page(TOOLKITS, search="CODE", category=None, cursor=None, limit=50)) == ["github"]
    # "o": Box by its name, GitHub by its description ("Code hosting").
    assert slugs(catalog.page(TOOLKITS, search="o", category=None, cursor=None, limit=50)) == ["box", "github"]
    assert slugs(catalog.page(TOOLKITS, search="a", category=None, cursor=None, limit=50)) == [
        "airtable", "asana", "slack",
    ]  # fmt: skip


def test_category_is_a_case_insensitive_substring() -> None:
    assert slugs(catalog.page(TOOLKITS, search=None, category="develop", cursor=None, limit=50)) == ["github"]
    assert catalog.page(TOOLKITS, search=None, category="nothing", cursor=None, limit=50).total == 0


def test_cursor_is_a_string_offset() -> None:
    first = catalog.page(TOOLKITS, search=None, category=None, cursor=None, limit=4)
    assert first.next_cursor == "4" and len(first.toolkits) == 4
    rest = catalog.page(TOOLKITS, search=None, category=None, cursor=first.next_cursor, limit=4)
    assert slugs(rest) == ["box", "zendesk"] and rest.next_cursor is None
    assert slugs(catalog.page(TOOLKITS, search=None, category=None, cursor="junk", limit=1)) == ["github"]


def test_sixteen_fixed_categories_and_twenty_featured() -> None:
    assert len(catalog.CATEGORIES) == 16 and len(catalog.FEATURED) == 20
