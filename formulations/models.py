"""Formulation templates (versioned, published versions frozen) and formulations made from them."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, func, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.accounts.models import Person
from core.database import Base
from core.timeutil import utcnow

AUDIENCES = {"plain": "Plain language, for frontline staff", "specialist": "Specialist, for psychologists"}
DRAFT, PUBLISHED = "draft", "published"


class Template(Base):
    __tablename__ = "formulation_templates"
    # The library: live templates and the version each shows.
    __table_args__ = (Index("ix_formulation_templates_library", "retired_at", "published_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    derived_from_version_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The latest published version, the one the library shows; set by services.publish. Kept here because
    # finding it among every version on each view of the library was most of that page's database time.
    published_version_id: Mapped[int | None] = mapped_column(Integer)

    created_by: Mapped[Person] = relationship(lazy="raise_on_sql")


class TemplateVersion(Base):
    __tablename__ = "formulation_template_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "number", name="uq_formulation_template_versions_number"),
        Index("ix_formulation_template_versions_status", "template_id", "status", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("formulation_templates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(12), index=True)
    tags: Mapped[str] = mapped_column(String(300), default="")  # comma-separated, lower case
    minutes_needed: Mapped[int] = mapped_column(Integer)
    source_note: Mapped[str] = mapped_column(Text)
    sections_json: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    template: Mapped[Template] = relationship(lazy="raise_on_sql")
    created_by: Mapped[Person] = relationship(lazy="raise_on_sql")

    @property
    def sections(self) -> list[dict]:
        """[{"heading": str, "guidance": str, "prompts": [str, ...]}, ...]"""
        return json.loads(self.sections_json)

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags)

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def standing(self) -> str | None:
        """Why this version is no longer the one to use (`standing`); needs `template` loaded."""
        return standing(self, self.template)


# The library lists live templates by title: walked in this order, it stops at a page of them.
Index("ix_formulation_template_versions_title", func.lower(TemplateVersion.title), TemplateVersion.id)


def standing(version: TemplateVersion, template: Template) -> str | None:
    """Why a version is no longer the one to use: "retired" (its template is), "superseded" (a newer version is
    published), or None while it is current."""
    if template.retired_at is not None:
        return "retired"
    if version.is_published and template.published_version_id != version.id:
        return "superseded"
    return None


def split_tags(tags: str) -> list[str]:
    """A version's tags, stored comma-separated (services.normalise_tags), as a list."""
    return [t for t in tags.split(",") if t]


class PublishedVersionIsFrozen(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _freeze_published_versions(session: Session, _ctx, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TemplateVersion):
            status_history = inspect(obj).attrs.status.history
            was = status_history.deleted[0] if status_history.deleted else obj.status
            if was == PUBLISHED and (obj in session.deleted or session.is_modified(obj)):
                raise PublishedVersionIsFrozen("A published template version can never change.")


class Formulation(Base):
    __tablename__ = "formulations"
    __table_args__ = (Index("ix_formulations_author_updated", "author_id", "updated_at"),
                      Index("ix_formulations_reach", "created_at", "author_id", "template_version_id"),
                      Index("ix_formulations_updated", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("formulation_template_versions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_removed_at: Mapped[datetime | None]  # past its retention period: answers and comments removed

    version: Mapped[TemplateVersion] = relationship(lazy="raise_on_sql")
    author: Mapped[Person] = relationship(lazy="raise_on_sql")


class FormulationRevision(Base):
    """Each save keeps the answers as they were, so earlier revisions stay viewable."""

    __tablename__ = "formulation_revisions"
    __table_args__ = (UniqueConstraint("formulation_id", "number", name="uq_formulation_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    formulation_id: Mapped[int] = mapped_column(ForeignKey("formulations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    answers_json: Mapped[str] = mapped_column(Text)  # one list of answers per section, one per prompt
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def answers(self) -> list[list[str]]:
        return json.loads(self.answers_json)


class FormulationComment(Base):
    __tablename__ = "formulation_comments"
    __table_args__ = (Index("ix_formulation_comments_formulation", "formulation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    formulation_id: Mapped[int] = mapped_column(ForeignKey("formulations.id", ondelete="CASCADE"))
    section_index: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship(lazy="raise_on_sql")
