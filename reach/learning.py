"""What workers need to learn, for lead psychologists: the needs and risks workers bring in requests, the needs
and risks most often brought together, where workers said they were not more confident afterwards, and the
themes facilitators record, month by month for a kind of service, with group topics and formulation templates
that match (by the request's needs and risks and the templates' tags).

The counts are one SQL aggregate over the requests' creation-time index, each month a CASE bucket on London
month boundaries (so the clock changes fall in the right month on any database)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from itertools import product

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from consult.models import NEEDS, RISKS, CloseOutSurvey, Consultation
from core.accounts.models import Organisation
from core.timeutil import LONDON
from formulations.models import PUBLISHED, Template, TemplateVersion, split_tags
from supervision.models import GroupSeries, GroupSession, SessionNotes

from .periods import Period

THEMES_SHOWN = 30
TOPICS_SUGGESTED = 3

# The template tags that speak to each need and risk.
TAG_WORDS = {
    "mental_health": {"mental health", "anxiety", "depression", "co-occurring conditions"},
    "alcohol": {"alcohol", "cravings", "co-occurring conditions"},
    "drugs": {"drugs", "cravings", "relapse prevention", "co-occurring conditions"},
    "tobacco": {"tobacco"},
    "housing": {"housing", "social context"},
    "physical_health": {"physical health"},
    "safeguarding": {"safeguarding", "safety"},
    "children_carers": {"children", "carers", "family"},
    "suicide_self_harm": {"suicide", "self-harm", "self harm", "safety"},
    "intoxication": {"intoxication", "overdose", "alcohol", "drugs"},
    "harm_to_others": {"harm to others", "risk", "safety"},
    "domestic_abuse": {"domestic abuse", "trauma", "safety"},
    "child_safeguarding": {"child safeguarding", "safeguarding", "children"},
}
# A reflective practice topic for a group, in the words a frontline team would use.
GROUP_TOPICS = {
    "mental_health": "Low mood and anxiety alongside drinking or drug use",
    "alcohol": "Someone who drinks every day: what to try before a referral",
    "drugs": "Staying alongside someone through a relapse",
    "tobacco": "Talking about smoking without losing the relationship",
    "housing": "When housing is the crisis: keeping the person engaged",
    "physical_health": "Physical health needs that get missed",
    "safeguarding": "Safeguarding worries: thinking them through together",
    "children_carers": "The children and carers around the person",
    "suicide_self_harm": "Asking about suicide and self-harm, and what to do next",
    "intoxication": "Intoxication: adapting the work rather than excluding",
    "harm_to_others": "Risk to others: holding it and sharing it",
    "domestic_abuse": "Domestic abuse alongside substance use",
    "child_safeguarding": "A parent's drinking or drug use and the children's safety",
}
LABELS = {**NEEDS, **RISKS}


@dataclass
class LearningNeeds:
    months: list[Period]
    requests: list[int]  # by month
    needs: dict[str, list[int]]  # need key: count by month
    risks: dict[str, list[int]]
    not_confident: dict[str, list[int]]  # need or risk key: "not more confident" answers by month
    not_confident_total: list[int]
    together: list[tuple[str, str, int]]  # need, risk, requests bringing both, most first
    themes: list[dict]
    suggestions: list[dict]


def _midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _has(column, key: str):
    return literal(",").concat(column).concat(",").like(f"%,{key},%")


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _counts(session: Session, months: list[Period], service_type: str | None) -> list:
    """One row per month: requests, each need, each risk, "not more confident" in all and by each need and risk,
    and each pair of a need and a risk."""
    created = Consultation.created_at
    bucket = case(*[(created >= _midnight(m.first), n) for n, m in reversed(list(enumerate(months)))], else_=-1)
    doubtful = CloseOutSurvey.more_confident == "no"
    columns = [func.count()]
    columns += [_count(_has(Consultation.presenting_needs, k)) for k in NEEDS]
    columns += [_count(_has(Consultation.risks, k)) for k in RISKS]
    columns += [_count(doubtful)]
    columns += [_count(and_(doubtful, _has(Consultation.presenting_needs, k))) for k in NEEDS]
    columns += [_count(and_(doubtful, _has(Consultation.risks, k))) for k in RISKS]
    columns += [_count(and_(_has(Consultation.presenting_needs, n), _has(Consultation.risks, r)))
                for n, r in product(NEEDS, RISKS)]
    query = (select(bucket.label("month"), *columns).select_from(Consultation)
             .outerjoin(CloseOutSurvey, CloseOutSurvey.consultation_id == Consultation.id)
             .where(created >= _midnight(months[0].first), created < _midnight(months[-1].end)))
    if service_type:
        query = query.where(Consultation.organisation_id.in_(
            select(Organisation.id).where(Organisation.service_type == service_type)))
    return session.execute(query.group_by(bucket)).all()


def _themes(session: Session, months: list[Period], service_type: str | None) -> list[dict]:
    """The latest themes facilitators shared, with the group's kind of service."""
    query = (select(GroupSession.starts_at, GroupSeries.title, Organisation.service_type, SessionNotes.themes)
             .join(GroupSession, GroupSession.id == SessionNotes.session_id)
             .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
             .outerjoin(Organisation, Organisation.id == GroupSeries.organisation_id)
             .where(GroupSession.starts_at >= _midnight(months[0].first),
                    GroupSession.starts_at < _midnight(months[-1].end), SessionNotes.themes != ""))
    if service_type:
        query = query.where(Organisation.service_type == service_type)
    return [{"starts_at": s, "group": title, "service_type": kind, "themes": themes} for s, title, kind, themes in
            session.execute(query.order_by(GroupSession.starts_at.desc()).limit(THEMES_SHOWN))]


def _templates(session: Session) -> list[tuple[int, str, list[str]]]:
    """The library's live templates: id, title and tags of the version it shows."""
    return [(v.template_id, v.title, split_tags(v.tags)) for v in session.scalars(
        select(TemplateVersion).join(Template, Template.published_version_id == TemplateVersion.id)
        .where(Template.retired_at.is_(None), TemplateVersion.status == PUBLISHED).limit(500))]


def _suggest(weights: dict[str, int], templates: list) -> list[dict]:
    """For the needs and risks that weigh most (where workers were not more confident counting double): a group
    topic, and the templates tagged for them."""
    chosen = [k for k, w in sorted(weights.items(), key=lambda kw: (-kw[1], kw[0])) if w][:TOPICS_SUGGESTED]
    return [{"key": key, "label": LABELS[key], "topic": GROUP_TOPICS[key],
             "templates": [{"id": tid, "title": title} for tid, title, tags in templates
                           if TAG_WORDS[key] & set(tags)]} for key in chosen]


def learning_needs(session: Session, months: list[Period], service_type: str | None = None) -> LearningNeeds:
    width = len(months)
    zero = [0] * width
    requests, doubtful = list(zero), list(zero)
    needs = {k: list(zero) for k in NEEDS}
    risks = {k: list(zero) for k in RISKS}
    not_confident = {k: list(zero) for k in LABELS}
    pairs = {pair: 0 for pair in product(NEEDS, RISKS)}
    for month, total, *counts in _counts(session, months, service_type):
        if not 0 <= month < width:
            continue
        counts = [int(c or 0) for c in counts]
        requests[month] = total
        for key, value in zip([*NEEDS, *RISKS], counts, strict=False):
            (needs if key in NEEDS else risks)[key][month] = value
        rest = counts[len(LABELS):]
        doubtful[month] = rest[0]
        for key, value in zip(LABELS, rest[1:1 + len(LABELS)], strict=True):
            not_confident[key][month] = value
        for pair, value in zip(pairs, rest[1 + len(LABELS):], strict=True):
            pairs[pair] += value
    together = sorted(((n, r, count) for (n, r), count in pairs.items() if count), key=lambda t: (-t[2], t[0], t[1]))
    weights = {k: sum((needs.get(k) or risks[k])) + 2 * sum(not_confident[k]) for k in LABELS}
    return LearningNeeds(months, requests, needs, risks, not_confident, doubtful, together[:5],
                         _themes(session, months, service_type), _suggest(weights, _templates(session)))
