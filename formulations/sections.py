"""Sections written as plain text, so authors need no JavaScript to add or reorder them.

    ## Heading of the section
    Guidance in Markdown, as many lines as needed.
    ? A prompt the person answers
    ? Another prompt
"""
from __future__ import annotations

import json


class SectionsProblem(ValueError):
    """Why the sections text cannot be used, in words for the author."""


def parse_sections(text: str) -> list[dict]:
    sections: list[dict] = []
    current = None
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.startswith("## "):
            current = {"heading": line[3:].strip(), "guidance": [], "prompts": []}
            sections.append(current)
        elif current is None:
            if line.strip():
                raise SectionsProblem("Start the sections with a heading line beginning '## '")
        elif line.startswith("? "):
            current["prompts"].append(line[2:].strip())
        else:
            current["guidance"].append(line)
    if not sections:
        raise SectionsProblem("Add at least one section: a line beginning '## ' followed by its prompts")
    for section in sections:
        section["guidance"] = "\n".join(section["guidance"]).strip()
        if not section["heading"]:
            raise SectionsProblem("Every section needs a heading after '## '")
        if not section["prompts"]:
            raise SectionsProblem(f"Add at least one prompt (a line beginning '? ') to '{section['heading']}'")
    return sections


def sections_text(sections: list[dict]) -> str:
    parts = []
    for section in sections:
        lines = [f"## {section['heading']}"]
        if section["guidance"]:
            lines.append(section["guidance"])
        lines += [f"? {prompt}" for prompt in section["prompts"]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def to_json(sections: list[dict]) -> str:
    return json.dumps(sections, ensure_ascii=False)
