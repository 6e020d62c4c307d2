"""`measure-ledger report`: formats, `--check`, and one-line errors with exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cli.main import main
from ledger.service import Ledger
from ledger.settings import Settings
from synthetic import generate
from tests.conftest import event, messages


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command with console logs: with JSON logs a refusal is also a second, JSON line."""
    code = main(["--log-format", "console", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LEDGER_REPORT_KEY_FILE", str(tmp_path / "report.key"))
    ledger = Ledger(store_url, settings=Settings())
    counts, _ = ledger.submit(messages(*generate(measures=20, seed=11)))
    assert counts.rejected == 0
    ledger.close()
    return store_url


def test_check_says_identical_then_names_a_late_registration(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "--store", store, "report", "--period", "2026H1", "--format", "json"
    )
    assert code == 0, err
    saved = tmp_path / "report.json"
    saved.write_text(out)
    document = json.loads(out)
    assert document["binding"]["position"] == document["binding"]["checkpoint"]["position"]

    code, out, _ = run(capsys, "--store", store, "report", "--check", str(saved))
    assert code == 0
    assert out.startswith("identical")

    provider = next(iter(document["body"]["providers"]))
    late = event(
        "measure.proposed",
        event_id="late-p",
        provider_id=provider,
        measure_id="late-m",
        client_id="late-client",
        occurred_at="2026-02-01T09:00:00+01:00",
        data={
            "framework": "wzd",
            "category": "seclusion",
            "setting": "residential",
            "grounds": ["serious_bodily_harm"],
            "planned_start": "2026-02-01T09:00:00+01:00",
            "location_id": "LATE-LOC",
        },
    )
    applied = event(
        "measure.applied",
        event_id="late-a",
        provider_id=provider,
        measure_id="late-m",
        client_id="late-client",
        occurred_at="2026-02-02T09:00:00+01:00",
        data={},
    )
    ledger = Ledger(store, settings=Settings())
    ledger.submit(messages(late, applied))
    ledger.close()

    code, out, _ = run(capsys, "--store", store, "report", "--check", str(saved))
    assert code == 1
    assert out.startswith("changed:")
    assert (
        f"providers / {provider} / wzd / locations / LATE-LOC / seclusion / clients: (absent) -> 1"
        in out
    )
    assert "measure.applied late-a" in out and "measure.proposed late-p" in out

    code, out, _ = run(
        capsys, "--store", store, "report", "--check", str(saved), "--format", "json"
    )
    result = json.loads(out)
    assert code == 1 and result["identical"] is False
    cell = f"providers / {provider} / wzd / locations / LATE-LOC / seclusion / applications"
    change = next(c for c in result["changes"] if c["figure"] == cell)
    assert (change["was"], change["now"]) == (None, 1)
    assert {e["event_id"] for e in change["events"]} == {"late-p", "late-a"}

    # the report at its own position is still the same bytes
    n = str(document["binding"]["position"])
    code, out, _ = run(
        capsys,
        "--store",
        store,
        "report",
        "--period",
        "2026H1",
        "--at-position",
        n,
        "--format",
        "json",
    )
    assert out == saved.read_text()


def test_an_edited_report_fails_the_check(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    _, out, _ = run(capsys, "--store", store, "report", "--period", "2026H1", "--format", "json")
    document = json.loads(out)
    provider = next(iter(document["body"]["providers"]))
    document["body"]["providers"][provider]["data_quality"]["late_registrations"] += 1
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    code, out, err = run(capsys, "--store", store, "report", "--check", str(edited))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "was edited" in err


def test_csv_and_table_carry_the_binding(capsys: pytest.CaptureFixture[str], store: str) -> None:
    _, out, _ = run(capsys, "--store", store, "report", "--period", "2026H1", "--format", "json")
    document = json.loads(out)
    code, text, _ = run(capsys, "--store", store, "report", "--period", "2026H1", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    binding = {r["figure"]: r["value"] for r in rows if r["law"] == "report"}
    assert binding["body_sha256"] == document["body_sha256"]
    assert binding["head_hash"] == document["binding"]["head_hash"]
    assert any(r["law"] == "wzd" and r["figure"] == "clients" for r in rows)
    code, table, _ = run(capsys, "--store", store, "report", "--period", "2026H1")
    assert code == 0
    assert document["body_sha256"] in table and "Half-year overview 2026H1" in table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report"], "give --period"),
        (["report", "--period", "2026H3"], "not a half-year"),
        (["report", "--period", "2026H1", "--at-position", "999999"], "not covered"),
        (["report", "--check", "missing.json"], "cannot read"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    store: str,
    argv: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, "--store", store, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_a_file_that_is_not_a_report_and_an_empty_ledger_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path
) -> None:
    Ledger(sqlite_url).close()  # an empty ledger: it exists, holding nothing yet
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    code, _, err = run(capsys, "--store", sqlite_url, "report", "--check", str(junk))
    assert code == 2 and "not a measure-ledger report" in err and err.count("\n") == 1
    code, _, err = run(capsys, "--store", sqlite_url, "report", "--period", "2026H1")
    assert code == 2 and "no signed checkpoint" in err and err.count("\n") == 1


def test_xml_is_one_valid_file_per_law_and_provider(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    import xmlschema

    _, out, _ = run(capsys, "--store", store, "report", "--period", "2026H1", "--format", "json")
    providers = list(json.loads(out)["body"]["providers"])
    assert len(providers) > 1
    schemas = Path(__file__).resolve().parent.parent / "schema"
    for law in ("wzd", "wvggz", "jeugdwet"):
        argv = ["report", "--period", "2026H1", "--format", "xml", "--law", law]
        code, text, err = run(capsys, "--store", store, *argv, "--provider", providers[0])
        assert code == 0, err
        xmlschema.XMLSchema(schemas / f"report-{law}-v1.xsd").validate(text)
    code, _, err = run(
        capsys, "--store", store, "report", "--period", "2026H1", "--format", "xml", "--law", "wzd"
    )
    assert code == 2 and "add --provider" in err and err.count("\n") == 1
    code, _, err = run(capsys, "--store", store, "report", "--period", "2026H1", "--law", "wzd")
    assert code == 2 and "go together" in err


def test_check_against_another_ledger_or_other_rules_fails(
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGER_REPORT_KEY_FILE", str(tmp_path / "report.key"))
    stores = [sqlite_url, f"sqlite:///{tmp_path / 'other.db'}"]
    for url, seed in zip(stores, (11, 12), strict=True):
        ledger = Ledger(url, settings=Settings())
        ledger.submit(messages(*generate(measures=10, seed=seed)))
        ledger.close()
    _, out, _ = run(
        capsys, "--store", stores[0], "report", "--period", "2026H1", "--format", "json"
    )
    saved = tmp_path / "report.json"
    saved.write_text(out)
    code, out, err = run(capsys, "--store", stores[1], "report", "--check", str(saved))
    assert code == 1 and out == "" and "rewritten" in err and err.count("\n") == 1
    monkeypatch.setenv("LEDGER_POLICY", '{"registration_lag": "14 days"}')
    code, out, err = run(capsys, "--store", stores[0], "report", "--check", str(saved))
    assert code == 1 and "other rules" in err and err.count("\n") == 1
