"""The Composio double's catalog: toolkits as ``GET /api/v3/toolkits`` lists them, their
details (auth config fields) and tools (``GET /api/v3/tools``), shaped like Composio's."""

from __future__ import annotations

from typing import Any

# slug, name, categories, description, auth scheme, initiation fields (required)
_SPECS: tuple[tuple[str, str, tuple[str, ...], str, str, tuple[str, ...]], ...] = (
    ("github", "GitHub", ("Development",), "Code hosting, issues and pull requests.", "OAUTH2", ()),
    ("slack", "Slack", ("Communication",), "Team messaging: channels, messages, reactions.", "OAUTH2", ()),
    ("gmail", "Gmail", ("Email", "Communication"), "Google's email: send, search and label mail.", "OAUTH2", ()),
    ("notion", "Notion", ("Productivity",), "Docs, wikis and databases in one workspace.", "OAUTH2", ()),
    ("linear", "Linear", ("Development", "Productivity"), "Issue tracking for software teams.", "OAUTH2", ()),
    ("google_sheets", "Google Sheets", ("Productivity",), "Spreadsheets in the browser.", "OAUTH2", ()),
    ("google_drive", "Google Drive", ("Storage",), "File storage and sharing.", "OAUTH2", ()),
    ("google_calendar", "Google Calendar", ("Calendar", "Productivity"), "Events and schedules.", "OAUTH2", ()),
    ("jira", "Jira", ("Development",), "Atlassian's issue and project tracker.", "OAUTH2", ("subdomain",)),
    ("discord", "Discord", ("Communication", "Social Media"), "Voice, video and text communities.", "OAUTH2", ()),
    ("asana", "Asana", ("Productivity",), "Work management for teams.", "OAUTH2", ()),
    ("trello", "Trello", ("Productivity",), "Boards, lists and cards.", "OAUTH1", ()),
    ("airtable", "Airtable", ("Database", "Productivity"), "Spreadsheet-database hybrid.", "OAUTH2", ()),
    ("hubspot", "HubSpot", ("CRM", "Marketing"), "CRM, marketing and sales platform.", "OAUTH2", ()),
    ("salesforce", "Salesforce", ("CRM",), "Customer relationship management.", "OAUTH2", ()),
    ("stripe", "Stripe", ("Finance", "E-commerce"), "Online payments.", "API_KEY", ("api_key",)),
    ("twitter", "Twitter", ("Social Media",), "Posts, timelines and followers on X.", "OAUTH2", ()),
    ("figma", "Figma", ("Development",), "Collaborative interface design.", "OAUTH2", ()),
    ("dropbox", "Dropbox", ("Storage",), "Cloud file storage.", "OAUTH2", ()),
    ("zoom", "Zoom", ("Communication",), "Video meetings and webinars.", "OAUTH2", ()),
    ("zendesk", "Zendesk", ("Support",), "Customer service tickets.", "OAUTH2", ("subdomain",)),
    ("intercom", "Intercom", ("Support", "CRM"), "Customer messaging.", "OAUTH2", ()),
    ("mailchimp", "Mailchimp", ("Marketing", "Email"), "Email marketing campaigns.", "OAUTH2", ()),
    ("shopify", "Shopify", ("E-commerce",), "Online stores: products, orders.", "API_KEY", ("shop", "api_key")),
    ("bamboohr", "BambooHR", ("HR",), "HR software for small businesses.", "API_KEY", ("subdomain", "api_key")),
    ("mixpanel", "Mixpanel", ("Analytics",), "Product analytics.", "API_KEY", ("api_key",)),
    ("openai", "OpenAI", ("AI",), "Models for text, images and embeddings.", "API_KEY", ("api_key",)),
    ("supabase", "Supabase", ("Database", "Development"), "Postgres database with APIs.", "API_KEY", ("api_key",)),
    ("outlook", "Outlook", ("Email", "Calendar"), "Microsoft mail and calendar.", "OAUTH2", ()),
    ("calendly", "Calendly", ("Calendar",), "Scheduling links.", "OAUTH2", ()),
    ("box", "Box", ("Storage",), "Content cloud for businesses.", "OAUTH2", ()),
    ("quickbooks", "QuickBooks", ("Finance",), "Accounting for small businesses.", "OAUTH2", ()),
    ("youtube", "YouTube", ("Social Media", "Marketing"), "Videos, playlists and channels.", "OAUTH2", ()),
    ("hackernews", "Hacker News", ("Social Media",), "Tech news and discussion (no auth).", "NO_AUTH", ()),
)


def _category(name: str) -> dict[str, str]:
    return {"id": name.lower().replace(" ", "-"), "name": name}


def _item(spec: tuple[str, str, tuple[str, ...], str, str, tuple[str, ...]]) -> dict[str, Any]:
    slug, name, categories, description, scheme, _ = spec
    return {
        "name": name,
        "slug": slug,
        "auth_schemes": [scheme],
        "composio_managed_auth_schemes": [scheme] if scheme.startswith("OAUTH") else [],
        "is_local_toolkit": False,
        "no_auth": scheme == "NO_AUTH",
        "meta": {
            "description": description,
            "logo": f"https://logos.composio.dev/api/{slug}",
            "app_url": f"https://{slug.replace('_', '')}.com",
            "categories": [_category(category) for category in categories],
            "tools_count": 3,
            "triggers_count": 0,
            "created_at": "2025-03-01T00:00:00Z",
            "updated_at": "2026-10-01T00:00:00Z",
        },
    }


TOOLKITS: list[dict[str, Any]] = [_item(spec) for spec in _SPECS]
_BY_SLUG = {spec[0]: spec for spec in _SPECS}


def toolkit_detail(slug: str) -> dict[str, Any] | None:
    spec = _BY_SLUG.get(slug)
    if spec is None:
        return None
    detail = _item(spec)
    scheme, fields = spec[4], spec[5]
    detail["auth_config_details"] = [
        {
            "mode": scheme,
            "name": f"{spec[1]} {scheme.lower()}",
            "fields": {
                "auth_config_creation": {
                    "required": [{"name": "client_id", "displayName": "Client ID", "type": "string", "required": True}]
                    if scheme.startswith("OAUTH")
                    else [],
                    "optional": [],
                },
                "connected_account_initiation": {
                    "required": [
                        {
                            "name": field,
                            "displayName": field.replace("_", " ").title(),
                            "description": f"Your {spec[1]} {field.replace('_', ' ')}",
                            "type": "string",
                            "required": True,
                            "default": None,
                        }
                        for field in fields
                    ],
                    "optional": [],
                },
            },
        }
    ]
    return detail


def toolkit_tools(slug: str) -> list[dict[str, Any]]:
    spec = _BY_SLUG.get(slug)
    if spec is None:
        return []
    upper, name = slug.upper(), spec[1]
    toolkit = {"slug": slug, "name": name, "logo": f"https://logos.composio.dev/api/{slug}"}
    return [
        {
            "slug": f"{upper}_LIST_ITEMS",
            "name": f"List {name} items",
            "description": f"List the items of the connected {name} account.",
            "toolkit": toolkit,
            "input_parameters": {
                "type": "object",
                "properties": {"limit": {"type": "integer", "description": "How many", "default": 20}},
                "required": [],
            },
            "tags": ["read"],
        },
        {
            "slug": f"{upper}_GET_ITEM",
            "name": f"Get a {name} item",
            "description": f"Fetch one {name} item by id.",
            "toolkit": toolkit,
            "input_parameters": {
                "type": "object",
                "properties": {"item_id": {"type": "string", "description": "The item's id"}},
                "required": ["item_id"],
            },
            "tags": ["read"],
        },
        {
            "slug": f"{upper}_CREATE_ITEM",
            "name": f"Create a {name} item",
            "description": f"Create an item in {name}.",
            "toolkit": toolkit,
            "input_parameters": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Title"},
                    "body": {"type": "string", "description": "Body text"},
                },
                "required": ["title"],
            },
            "tags": ["write"],
        },
    ]
