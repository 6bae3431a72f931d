"""Model prices: OpenRouter's catalog parsed, ids matched in every spelling, cache commands."""

from __future__ import annotations

import pytest

from cheatcode_billing.adapters.memory import FixedPrices, LogAccountDirectory
from cheatcode_billing.adapters.openrouter_prices import BUILT_IN, OpenRouterPrices, lookup, parse_catalog
from cheatcode_billing.handlers import prices
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts.billing import ClearPriceCache, GetPriceCache, PriceCacheReport, WarmPriceCache
from cheatcode_runtime.eventstore import InMemoryEventStore

CATALOG = {
    "data": [
        {"id": "anthropic/claude-sonnet-4.5", "pricing": {"prompt": "0.000003", "completion": "0.000015"}},
        {"id": "broken/model", "pricing": {"prompt": "n/a"}},
        {"name": "no id"},
    ]
}


def test_the_catalog_gives_per_token_prices_and_skips_bad_entries() -> None:
    table = parse_catalog(CATALOG)
    assert set(table) == {"anthropic/claude-sonnet-4.5"}
    price = table["anthropic/claude-sonnet-4.5"]
    assert price.cost(1000, 100) == pytest.approx(0.003 + 0.0015)


@pytest.mark.parametrize("model", ["anthropic/claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5",
                                   "claude-sonnet-4.5"])  # fmt: skip
def test_any_spelling_of_a_model_id_finds_its_price(model: str) -> None:
    assert lookup(BUILT_IN, model) == BUILT_IN["anthropic/claude-sonnet-4.5"]


async def test_unknown_models_have_no_price_and_the_built_in_table_answers_before_a_fetch() -> None:
    table = OpenRouterPrices("http://127.0.0.1:9/api/v1")
    assert await table.price("mock-model") is None
    assert await table.price("claude-opus-4.5") == BUILT_IN["anthropic/claude-opus-4.5"]
    assert not (await table.state()).cached


async def test_cache_commands_report_warm_and_clear() -> None:
    store = InMemoryEventStore()
    directory = LogAccountDirectory(store)
    deps = BillingDeps(store=lambda: store, prices=FixedPrices(), directory=lambda: directory)

    async def report(reply_of: object) -> PriceCacheReport:
        return PriceCacheReport.model_validate((await reply_of).result)  # type: ignore[misc]

    assert not (await report(prices.price_cache_info(GetPriceCache(), deps))).cached
    warmed = await report(prices.warm_price_cache(WarmPriceCache(), deps))
    assert warmed.success and warmed.cached and warmed.model_count == len(BUILT_IN)
    cleared = await report(prices.clear_price_cache(ClearPriceCache(), deps))
    assert cleared.message == "OpenRouter cache cleared" and not cleared.cached
    again = await report(prices.clear_price_cache(ClearPriceCache(), deps))
    assert again.message == "Cache was already empty or not found"


async def test_a_failed_warm_is_a_soft_failure() -> None:
    store = InMemoryEventStore()
    directory = LogAccountDirectory(store)
    unreachable = OpenRouterPrices("http://127.0.0.1:9/api/v1", timeout=1.0)
    deps = BillingDeps(store=lambda: store, prices=unreachable, directory=lambda: directory)
    report = PriceCacheReport.model_validate((await prices.warm_price_cache(WarmPriceCache(), deps)).result)
    assert not report.success and report.error and not report.cached
