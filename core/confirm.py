"""Asking before a change that cannot be undone: the first press of the button shows what will happen and asks
again; only the second, with `confirmed=yes` posted, does it. Works without JavaScript."""
from __future__ import annotations

from flask import render_template, request


def confirm_first(question: str, consequences: list[str], yes: str, back: str, fields: dict | None = None):
    """The confirmation page, unless this post is the confirmation; None means go ahead. `fields` are posted
    again with the confirmation (the reason typed, say), so nothing typed is lost."""
    if request.form.get("confirmed") == "yes":
        return None
    return render_template("confirm.html", question=question, consequences=consequences, yes=yes, back=back,
                           action=request.path, fields=fields or {})
