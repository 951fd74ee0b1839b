"""The monitoring report's opening page: the figures said in sentences (what improved, what
is late, which OPDs need attention), in the reader's language, numbers written as the
locale writes them. Every sentence is generated from :mod:`tracker.services.dashboard`'s
figures; nothing here is computed that the tables do not show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from tracker.blueprints.dashboard.figures import number, percent_text, points_text
from tracker.services import dashboard as svc
from tracker.services.findings import period_label


@dataclass(frozen=True)
class Section:
    heading: str
    sentences: list[str]


def _join(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _change(now: Decimal | None, before: Decimal | None) -> str | None:
    """'up 12,5 points' / 'down 3,0 points' / 'unchanged'; None when either is missing."""
    if now is None or before is None:
        return None
    delta = now - before
    if delta > 0:
        return _("up %(points)s points", points=number(delta, 1))
    if delta < 0:
        return _("down %(points)s points", points=number(-delta, 1))
    return _("unchanged")


def _commitments(n: int) -> str:
    return ngettext("%(count)s commitment", "%(count)s commitments", n, count=number(n))


def _recommendations(n: int) -> str:
    return ngettext("%(count)s recommendation", "%(count)s recommendations", n, count=number(n))


def _priorities(data: svc.Overview, previous: svc.PeriodFigures | None) -> Section:
    heading = _("RB priority areas")
    rows = data.priorities
    if not rows:
        return Section(
            heading, [_("No thematic area is marked as an RB priority for this period.")]
        )
    period = data.filters.period.label
    out: list[str] = []
    with_data = [r for r in rows if r.stats.in_force]
    if not with_data:
        out.append(
            _(
                "No commitment of the %(n)s RB priority areas is due in %(period)s.",
                n=number(len(rows)),
                period=period,
            )
        )
    else:
        listed = [f"{r.area.name} {percent_text(r.stats.average_progress, 1)}" for r in with_data]
        out.append(
            _(
                "Average progress of the commitments due in %(period)s per RB priority area: "
                "%(areas)s.",
                period=period,
                areas=_join(listed),
            )
        )
    for light, say in (
        (svc.Light.RED, lambda areas: _("Behind: %(areas)s.", areas=areas)),
        (svc.Light.AMBER, lambda areas: _("Needing attention: %(areas)s.", areas=areas)),
        (svc.Light.GREEN, lambda areas: _("On track: %(areas)s.", areas=areas)),
    ):
        names = [r.area.name for r in rows if r.light is light]
        if names:
            out.append(say(_join(names)))
    if previous is not None:
        improved = [r for r in rows if r.change is not None and r.change > 0]
        declined = [r for r in rows if r.change is not None and r.change < 0]

        def named(items: list[svc.PriorityRow]) -> str:
            return _join([f"{r.area.name} ({points_text(r.change)})" for r in items])

        if improved:
            out.append(
                _(
                    "Improved since %(previous)s: %(areas)s.",
                    previous=previous.period.label,
                    areas=named(improved),
                )
            )
        if declined:
            out.append(
                _(
                    "Declined since %(previous)s: %(areas)s.",
                    previous=previous.period.label,
                    areas=named(declined),
                )
            )
        if not improved and not declined:
            out.append(
                _(
                    "No priority area can be compared with %(previous)s (no commitments due "
                    "then in these areas, or no change).",
                    previous=previous.period.label,
                )
            )
    return Section(heading, out)


def _commitment_sentences(data: svc.Overview, previous: svc.PeriodFigures | None) -> Section:
    heading = _("Commitments")
    c = data.commitments
    period = data.filters.period.label
    if not c.in_force:
        return Section(heading, [_("No commitment is due in %(period)s.", period=period)])
    out = [
        _(
            "In %(period)s, %(commitments)s are in force; %(verified)s verified by the "
            "Inspektorat: a completion rate of %(rate)s, with an average progress of "
            "%(progress)s.",
            period=period,
            commitments=_commitments(c.in_force),
            verified=number(c.verified),
            rate=percent_text(c.completion),
            progress=percent_text(c.average_progress, 1),
        )
    ]
    if previous is not None:
        change = _change(c.completion, previous.commitments.completion)
        if change is None:
            out.append(
                _(
                    "No commitment was due in %(previous)s to compare with.",
                    previous=previous.period.label,
                )
            )
        else:
            out.append(
                _(
                    "Against %(previous)s (%(before)s) the completion rate is %(change)s.",
                    previous=previous.period.label,
                    before=percent_text(previous.commitments.completion),
                    change=change,
                )
            )
    return Section(heading, out)


def _follow_up_sentences(data: svc.Overview, previous: svc.PeriodFigures | None) -> Section:
    heading = _("Follow-up of evaluation and audit recommendations")
    f = data.follow_ups
    if not f.total:
        return Section(
            heading,
            [_("No recommendation is monitored in %(semester)s.", semester=data.semester_label)],
        )
    out = [
        _(
            "At the monitoring of %(semester)s (as of %(date)s), %(settled)s of %(total)s "
            "match the recommendation (outcome 1): a follow-up completion rate of %(rate)s.",
            semester=data.semester_label,
            date=format_date(data.follow_ups_as_of, "d MMMM y"),
            settled=number(f.settled),
            total=_recommendations(f.total),
            rate=percent_text(f.rate),
        )
    ]
    if f.not_reviewed:
        out.append(
            ngettext(
                "%(count)s has not been reviewed yet (counted as 3, not followed up).",
                "%(count)s have not been reviewed yet (counted as 3, not followed up).",
                f.not_reviewed,
                count=number(f.not_reviewed),
            )
        )
    if previous is not None and previous.semester != data.semester:
        change = _change(f.rate, previous.follow_ups.rate)
        if change is not None:
            out.append(
                _(
                    "Against the monitoring of %(previous)s (%(before)s) the rate is %(change)s.",
                    previous=period_label(previous.semester),
                    before=percent_text(previous.follow_ups.rate),
                    change=change,
                )
            )
    return Section(heading, out)


def _late_sentences(data: svc.Overview) -> Section:
    heading = _("What is late")
    c, f = data.commitments.overdue, data.follow_ups.overdue
    if not c and not f:
        return Section(heading, [_("Nothing is overdue.")])
    out = [
        _(
            "Overdue: %(commitments)s (in progress past the due date, as of today) and "
            "%(recommendations)s (past the deadline without outcome 1 or 4, as of %(date)s).",
            commitments=_commitments(c),
            recommendations=_recommendations(f),
            date=format_date(data.follow_ups_as_of, "d MMMM y"),
        )
    ]
    if data.overdue_average is not None and c:
        out.append(
            _(
                "That is %(average)s overdue commitments per OPD with commitments in force.",
                average=number(data.overdue_average, 1),
            )
        )
    return Section(heading, out)


def _attention_sentences(data: svc.Overview) -> Section:
    heading = _("OPDs needing attention")
    late = svc.needs_attention(data.ranking)
    rule = _(
        "Rule: the OPDs with overdue commitments or recommendations, the most overdue items "
        "first (at most %(n)s named).",
        n=svc.ATTENTION_LIMIT,
    )
    if not late:
        return Section(heading, [_("No OPD has overdue items."), rule])
    named = [
        _(
            "%(opd)s (%(items)s overdue, completion %(rate)s)",
            opd=row.opd.name,
            items=number(row.overdue_items),
            rate=percent_text(row.commitments.completion),
        )
        for row in late[: svc.ATTENTION_LIMIT]
    ]
    out = [_("Needing attention: %(opds)s.", opds=_join(named))]
    if len(late) > svc.ATTENTION_LIMIT:
        more = len(late) - svc.ATTENTION_LIMIT
        out.append(
            ngettext(
                "%(count)s more OPD has overdue items (see the OPD ranking).",
                "%(count)s more OPDs have overdue items (see the OPD ranking).",
                more,
                count=number(more),
            )
        )
    out.append(rule)
    return Section(heading, out)


def sections(data: svc.Overview, previous: svc.PeriodFigures | None) -> list[Section]:
    """The summary, in the order the report opens with: the priority areas first."""
    return [
        _priorities(data, previous),
        _commitment_sentences(data, previous),
        _follow_up_sentences(data, previous),
        _late_sentences(data),
        _attention_sentences(data),
    ]


__all__ = ["Section", "sections"]
