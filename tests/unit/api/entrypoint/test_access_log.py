"""Access log lines never carry tokens or keys from the query string."""

from __future__ import annotations

from cheatcode_api.entrypoint.access_log import masked_query


def test_secret_parameters_are_masked() -> None:
    assert masked_query("token=eyJhbGc.abc.def&limit=10") == "token=***&limit=10"
    assert masked_query("api_key=k&Access_Token=t&x=1") == "api_key=***&Access_Token=***&x=1"
    assert masked_query("") == ""
    assert masked_query("project_id=p") == "project_id=p"
