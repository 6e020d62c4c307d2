"""`alerts --format json` writes rows in the published form without building models; it
must be exactly what the `Alert` model writes for the same row, as of any moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args

from hypothesis import given
from hypothesis import strategies as st

from domain.alerts import Alert, RuleId
from projections.alert_index import ALERT_COLUMNS, _alert_row
from projections.queries import alert_from_row, alert_json
from store.sql import utc_key

_offsets = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
_moments = st.builds(
    lambda day, micro, tz: (
        (datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=day))
        .replace(microsecond=micro)
        .astimezone(tz)
    ),
    st.integers(0, 10 * 365 * 86400),
    st.sampled_from([0, 1, 500_000, 740_300, 999_999]),
    st.one_of(st.just(UTC), _offsets),
)
_text = st.text(max_size=40)


@st.composite
def _alerts(draw: st.DrawFn) -> Alert:
    since = draw(_moments)
    resolved = draw(st.none() | _moments.filter(lambda m: m > since))
    return Alert(
        alert_id=draw(_text),
        rule=draw(st.sampled_from(get_args(RuleId))),
        severity=draw(st.sampled_from(["critical", "high", "medium", "low"])),
        status="open" if resolved is None else "resolved",
        provider_id=draw(_text),
        measure_id=draw(st.none() | _text),
        framework=draw(st.none() | st.sampled_from(["wzd", "wvggz", "jeugdwet"])),
        category=draw(st.none() | _text),
        since=since,
        resolved_at=resolved,
        rulebook_version=draw(st.sampled_from(["2026.1", "2026.2"])),
        message=draw(_text),
        evidence=tuple(draw(st.lists(_text, max_size=4))),
    )


@given(_alerts(), _moments)
def test_a_row_as_json_is_what_the_model_writes(alert: Alert, as_of: datetime) -> None:
    row: dict[str, Any] = dict(zip(ALERT_COLUMNS, _alert_row(alert, "cl-1"), strict=True))
    moment = utc_key(as_of)
    expected = alert_from_row(row, moment).model_dump(mode="json", by_alias=True)
    assert alert_json(row, moment) == expected
    assert list(alert_json(row, moment)) == list(expected)  # the same keys in the same order
