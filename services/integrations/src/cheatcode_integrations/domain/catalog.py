"""The toolkit catalog's order, filters and pages (reference §14.2), pure."""

from __future__ import annotations

from collections.abc import Sequence

from cheatcode_contracts.composio import TOOLKIT_CATEGORIES, ToolkitInfo, ToolkitPage

FEATURED: tuple[str, ...] = (
    "github", "slack", "gmail", "notion", "linear", "google_sheets", "google_drive", "google_calendar",
    "jira", "discord", "asana", "trello", "airtable", "hubspot", "salesforce", "stripe", "twitter",
    "figma", "dropbox", "zoom",
)  # fmt: skip
_RANK = {slug: index for index, slug in enumerate(FEATURED)}

CATEGORIES = TOOLKIT_CATEGORIES


def _matches(toolkit: ToolkitInfo, search: str | None, category: str | None) -> bool:
    if search:
        needle = search.lower()
        if not any(needle in text.lower() for text in (toolkit.name, toolkit.description, toolkit.slug)):
            return False
    if category:
        wanted = category.lower()
        if not any(wanted in value.lower() for value in toolkit.categories):
            return False
    return True


def ordered(toolkits: Sequence[ToolkitInfo], *, searching: bool) -> list[ToolkitInfo]:
    """Featured first in their fixed order, then alphabetical; plain alphabetical when searching."""
    by_name = sorted(toolkits, key=lambda t: (t.name.lower(), t.slug))
    if searching:
        return by_name
    return sorted(by_name, key=lambda t: _RANK.get(t.slug, len(FEATURED)))


def page(
    toolkits: Sequence[ToolkitInfo], *, search: str | None, category: str | None, cursor: str | None, limit: int
) -> ToolkitPage:
    chosen = ordered([t for t in toolkits if _matches(t, search, category)], searching=bool(search))
    try:
        offset = max(int(cursor or 0), 0)
    except ValueError:
        offset = 0
    window = chosen[offset : offset + limit]
    more = offset + limit < len(chosen)
    return ToolkitPage(toolkits=window, next_cursor=str(offset + limit) if more else None, total=len(chosen))


def find(toolkits: Sequence[ToolkitInfo], slug: str) -> ToolkitInfo | None:
    return next((t for t in toolkits if t.slug == slug), None)
