"""docker-compose.yml checked against the command line and the ledger's exit codes (point 19).

There is no Docker engine in the test environment, so the file is read as data: every
`measure-ledger` command it runs must parse with the CLI's own parser, no host port may take
PostgreSQL's 5432, a service whose command exits 1 by design must not be restarted into a
loop, the long-running ledger services need a healthcheck that reads the file their loop
touches, Kafka and PostgreSQL keep their data on volumes, and `api` serves the consumers'
store on loopback with the feed's key.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from cli.main import build_parser
from ledger.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Commands whose exit code 1 is part of their contract, not a crash: `consume` halts on too
#: many bad messages (docs/kafka.md), `verify` reports a damaged ledger (CONTRACT §3).
EXITS_1_BY_DESIGN = {"consume", "verify"}
#: Commands that run until stopped: they need a healthcheck.
LONG_RUNNING = {"consume", "feed"}
#: Restart policies that never stop retrying a failing container.
LOOPING = {"always", "unless-stopped", "on-failure"}
SHELL_OPERATORS = {";", "&&", "||", "|", "&"}


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def invocations(service: dict[str, Any]) -> Iterator[list[str]]:
    """The argv (after `measure-ledger`) of every ledger command the service runs."""
    entrypoint = service.get("entrypoint") or []
    command = service.get("command") or []
    entrypoint = shlex.split(entrypoint) if isinstance(entrypoint, str) else list(entrypoint)
    command = shlex.split(command) if isinstance(command, str) else list(command)
    yield from _in_argv([*entrypoint, *command])


def _in_argv(argv: list[str]) -> Iterator[list[str]]:
    if argv and argv[0] == "measure-ledger":
        yield argv[1:]
        return
    for i, word in enumerate(argv):
        if word == "-c" and i + 1 < len(argv):  # sh -c SCRIPT, su ... -c SCRIPT
            yield from _in_script(argv[i + 1])
            return


def _in_script(script: str) -> Iterator[list[str]]:
    """Each simple command of a shell script that runs measure-ledger (compose's $$ is $)."""
    for text in script.replace("$$", "$").splitlines():
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in SHELL_OPERATORS:
                while words and words[0] in ("exec", "command"):
                    words = words[1:]
                yield from _in_argv(words)
                words = []
            else:
                words.append(token)


def ledger_commands(services: dict[str, dict[str, Any]]) -> list[tuple[str, list[str]]]:
    found = [(name, argv) for name, s in services.items() for argv in invocations(s)]
    return found


def parsed(argv: list[str], service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Parse as the container would: with the service's environment."""
    for key, value in (service.get("environment") or {}).items():
        monkeypatch.setenv(key, str(value))
    try:
        return build_parser(Settings()).parse_args(argv)
    except SystemExit as error:
        pytest.fail(f"`measure-ledger {' '.join(argv)}` does not parse (exit {error.code})")


def test_every_ledger_command_exists_with_those_flags(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = ledger_commands(services)
    assert {argv[0] for _, argv in commands if argv} >= LONG_RUNNING  # nothing read vacuously
    for name, argv in commands:
        args = parsed(argv, services[name], monkeypatch)
        assert args.command == argv[0], name


def test_the_finder_sees_commands_inside_shell_scripts() -> None:
    """The check above must not pass because a command hid in a script."""
    service = {
        "entrypoint": ["/bin/sh", "-c"],
        "command": ["set -e\ntest -s k || echo x > k; exec measure-ledger feed --topic t\n"
                    'su ledger -s /bin/sh -c "measure-ledger checkpoint --bogus"'],
    }  # fmt: skip
    assert list(invocations(service)) == [["feed", "--topic", "t"], ["checkpoint", "--bogus"]]


def test_a_flag_the_cli_does_not_have_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.fail.Exception):
        parsed(["consume", "--bootstrap-servers", "k:9092", "--no-such-flag"], {}, monkeypatch)


def host_ports(service: dict[str, Any]) -> Iterator[tuple[str | None, int]]:
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            yield port.get("host_ip"), int(port["published"])
            continue
        parts = str(port).split("/")[0].split(":")
        if len(parts) == 1:
            continue  # container port only: Docker picks a free host port
        host_ip = parts[0] if len(parts) == 3 else None
        yield host_ip, int(parts[-2])


def test_no_host_port_takes_postgres_5432_or_listens_beyond_loopback(
    services: dict[str, dict[str, Any]],
) -> None:
    published = [(name, p) for name, s in services.items() for p in host_ports(s)]
    assert published, "the stack publishes Kafka and PostgreSQL to the host"
    for name, (host_ip, port) in published:
        assert port != 5432, f"{name}: host port 5432 clashes with a local PostgreSQL"
        assert host_ip == "127.0.0.1", f"{name}: port {port} is published beyond loopback"


def restart_loops(service: dict[str, Any]) -> bool:
    policy = str(service.get("restart", "no"))
    deploy = (service.get("deploy") or {}).get("restart_policy") or {}
    if deploy and deploy.get("condition", "any") != "none" and "max_attempts" not in deploy:
        return True
    return policy in LOOPING  # "on-failure:N" is bounded and not in LOOPING


def test_no_service_that_exits_1_by_design_is_restarted(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        runs = {argv[0] for argv in invocations(service) if argv}
        if runs & EXITS_1_BY_DESIGN:
            assert str(service.get("restart", "no")) == "no", (
                f"{name} runs {sorted(runs)}, which exit 1 on purpose; restarting it repeats "
                "the halt"
            )
            assert "restart_policy" not in (service.get("deploy") or {}), name
        elif runs:
            assert not restart_loops(service), f"{name}: an unbounded restart loop"


def test_restart_checks_see_loops() -> None:
    assert restart_loops({"restart": "on-failure"})
    assert restart_loops({"deploy": {"restart_policy": {"condition": "on-failure"}}})
    assert not restart_loops({"restart": "on-failure:5"})
    assert not restart_loops({"restart": "no"})


def test_long_running_ledger_services_have_a_healthcheck_on_their_health_file(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = set()
    for name, service in services.items():
        for argv in invocations(service):
            if argv[0] not in LONG_RUNNING:
                continue
            args = parsed(argv, service, monkeypatch)
            assert args.health_file, f"{name}: {argv[0]} runs without --health-file"
            test = (service.get("healthcheck") or {}).get("test") or []
            assert args.health_file in " ".join(test), f"{name}: no healthcheck on its file"
            checked.add(argv[0])
    assert checked == LONG_RUNNING


def test_kafka_and_postgres_keep_their_data_on_volumes(
    services: dict[str, dict[str, Any]],
) -> None:
    kafka = services["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert any(str(v).split(":")[1:2] == [log_dirs] for v in kafka.get("volumes") or [])
    assert "CLUSTER_ID" in kafka["environment"]  # the same id finds the formatted volume again
    postgres = services["postgres"]
    assert any(":/var/lib/postgresql/data" in str(v) for v in postgres.get("volumes") or [])


def test_no_init_service_creates_the_store(services: dict[str, dict[str, Any]]) -> None:
    """Table creation is safe under concurrency (store/schema_lock.py): consumers start alone."""
    depends = services["consume"].get("depends_on") or {}
    for dependency in depends:
        runs = {argv[0] for argv in invocations(services[dependency]) if argv}
        assert not runs, f"consume waits for {dependency}, which runs measure-ledger {runs}"


def test_the_build_backend_understands_the_license_field() -> None:
    """`license = "EUPL-1.2"` is an SPDX expression (PEP 639): setuptools 77 or later."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    for text in project["build-system"]["requires"]:
        requirement = Requirement(text)
        if requirement.name == "setuptools":
            lowest = min(
                (Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")),
                default=None,
            )
            assert lowest is not None and lowest >= Version("77"), text
            return
    pytest.fail("no setuptools in build-system.requires")


def test_the_image_prepares_the_keys_volume() -> None:
    """The named volume takes the image directory's owner: the ledger user can write keys."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"mkdir -m 700 /keys && chown ledger /keys", dockerfile)


def test_the_api_serves_the_same_store_on_loopback_with_a_liveness_check(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`api` runs `serve` on every interface of its container, published on the host's
    loopback only, on the store the consumers write, checked on /healthz at its port."""
    api = services["api"]
    runs = [argv for argv in invocations(api) if argv and argv[0] == "serve"]
    assert len(runs) == 1, "the api service runs measure-ledger serve once"
    args = parsed(runs[0], api, monkeypatch)
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    assert list(host_ports(api)) == [("127.0.0.1", 8000)]
    assert "8000:8000" in str(api["ports"][0])
    store = api["environment"]["LEDGER_STORE"]
    assert store.startswith("postgresql://")
    assert store == services["consume"]["environment"]["LEDGER_STORE"]
    assert "postgres" in (api.get("depends_on") or {})
    test = " ".join((api.get("healthcheck") or {}).get("test") or [])
    assert f"127.0.0.1:{args.port}/healthz" in test
    assert not restart_loops(api)


def test_the_api_reads_client_refs_with_the_feeds_key(
    services: dict[str, dict[str, Any]],
) -> None:
    """The inspectorate sees the client_ref the feed publishes: one key, from one file."""
    api, feed = services["api"]["environment"], services["feed"]["environment"]
    assert api["LEDGER_FEED_KEY_FILE"] == feed["LEDGER_FEED_KEY_FILE"]
    assert "LEDGER_FEED_KEY" not in api  # never inline in the compose file
    assert "feed" in (services["api"].get("depends_on") or {})  # the feed creates the key
