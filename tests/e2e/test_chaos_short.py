"""The chaos benchmark's short version (CI): kills while users write and runs stream lose nothing.

Runs ``benchmarks/bench_chaos.py --short`` (its own ``cheatcode up``: the API, PostgreSQL,
NATS and the sandbox service are each killed -9 in turn under load) and checks the figures
it writes: no acknowledged event lost or duplicated, no SSE gap or duplicate, every run
terminal, every kill healed, and no 5xx outside the kill windows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_chaos.py"


def test_short_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    figures_file = tmp_path / "chaos.json"
    command = [sys.executable, str(BENCHMARK), "--short", "--json", str(figures_file)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(result.stdout)
    rows = [row for rows in json.loads(figures_file.read_text()).values() for row in rows]
    killed = {row["kind"] for row in rows} - {"(no kill)"}
    assert killed == {"api", "postgres", "nats", "sandbox"}
    assert sum(row["writes"] for row in rows) > 0 and sum(row["runs"] for row in rows) > 0
    for row in rows:
        kind = row["kind"]
        assert (row["lost"], row["duplicated"]) == (0, 0), row
        assert (row["sse_gaps"], row["sse_duplicates"]) == (0, 0), row
        assert row["runs_not_terminal"] == 0, row
        assert row["errors_5xx_outside"] == 0, row
        assert kind == "(no kill)" or row["recover_seconds"] is not None, f"{kind} never recovered"
