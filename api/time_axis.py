"""The measure page's time axis: one SVG drawn on the server, inline in the page.

A reader sees at a glance what happened when — and what the alert is about — without a
script (the pages work without JavaScript) and without inline styles (the CSP forbids
them): the picture uses SVG presentation attributes and the site's stylesheet only, so it
prints as it shows. `draw` is pure: the same entries, alerts and authorisations give the same
SVG, every text in it escaped.

Lanes, top to bottom: the procedure (proposal, stappenplan, review, extension, afbouw, end),
the applications (episodes as bars), the evaluations, the deadlines (diamonds), each covering
authorisation's validity (a bar, cut to the axis), and the alerts (a mark at `since`, coloured
by severity, a line while it holds). Months are ticked on the Europe/Amsterdam calendar.
Retracted events are drawn faded and dashed; the evidence of the selected alert is banded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from api.clock import AMSTERDAM, local, moment_of
from api.schemas import Authorisation, TimelineEntry
from domain.alerts import Alert
from domain.rulebook import SEVERITIES

WIDTH, LEFT, RIGHT, TOP = 1200, 128, 1186, 30
LANE, AUTH_ROW, ALERT_ROW = 24, 18, 16
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EMERGENCY = "#8c2d5a"
SEVERITY_COLOURS = {"critical": "#a4161a", "high": "#c2570c", "medium": "#8a6d00", "low": "#4a6572"}
#: event type -> (lane, shape, colour)
STYLE = {
    "measure.proposed": ("procedure", "square", "#1f4e8c"),
    "stappenplan.step_completed": ("procedure", "tick", "#5b6470"),
    "review.requested": ("procedure", "ring", "#1f4e8c"),
    "review.decided": ("procedure", "dot", "#2f7d4f"),
    "measure.extended": ("procedure", "tick", "#1f4e8c"),
    "afbouw.started": ("evaluations", "tick", "#287d8e"),
    "measure.ended": ("procedure", "end", "#1b1f24"),
    "measure.applied": ("applications", "bar", "#2f6f4f"),
    "measure.evaluated": ("evaluations", "dot", "#287d8e"),
}
#: event type and data field -> what the deadline is called
DEADLINES = {
    ("measure.proposed", "planned_end"): "planned end of the term",
    ("measure.extended", "planned_end"): "planned end after extension",
    ("review.decided", "valid_until"): "review valid until",
    ("measure.evaluated", "next_evaluation_due"): "next evaluation due",
    ("afbouw.started", "target_end"): "afbouw target end",
}
LANES = (
    ("procedure", "Procedure"),
    ("applications", "Applications"),
    ("evaluations", "Evaluations"),
    ("deadlines", "Deadlines"),
)


@dataclass(frozen=True)
class Mark:
    lane: str
    shape: str
    colour: str
    start: datetime
    end: datetime | None
    title: str
    event_id: str | None = None
    retracted: bool = False


def marks_of(entries: Sequence[TimelineEntry], next_deadline: tuple[str, str] | None) -> list[Mark]:
    """What the timeline puts on the axis: events by type, and the deadlines they set."""
    marks: list[Mark] = []
    for e in entries:
        style = STYLE.get(e.type)
        if style is None:
            continue  # a retraction is shown on the event it retracts
        lane, shape, colour = style
        at, gone = moment_of(e.occurred_at), e.retracted_by is not None
        end = None
        if e.type == "measure.applied" and isinstance(e.data.get("ended_at"), str):
            end = moment_of(e.data["ended_at"])
            colour = EMERGENCY if e.data.get("emergency") else colour
        elif e.type == "review.decided" and e.data.get("decision") == "rejected":
            colour = "#a4161a"
        shape = "tick" if shape == "bar" and end is None else shape
        title = f"{e.type} · {local(at)}" + (f" to {local(end)}" if end else "")
        title += f" · {e.event_id}" + (" · retracted" if gone else "")
        marks.append(Mark(lane, shape, colour, at, end, title, e.event_id, gone))
        for (kind, field), name in DEADLINES.items():
            due = e.data.get(field) if e.type == kind else None
            if isinstance(due, str):
                text = f"{name} · {local(due)} · set by {e.event_id}"
                marks.append(
                    Mark("deadlines", "diamond", "#5b6470", moment_of(due), None, text, None, gone)
                )
    if next_deadline is not None:
        due, rule = next_deadline
        text = f"next deadline ({rule}) · {local(due)}"
        marks.append(Mark("deadlines", "diamond", "#a4161a", moment_of(due), None, text))
    return marks


def span(moments: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The axis's range: every moment, padded a little on both sides (at least a day)."""
    first, last = min(moments), max(moments)
    pad = max((last - first) / 30, timedelta(hours=12))
    return first - pad, last + pad


def month_ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """The first of each month at 00:00 Amsterdam within the range, with its label."""
    local_start = start.astimezone(AMSTERDAM)
    year, month = local_start.year, local_start.month
    ticks = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        tick = datetime(year, month, 1, tzinfo=AMSTERDAM)
        if tick > end:
            return ticks
        label = MONTHS[month - 1] + (f" {year}" if month == 1 or not ticks else "")
        ticks.append((tick, label))


def _attrs(**values: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(v), quote=True)}"'
        for name, v in values.items()
        if v is not None
    )


class _Canvas:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.seconds = start, max((end - start).total_seconds(), 1.0)
        self.parts: list[str] = []

    def x(self, moment: datetime) -> float:
        share = (moment - self.start).total_seconds() / self.seconds
        return round(LEFT + min(max(share, 0.0), 1.0) * (RIGHT - LEFT), 1)

    def add(self, tag: str, title: str | None = None, **values: object) -> None:
        inner = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(f"<{tag} {_attrs(**values)}>{inner}</{tag}>")

    def text(self, x: float, y: float, content: str, **values: object) -> None:
        self.parts.append(f"<text {_attrs(x=x, y=y, **values)}>{escape(content)}</text>")

    def lane(self, y: float, height: float, label: str) -> None:
        self.add("rect", x=LEFT, y=y, width=RIGHT - LEFT, height=height, fill="#f7f8fa")
        self.text(LEFT - 8, y + height / 2 + 4, label, text_anchor="end", fill="#5b6470")

    def mark(self, m: Mark, y: float, evidence: bool) -> None:
        x, mid = self.x(m.start), y + LANE / 2
        classes = " ".join(c for c in ("mark", m.shape, evidence and "evidence") if c)
        head = _attrs(class_=classes + (" retracted" if m.retracted else ""), data_event=m.event_id)
        look = {"fill": m.colour, "stroke": m.colour}
        if m.retracted:
            look = {"fill": "#ffffff", "stroke": "#8a929c", "stroke_dasharray": "3 2"}
        self.parts.append(f"<g {head}><title>{escape(m.title)}</title>")
        if evidence:
            self.add("rect", x=x - 8, y=y + 1, width=16, height=LANE - 2, rx=3, fill="#ffd84d")
        if m.shape == "bar" and m.end is not None:
            width = max(self.x(m.end) - x, 2.5)
            self.add("rect", x=x, y=mid - 5, width=width, height=10, **look)
        elif m.shape in ("dot", "ring"):
            ring = {"fill": "#ffffff", "stroke_width": 2} if m.shape == "ring" else {}
            self.add("circle", cx=x, cy=mid, r=4.5, **(look | ring))
        elif m.shape in ("square", "diamond"):
            turn = f"rotate(45 {x} {mid})" if m.shape == "diamond" else None
            self.add("rect", x=x - 4.5, y=mid - 4.5, width=9, height=9, transform=turn, **look)
        else:
            tall = 16 if m.shape == "end" else 12
            self.add("rect", x=x - 1.5, y=mid - tall / 2, width=3, height=tall, **look)
        self.parts.append("</g>")


def draw(
    entries: Sequence[TimelineEntry],
    alerts: Sequence[Alert],
    authorisations: Sequence[Authorisation],
    *,
    now: datetime,
    selected: str | None = None,
    next_deadline: tuple[str, str] | None = None,
) -> str:
    """The SVG of one measure's time axis; `selected` is an alert id whose evidence is banded.

    The axis runs from the first to the last moment of the measure's events, deadlines and
    alerts (to `now` while the measure has not ended); authorisations are cut to it.
    """
    marks = marks_of(entries, next_deadline)
    chosen = next((a for a in alerts if a.alert_id == selected), None)
    evidence = set(chosen.evidence) if chosen else set()
    evidence |= {  # a retraction has no mark (it is drawn on its target): band the target
        e.data["retracts_event_id"]
        for e in entries
        if e.type == "event.retracted" and e.event_id in evidence
    }
    ended = any(e.type == "measure.ended" and e.retracted_by is None for e in entries)
    moments = [t for m in marks for t in (m.start, m.end) if t is not None]
    moments += [t for a in alerts for t in (a.since, a.resolved_at) if t is not None]
    if not ended or not moments:
        moments.append(now)
    start, end = span(moments)
    c = _Canvas(start, end)
    levels = [s for s in SEVERITIES if any(a.severity == s for a in alerts)] or ["none"]
    rows = max(len(authorisations), 1)
    height = TOP + LANE * len(LANES) + AUTH_ROW * rows + ALERT_ROW * len(levels) + 34
    c.parts.append(
        f"<svg {_attrs(xmlns='http://www.w3.org/2000/svg', class_='axis', role='img')} "
        f'viewBox="0 0 {WIDTH} {height}" font-family="system-ui, sans-serif" font-size="11">'
        "<title>Time axis of the measure (Europe/Amsterdam)</title>"
    )
    bottom = height - 26
    for tick, label in month_ticks(start, end):
        x = c.x(tick)
        c.add("line", x1=x, y1=TOP - 6, x2=x, y2=bottom, stroke="#d6dbe1")
        c.text(x + 3, TOP - 10, label, fill="#5b6470", class_="month")
    y = float(TOP)
    for lane, label in LANES:
        c.lane(y, LANE - 2, label)
        for m in (m for m in marks if m.lane == lane):
            c.mark(m, y, m.event_id in evidence)
        y += LANE
    for n, a in enumerate(authorisations or [None]):
        top = y + n * AUTH_ROW
        c.lane(top, AUTH_ROW - 2, "Authorisations" if n == 0 else "")
        if a is None:
            c.text(LEFT + 6, top + 12, "none covering this measure", fill="#5b6470")
            continue
        _authorisation(c, a, top, end)
    y += AUTH_ROW * rows
    for n, level in enumerate(levels):
        top = y + n * ALERT_ROW
        c.lane(top, ALERT_ROW - 2, f"Alerts · {level}" if level != "none" else "Alerts")
        for a in (a for a in alerts if a.severity == level):
            _alert(c, a, top, now if not ended else end, a.alert_id == selected)
    if start <= now <= end:
        x = c.x(now)
        c.add("line", x1=x, y1=TOP - 4, x2=x, y2=bottom, stroke="#a4161a", stroke_dasharray="4 3")
        c.text(x - 3, TOP - 10, "now", fill="#a4161a", text_anchor="end")
    _legend(c, bottom + 16)
    c.parts.append("</svg>")
    return "".join(c.parts)


def _authorisation(c: _Canvas, a: Authorisation, top: float, end: datetime) -> None:
    if a.valid_from is None or a.valid_until is None:
        return
    start, until = moment_of(a.valid_from), moment_of(a.valid_until)
    if a.ended_at is not None:
        until = min(until, moment_of(a.ended_at))
    title = f"{a.kind} {a.authorization_id} · valid {local(a.valid_from)} to {local(until)}"
    title += f" · ended {local(a.ended_at)}" if a.ended_at else ""
    x1, x2 = c.x(start), c.x(until)
    c.parts.append(f"<g {_attrs(class_='authorisation', data_id=a.authorization_id)}>")
    c.add(
        "rect",
        title,
        x=x1,
        y=top + 3,
        width=max(x2 - x1, 2.5),
        height=AUTH_ROW - 8,
        rx=2,
        fill="#9fb3c8",
        stroke="#4a6572",
    )
    c.text(min(x1, RIGHT - 150) + 4, top + 12, f"{a.kind} {a.authorization_id}", fill="#1b1f24")
    c.parts.append("</g>")


def _alert(c: _Canvas, a: Alert, top: float, until: datetime, selected: bool) -> None:
    colour = SEVERITY_COLOURS.get(a.severity, "#5b6470")
    mid, x = top + ALERT_ROW / 2 - 1, c.x(a.since)
    last = c.x(a.resolved_at or until)
    state = f"resolved {local(a.resolved_at)}" if a.resolved_at else "open"
    title = f"{a.rule} ({a.severity}) since {local(a.since)} · {state}"
    classes = "alert " + a.severity + (" selected" if selected else "")
    c.parts.append(
        f"<g {_attrs(class_=classes, data_alert=a.alert_id)}><title>{escape(title)}</title>"
    )
    c.add(
        "line",
        x1=x,
        y1=mid,
        x2=max(last, x),
        y2=mid,
        stroke=colour,
        stroke_width=2,
        stroke_opacity=0.5 if a.resolved_at is None else 0.9,
    )
    stroke = {"stroke": "#1b1f24", "stroke_width": 2.5} if selected else {"stroke": "#ffffff"}
    c.add("circle", cx=x, cy=mid, r=6.5 if selected else 4.5, fill=colour, **stroke)
    c.parts.append("</g>")


def _legend(c: _Canvas, y: float) -> None:
    """What the colours mean; the shapes are named by the lanes and each mark's title."""
    x = float(LEFT)
    for label, colour in (("application", "#2f6f4f"), ("emergency application", EMERGENCY)):
        c.add("rect", x=x, y=y - 9, width=14, height=9, fill=colour)
        c.text(x + 19, y, label, fill="#5b6470")
        x += 28 + 6.2 * len(label)
    for label, colour in SEVERITY_COLOURS.items():
        c.add("circle", cx=x + 5, cy=y - 4, r=4.5, fill=colour)
        c.text(x + 13, y, label, fill="#5b6470")
        x += 26 + 6.2 * len(label)
    c.add("rect", x=x, y=y - 11, width=14, height=14, rx=3, fill="#ffd84d")
    c.text(x + 19, y, "evidence of the selected alert", fill="#5b6470")
    x += 210
    look = {"fill": "#ffffff", "stroke": "#8a929c", "stroke_dasharray": "3 2"}
    c.add("rect", x=x, y=y - 9, width=10, height=10, **look)
    c.text(x + 15, y, "retracted", fill="#5b6470")
