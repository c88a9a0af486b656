"""Template versioning and formulations: plain functions of a session and data."""
from __future__ import annotations

import difflib
import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from consult.models import Consultation
from core import audit, search
from core.accounts.models import Person, Role
from core.refusals import Refused
from core.timeutil import utcnow

from . import models
from .linked import started_on_case
from .models import DRAFT, PUBLISHED, Formulation, FormulationComment, FormulationRevision, Template, TemplateVersion
from .sections import sections_text, to_json

VERSION_FIELDS = ("title", "summary", "audience", "tags", "minutes_needed", "source_note", "sections_json")


class VersionRefused(Refused):
    """A change the version life cycle does not allow; the message is shown to the author."""


def normalise_tags(raw: str) -> str:
    tags = []
    for tag in (raw or "").split(","):
        tag = " ".join(tag.lower().split())
        if tag and tag not in tags:
            tags.append(tag)
    return ",".join(tags)


def _fill(version: TemplateVersion, data: dict) -> None:
    version.title = data["title"].strip()
    version.summary = data["summary"].strip()
    version.audience = data["audience"]
    version.tags = normalise_tags(data.get("tags", ""))
    version.minutes_needed = data["minutes_needed"]
    version.source_note = data["source_note"].strip()
    version.sections_json = to_json(data["sections"])


def create_template(session: Session, author: Person, data: dict, derived_from: TemplateVersion | None = None,
                    now: datetime | None = None) -> TemplateVersion:
    now = now or utcnow()
    template = Template(created_by_id=author.id, created_at=now,
                        derived_from_version_id=derived_from.id if derived_from else None)
    session.add(template)
    session.flush()
    version = TemplateVersion(template_id=template.id, number=1, status=DRAFT, created_by_id=author.id, created_at=now)
    _fill(version, data)
    session.add(version)
    session.flush()
    audit.record(session, "template.created", "template", template.id,
                 derived_from=derived_from.id if derived_from else None)
    return version


def update_draft(session: Session, version: TemplateVersion, data: dict) -> None:
    if version.status != DRAFT:
        raise VersionRefused("This version is published, so it cannot be changed. Start a new draft instead.")
    _fill(version, data)
    audit.record(session, "template.draft_saved", "template", version.template_id, version=version.number)


def publish(session: Session, version: TemplateVersion, now: datetime | None = None) -> None:
    if version.status != DRAFT:
        raise VersionRefused("This version is already published.")
    version.status = PUBLISHED
    version.published_at = now or utcnow()
    # Only the newest version can be a draft (new_draft), so the one published now is the latest.
    session.get(Template, version.template_id).published_version_id = version.id
    index(session, version)
    audit.record(session, "template.published", "template", version.template_id, version=version.number)


SEARCH_KIND = "template"


def index(session: Session, version: TemplateVersion) -> None:
    """The template in the one search, as its latest published version says (migration 0031 wrote the same
    for the templates published before it)."""
    search.put(session, SEARCH_KIND, version.template_id, version.title, version.summary,
               tags=version.tags.replace(",", ", "), now=version.published_at)


def latest_version(session: Session, template_id: int) -> TemplateVersion | None:
    """The newest version, draft or published (the latest published is `Template.published_version_id`)."""
    return session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == template_id)
                          .order_by(TemplateVersion.number.desc()).limit(1))


def new_draft(session: Session, template: Template, author: Person, now: datetime | None = None) -> TemplateVersion:
    """A new draft copied from the latest version; only one draft at a time."""
    latest = latest_version(session, template.id)
    if latest is None or latest.status == DRAFT:
        raise VersionRefused("This template already has a draft. Carry on with it.")
    if template.retired_at is not None:
        raise VersionRefused("This template is retired, so it gets no new versions.")
    draft = TemplateVersion(template_id=template.id, number=latest.number + 1, status=DRAFT,
                            created_by_id=author.id, created_at=now or utcnow())
    for name in VERSION_FIELDS:
        setattr(draft, name, getattr(latest, name))
    session.add(draft)
    session.flush()
    audit.record(session, "template.draft_started", "template", template.id, version=draft.number)
    return draft


def discard_draft(session: Session, version: TemplateVersion) -> TemplateVersion | None:
    """Throw a draft away. Returns the version now shown for the template, or None when the draft was all there
    was (never published) and the template has gone with it. Nothing was ever made from a draft."""
    if version.status != DRAFT:
        raise VersionRefused("Only a draft can be discarded: a published version never changes.")
    template = session.get(Template, version.template_id)
    audit.record(session, "template.draft_discarded", "template", template.id, version=version.number)
    session.delete(version)
    session.flush()
    remaining = latest_version(session, template.id)
    if remaining is None:
        session.delete(template)
    return remaining


def retire(session: Session, template: Template, now: datetime | None = None) -> None:
    if template.retired_at is None:
        template.retired_at = now or utcnow()
        search.remove(session, SEARCH_KIND, template.id)
        audit.record(session, "template.retired", "template", template.id)


def derive(session: Session, source: TemplateVersion, author: Person) -> TemplateVersion:
    if source.status != PUBLISHED:
        raise VersionRefused("Only a published version can be the start of a new template.")
    data = {name: getattr(source, name) for name in VERSION_FIELDS}
    data["sections"] = json.loads(data.pop("sections_json"))
    data["title"] = f"{source.title} (adapted)"
    return create_template(session, author, data, derived_from=source)


def can_author(person: Person, template: Template) -> bool:
    return template.created_by_id == person.id and person.has_role(Role.PSYCHOLOGIST)


# --- Differences between versions ----------------------------------------------------

def version_lines(version: TemplateVersion) -> list[str]:
    return [
        f"Title: {version.title}", f"Summary: {version.summary}", f"Audience: {version.audience}",
        f"Tags: {version.tags.replace(',', ', ')}", f"Time needed: {version.minutes_needed} minutes",
        f"Source: {version.source_note}", "",
        *sections_text(version.sections).split("\n"),
    ]


def diff(old: TemplateVersion, new: TemplateVersion) -> list[tuple[str, str]]:
    """(kind, line) pairs: kind is 'same', 'added' or 'removed'."""
    result = []
    for line in difflib.ndiff(version_lines(old), version_lines(new)):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        result.append(({"+ ": "added", "- ": "removed"}.get(code, "same"), text))
    return result


# --- The library ------------------------------------------------------------------------

@lru_cache(maxsize=128)
def library_query(q: str = "", tag: str = "", audience: str = "", with_uses: bool = True):
    """Each live template's latest published version, with how often the template has been used (a count over
    every formulation, so pickers that only need titles leave it out).

    Kept once built: a statement holds no data, only the question, and building this one cost a sixth of
    the library page."""
    any_version = aliased(TemplateVersion)
    # count(*), not count(id): PostgreSQL then counts from the index alone, a third of the time.
    uses = (select(func.count()).select_from(Formulation)
            .join(any_version, any_version.id == Formulation.template_version_id)
            .where(any_version.template_id == TemplateVersion.template_id)
            .correlate(TemplateVersion).scalar_subquery())
    # What a row of the library shows, as plain values: the versions' sections, and tracking 25 objects, were
    # a third of the time its rows took to load.
    query = (select(TemplateVersion.id, TemplateVersion.title, TemplateVersion.summary, TemplateVersion.audience,
                    TemplateVersion.minutes_needed, TemplateVersion.tags, uses.label("uses"))
             if with_uses else select(TemplateVersion.id))
    # Each version asks whether it is a live template's shown one, so the database can walk the versions by
    # title and stop at a page, rather than sort every live template's.
    query = query.where(select(Template.id).where(Template.published_version_id == TemplateVersion.id,
                                                  Template.retired_at.is_(None)).exists())
    if q:  # autoescape: a % or _ typed in a search is looked for, not a wildcard
        q = q.lower()
        query = query.where(or_(func.lower(TemplateVersion.title).contains(q, autoescape=True),
                                func.lower(TemplateVersion.summary).contains(q, autoescape=True),
                                TemplateVersion.tags.contains(q, autoescape=True)))
    if tag:
        query = query.where(("," + TemplateVersion.tags + ",").contains(f",{tag.lower()},", autoescape=True))
    if audience:
        query = query.where(TemplateVersion.audience == audience)
    return query.order_by(func.lower(TemplateVersion.title), TemplateVersion.id)


def library_counted(q: str = "", tag: str = "", audience: str = ""):
    """The same templates as `library_query`, for counting: with nothing chosen, the live templates that have a
    version to show, counted from the templates' own index rather than by asking of every version."""
    if q or tag or audience:
        return library_query(q, tag, audience, with_uses=False)
    return select(Template.id).where(Template.retired_at.is_(None), Template.published_version_id.is_not(None))


# --- Formulations ----------------------------------------------------------------------

def empty_answers(version: TemplateVersion) -> list[list[str]]:
    return [["" for _ in section["prompts"]] for section in version.sections]


def start_formulation(session: Session, author: Person, version: TemplateVersion, consultation_id: int | None,
                      now: datetime | None = None) -> Formulation:
    if version.status != PUBLISHED:
        raise VersionRefused("Formulations are made from published versions only.")
    standing = models.standing(version, session.get(Template, version.template_id))
    if standing == "retired":
        raise VersionRefused("This template has been retired, so new formulations cannot be made with it. "
                             "Choose another from the library.")
    if standing == "superseded":
        raise VersionRefused("This is an older version of the template: a newer one has been published. "
                             "Start from the newest version.")
    now = now or utcnow()
    formulation = Formulation(template_version_id=version.id, author_id=author.id, consultation_id=consultation_id,
                              created_at=now, updated_at=now)
    session.add(formulation)
    session.flush()
    session.add(FormulationRevision(formulation_id=formulation.id, number=1, author_id=author.id, created_at=now,
                                    answers_json=json.dumps(empty_answers(version))))
    audit.record(session, "formulation.started", "formulation", formulation.id, version=version.id,
                 consultation=consultation_id)
    if consultation_id is not None:
        started_on_case(session, formulation, session.get(Consultation, consultation_id), author, version.title, now)
    return formulation


def latest_revision(session: Session, formulation_id: int) -> FormulationRevision:
    return session.scalar(select(FormulationRevision).where(FormulationRevision.formulation_id == formulation_id)
                          .order_by(FormulationRevision.number.desc()).limit(1))


def save_answers(session: Session, formulation: Formulation, author: Person, answers: list[list[str]],
                 now: datetime | None = None) -> FormulationRevision | None:
    """Keep a new revision when anything changed; earlier ones stay as they were."""
    now = now or utcnow()
    current = latest_revision(session, formulation.id)
    if current.answers == answers:
        return None
    revision = FormulationRevision(formulation_id=formulation.id, number=current.number + 1, author_id=author.id,
                                   created_at=now, answers_json=json.dumps(answers, ensure_ascii=False))
    session.add(revision)
    formulation.updated_at = now
    audit.record(session, "formulation.saved", "formulation", formulation.id, revision=revision.number)
    return revision


def add_comment(session: Session, formulation: Formulation, author: Person, section_index: int, body: str,
                now: datetime | None = None) -> FormulationComment:
    comment = FormulationComment(formulation_id=formulation.id, section_index=section_index, author_id=author.id,
                                 body=body, created_at=now or utcnow())
    session.add(comment)
    audit.record(session, "formulation.commented", "formulation", formulation.id, section=section_index)
    return comment


def as_markdown(version: TemplateVersion, answers: list[list[str]], heading: str) -> str:
    lines = [f"# {heading}", "", f"Made with: {version.title} (version {version.number})", ""]
    for section, section_answers in zip(version.sections, answers, strict=True):
        lines += [f"## {section['heading']}", ""]
        for prompt, answer in zip(section["prompts"], section_answers, strict=True):
            lines += [f"**{prompt}**", "", answer.strip() or "_Not answered yet_", ""]
    return "\n".join(lines)
