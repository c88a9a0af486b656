"""The shared layout: the header is rendered once per distinct set of inputs, so it must still show each
person their own name, their own sign-out token and where they are."""
from __future__ import annotations

import re

from .support import csrf_from, sign_in


def _current(html: str) -> list[str]:
    return re.findall(r'class="nhsuk-header__navigation-link" href="([^"]+)" aria-current="page"', html)


def test_the_header_shows_each_person_their_name_token_and_the_page_they_are_on(app):
    worker, psychologist = app.test_client(), app.test_client()
    sign_in(worker, "frontline")
    sign_in(psychologist, "psychologist")
    consultations = worker.get("/consultations/mine").get_data(as_text=True)
    formulations = worker.get("/formulations/").get_data(as_text=True)
    assert _current(consultations) == ["/consultations/"] and _current(formulations) == ["/formulations/"]
    theirs = psychologist.get("/formulations/").get_data(as_text=True)
    assert "Frontline (" in formulations and "Frontline (" not in theirs and "Psychologist (" in theirs
    assert csrf_from(worker.get("/")) != csrf_from(psychologist.get("/"))
