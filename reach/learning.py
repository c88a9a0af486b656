"""What workers need to learn, for lead psychologists: the needs and risks workers bring in requests, the needs
and risks most often brought together, where workers said they were not more confident afterwards, and the
themes facilitators record, month by month for a kind of service, with group topics and formulation templates
that match (by the request's needs and risks and the templates' tags).

The counts are the daily roll-ups' (reach.daily.ASKED): whole London months read from a row each, so a year
costs the same however many requests it holds, and only the days not yet rolled up are counted afresh."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import NEEDS, RISKS
from core.accounts.models import Organisation
from formulations.models import PUBLISHED, Template, TemplateVersion, split_tags
from supervision.models import GroupSeries, GroupSession, SessionNotes

from . import rollups
from .daily import ASKED, ASKED_NUMBERS
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


def _themes(session: Session, months: list[Period], service_type: str | None) -> list[dict]:
    """The latest themes facilitators shared, with the group's kind of service."""
    query = (select(GroupSession.starts_at, GroupSeries.title, Organisation.service_type, SessionNotes.themes)
             .join(GroupSession, GroupSession.id == SessionNotes.session_id)
             .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
             .outerjoin(Organisation, Organisation.id == GroupSeries.organisation_id)
             .where(GroupSession.starts_at >= months[0].bounds()[0],
                    GroupSession.starts_at < months[-1].bounds()[1], SessionNotes.themes != ""))
    if service_type:
        query = query.where(Organisation.service_type == service_type)
    return [{"starts_at": s, "group": title, "service_type": kind, "themes": themes} for s, title, kind, themes in
            session.execute(query.order_by(GroupSession.starts_at.desc()).limit(THEMES_SHOWN))]


def _templates(session: Session) -> list[tuple[int, str, list[str]]]:
    """The library's live templates: id, title and tags of the version it shows."""
    return [(template_id, title, split_tags(tags)) for template_id, title, tags in session.execute(
        select(TemplateVersion.template_id, TemplateVersion.title, TemplateVersion.tags)
        .join(Template, Template.published_version_id == TemplateVersion.id)
        .where(Template.retired_at.is_(None), TemplateVersion.status == PUBLISHED).limit(500))]


def _suggest(weights: dict[str, int], templates: list) -> list[dict]:
    """For the needs and risks that weigh most (where workers were not more confident counting double): a group
    topic, and the templates tagged for them."""
    chosen = [k for k, w in sorted(weights.items(), key=lambda kw: (-kw[1], kw[0])) if w][:TOPICS_SUGGESTED]
    return [{"key": key, "label": LABELS[key], "topic": GROUP_TOPICS[key],
             "templates": [{"id": tid, "title": title} for tid, title, tags in templates
                           if TAG_WORDS[key] & set(tags)]} for key in chosen]


def learning_needs(session: Session, months: list[Period], service_type: str | None = None) -> LearningNeeds:
    periods = {n: month.bounds() for n, month in enumerate(months)}
    counted = rollups.sums(session, {ASKED: periods}, rollups.kinds_of_service(session), rollups.state(session),
                           service_type=service_type)[ASKED.name].scope
    by_month = [[int(v) for v in counted.get(n, [0] * len(ASKED_NUMBERS))] for n in range(len(months))]

    def monthly(name: str) -> list[int]:
        at = ASKED_NUMBERS.index(name)
        return [numbers[at] for numbers in by_month]

    needs = {k: monthly(f"need:{k}") for k in NEEDS}
    risks = {k: monthly(f"risk:{k}") for k in RISKS}
    not_confident = {k: monthly(f"doubt:{k}") for k in LABELS}
    pairs = ((n, r, sum(monthly(f"pair:{n}:{r}"))) for n, r in product(NEEDS, RISKS))
    together = sorted((pair for pair in pairs if pair[2]), key=lambda t: (-t[2], t[0], t[1]))
    weights = {k: sum((needs.get(k) or risks[k])) + 2 * sum(not_confident[k]) for k in LABELS}
    return LearningNeeds(months, monthly("requests"), needs, risks, not_confident, monthly("doubtful"),
                         together[:5], _themes(session, months, service_type), _suggest(weights, _templates(session)))
