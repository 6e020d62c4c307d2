"""The half-year report over a provider's year: the user-facing command next to plain SQL.

    python bench/bench_report.py                      # 100k measures, about 1M events
    python bench/bench_report.py --measures 10000 --format json

Builds a SQLite ledger of one provider's year (`bench/report_stream.py`: interleaved, 40
locations, every law) once and keeps it under the cache directory (default
`$TMPDIR/measure-ledger-bench-report`), so later runs time the report alone. Then, in the
same run: `measure-ledger report --period P --provider X --format json` as a user runs it
(a new process: start-up, binding and checkpoint checks, reading the period's rows,
counting, the critical alerts from the alert index, writing the JSON), the same report in
process with its parts timed (and, as a baseline, the same over every fact as typed facts,
what the report does away from the index's position), and plain SQL counts over the
same view (`view_timeline` at positions <= N): the period's applications per form, and
every fact row. Target for the command: <= 5 s at 100k measures (DESIGN, Performance
targets).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_stream import EVENTS_PER_MEASURE, PROVIDER, provider_year

from consumers import jsonl
from domain.report.overview import compute, compute_from_rows
from domain.report.period import HalfYear
from ledger.keys import report_key
from ledger.logging import configure
from ledger.report_alerts import judged_at
from ledger.reporting import make_report
from ledger.service import Ledger
from projections.report_facts import facts_up_to
from projections.report_period_reads import period_rows
from store.sql import utc_key

APPLIED_PER_FORM = (
    "SELECT s.framework, s.category, COUNT(DISTINCT t.client_id) AS clients, "
    "COUNT(DISTINCT t.ref) AS measures, COUNT(*) AS applications "
    "FROM view_timeline t JOIN view_status s "
    "ON s.provider_id = t.provider_id AND s.measure_id = t.ref "
    "WHERE t.provider_id = ? AND t.type = 'measure.applied' AND t.position <= ? "
    "AND t.occurred_utc >= ? AND t.occurred_utc < ? GROUP BY s.framework, s.category"
)
FACT_ROWS = (
    "SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM view_timeline WHERE position <= ?"
)


def build(store: Path, measures: int, seed: int) -> dict[str, Any]:
    """The cached store, or a new one (its build timed); a marker says it is complete."""
    marker = store.with_suffix(".built.json")
    if marker.exists():
        return {**json.loads(marker.read_text()), "cached": True}
    for stale in store.parent.glob(store.name + "*"):
        stale.unlink()
    source = store.with_suffix(".jsonl")
    began = time.perf_counter()
    with source.open("wb") as out:
        out.writelines(provider_year(measures, seed))
    written = time.perf_counter()
    ledger = Ledger(f"sqlite:///{store}")
    with source.open("rb") as handle:
        counts = jsonl.load(ledger, handle, source.name)
    stored = time.perf_counter()
    judged = ledger.refresh_alerts()  # as `ingest` leaves it: alerts current
    ledger.close()
    alerted = time.perf_counter()
    source.unlink()
    built = {
        "measures": measures,
        "events": counts.accepted,
        "rejected": counts.rejected,
        "generate_s": round(written - began, 1),
        "ingest_s": round(stored - written, 1),
        "ingest_events_per_s": round(counts.accepted / (stored - written)),
        "alert_index_s": round(alerted - stored, 1),
        "measures_judged": judged,
    }
    marker.write_text(json.dumps(built))
    return {**built, "cached": False}


def command(store: Path, period: str, repeats: int) -> tuple[float, float, int]:
    """`measure-ledger report` in a new process, as a user runs it: median wall seconds,
    median CPU seconds of the process (the machine may be shared), bytes written."""
    walls, cpus, size = [], [], 0
    argv = [sys.executable, "-m", "cli", "--store", f"sqlite:///{store}", "--log-format", "json"]
    argv += ["report", "--period", period, "--provider", PROVIDER, "--format", "json"]
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, check=True)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        size = len(done.stdout)
    return statistics.median(walls), statistics.median(cpus), size


def in_process(ledger: Ledger, period: HalfYear, judge_again: bool) -> dict[str, Any]:
    """The same report in this process, and its parts: reading the period's rows and
    counting them (what `report` does at the alert index's position); the same over every
    fact (what it does anywhere else: reading them all as typed facts, counting with the
    critical alerts from the index); and judging every measure's rules again."""
    began = time.perf_counter()
    made = make_report(ledger, period, None, PROVIDER)
    whole = time.perf_counter() - began
    position = made.document.binding.position
    book, key = ledger.alert_index.index.rulebook, report_key(ledger.report_key_path)
    judged = judged_at(ledger, position, period, PROVIDER, [PROVIDER])
    assert judged is not None, "the alert index stands at the report's position"
    began = time.perf_counter()
    rows = period_rows(ledger.sql, position, PROVIDER, period)
    read_rows = time.perf_counter() - began
    began = time.perf_counter()
    from_rows = compute_from_rows({PROVIDER: rows}, period, book, key, judged)
    counted_rows = time.perf_counter() - began
    assert from_rows.body == made.document.body
    began = time.perf_counter()
    facts = facts_up_to(ledger.sql, position, PROVIDER)
    read = time.perf_counter() - began
    began = time.perf_counter()
    with_index = compute(facts, period, book, key, providers=[PROVIDER], judged=judged)
    counted = time.perf_counter() - began
    assert with_index.body == made.document.body
    judging = None
    if judge_again:
        began = time.perf_counter()
        again = compute(facts, period, book, key, providers=[PROVIDER])
        judging = round(time.perf_counter() - began, 2)
        assert again.body == made.document.body, "the same report either way"
    return {
        "position": position,
        "alert_index_used": judged is not None,
        "report_in_process_s": round(whole, 2),
        "read_period_rows_s": round(read_rows, 2),
        "compute_from_rows_s": round(counted_rows, 2),
        "period_rows": len(rows.applied) + len(rows.proposals) + len(rows.dated),
        "read_facts_s": round(read, 2),
        "compute_with_index_s": round(counted, 2),
        "compute_judging_again_s": judging,
    }


def plain_sql(ledger: Ledger, period: HalfYear, position: int) -> dict[str, Any]:
    """What the database alone does over the same view: the floor of any report."""
    bounds = [utc_key(period.start), utc_key(period.end)]
    with ledger.sql.transaction(commit=False) as c:
        began = time.perf_counter()
        forms = c.execute(APPLIED_PER_FORM, [PROVIDER, position, *bounds]).fetchall()
        per_form = time.perf_counter() - began
        began = time.perf_counter()
        rows = c.execute(FACT_ROWS, [position]).fetchone()
        every_row = time.perf_counter() - began
    return {
        "sql_applications_per_form_s": round(per_form, 3),
        "sql_forms": len(forms),
        "sql_applications": sum(r["applications"] for r in forms),
        "sql_count_fact_rows_s": round(every_row, 3),
        "fact_rows": rows["n"],
        "fact_data_mb": round((rows["bytes"] or 0) / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026H1")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "measure-ledger-bench-report",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument(
        "--judge-again",
        action="store_true",
        help="also time the report judging every measure's rules again (minutes at 100k)",
    )
    args = parser.parse_args()
    configure("warning")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    store = args.cache_dir / f"year-{args.measures}-{args.seed}.db"
    os.environ["LEDGER_REPORT_KEY_FILE"] = str(store.with_suffix(".report.key"))
    built = build(store, args.measures, args.seed)
    period = HalfYear.parse(args.period)
    ledger = Ledger(f"sqlite:///{store}")
    try:
        inner = in_process(ledger, period, args.judge_again)
        sql = plain_sql(ledger, period, int(inner["position"]))
    finally:
        ledger.close()
    seconds, cpu, size = command(store, args.period, args.repeats)
    result = {
        **built,
        "events_per_measure_about": EVENTS_PER_MEASURE,
        "period": period.name,
        "report_command_s": round(seconds, 2),
        "report_command_cpu_s": round(cpu, 2),
        "report_json_kb": round(size / 1000),
        **inner,
        **sql,
        "target_command_s": 5.0,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    if args.format == "json":
        print(json.dumps(result))
        return 0
    for key, value in result.items():
        print(f"{key:<30} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
