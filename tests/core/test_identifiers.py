"""Identifiers are refused however they are written, and checked in every free-text field that others see."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from core.identifiers import (
    DATE_MESSAGE,
    EMAIL_MESSAGE,
    NAME_MESSAGE,
    NHS_MESSAGE,
    POSTCODE_MESSAGE,
    TITLE_NAME_MESSAGE,
    free_text_problem,
    reference_problem,
)

NHS_NUMBERS = ["943 476 5919", "9434765919", "943-476-5919", "943.476.5919", "943/476/5919", "943–476–5919",
               "943\u00a0476\u00a05919", "943\u2009476\u20095919", "943\u200b476\u200b5919", "943\u00ad476\u00ad5919",
               "943_476_5919", "943 476 59O9", "9 4 3 4 7 6 5 9 1 9", "９４３ ４７６ ５９１９", "NHS no. 943 476 5919 2"]
DATES_OF_BIRTH = ["12/03/1980", "12-3-80", "12 03 1980", "12.03.1980", "1980-03-12", "12031980", "12-Mar-1980",
                  "12 March 1980", "12th of March 1980", "12th March 80", "March 12th, 1980", "１２/０３/１９８０",
                  "12mar1980"]
EMAILS = ["jo.bloggs@example.org", "jo＠example.org", "name at example dot org", "jo(at)example(dot)co(dot)uk",
          "jo.bloggs at nhs dot net", "jo [at] example [dot] com", "jo\u200b@example.org"]
POSTCODES = ["BN1 1AA", "bn11aa", "SW1A 2AA", "M1 1AE", "ec1a 1bb", "BN1\u00a01AA"]
NAMES_AS_REFERENCES = ["John Smith", "Mrs Jones", "Mr. Patel", "john-01", "SMITH7", "Jo Evans", "Ms O'Neil",
                       "sarah_2024"]
TITLES_AND_NAMES = ["Mrs Jones", "Dr. Patel", "Mr O'Neil", "Ms Khan"]
NOT_IDENTIFIERS = ["JB-0412", "RDA-001", "call the GP on 0161 496 0018", "between 10:30-12:45 11 people came",
                   "since March", "on 12 March she relapsed", "meet at the hostel", "look at bbc news",
                   "Room 12, 3 people", "aged 34, drinking 3 days a week", "Client A", "KW-17", "HS 2026 04",
                   "the GP said", "Will may call back", "met in room B12"]


@pytest.mark.parametrize("text", NHS_NUMBERS)
def test_nhs_numbers_are_refused_however_they_are_written(text):
    assert reference_problem(text) == NHS_MESSAGE
    assert "NHS number" in free_text_problem(f"Her number is {text}, can you check?")


@pytest.mark.parametrize("text", DATES_OF_BIRTH)
def test_dates_of_birth_are_refused_as_references_however_they_are_written(text):
    assert reference_problem(text) == DATE_MESSAGE


@pytest.mark.parametrize("text", EMAILS)
def test_email_addresses_are_refused_however_they_are_written(text):
    assert reference_problem(text) == EMAIL_MESSAGE and free_text_problem(f"write to {text}") == EMAIL_MESSAGE


@pytest.mark.parametrize("text", NOT_IDENTIFIERS)
def test_ordinary_references_and_text_are_left_alone(text):
    assert free_text_problem(text) is None
    if len(text) <= 40 and "March" not in text:
        assert reference_problem(text) is None


@pytest.mark.parametrize("text", POSTCODES)
def test_postcodes_are_refused_in_references_and_text(text):
    assert reference_problem(text) == POSTCODE_MESSAGE
    assert free_text_problem(f"lives near {text} with her mum") == POSTCODE_MESSAGE


@pytest.mark.parametrize("text", NAMES_AS_REFERENCES)
def test_a_client_reference_that_looks_like_a_name_is_refused(text):
    assert reference_problem(text) == NAME_MESSAGE


@pytest.mark.parametrize("text", TITLES_AND_NAMES)
def test_a_title_and_a_surname_are_refused_in_text_others_see(text):
    assert free_text_problem(f"{text} thinks she should be referred") == TITLE_NAME_MESSAGE


def _fields_others_see():
    from consult.forms import CheckBackForm, CloseForm, MessageForm, ReassignForm, RequestForm
    from formulations.forms import CommentForm, TemplateForm
    from supervision.forms import CancelSessionForm, EndSeriesForm, MoveSessionForm, NotesForm, SeriesForm
    return [(RequestForm, "question"), (RequestForm, "tried_so_far"), (RequestForm, "care_coordinator"),
            (MessageForm, "body"), (ReassignForm, "reason"), (CloseForm, "referral_or_signposting"),
            (CheckBackForm, "next_steps"), (CommentForm, "body"), (TemplateForm, "title"), (TemplateForm, "summary"),
            (TemplateForm, "source_note"), (SeriesForm, "title"), (SeriesForm, "description"),
            (MoveSessionForm, "reason"), (CancelSessionForm, "reason"), (EndSeriesForm, "reason"),
            (NotesForm, "themes"), (NotesForm, "private_notes")]


@pytest.mark.parametrize("form_class, field", _fields_others_see(),
                         ids=lambda value: value if isinstance(value, str) else value.__name__)
def test_every_free_text_field_others_see_refuses_identifiers(app, form_class, field):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=None, meta={"csrf": False})
        prefixed = form[field].name
        form = form_class(formdata=MultiDict({prefixed: "Her NHS number is 943.476.5919"}), meta={"csrf": False})
        form.validate()
    assert any("NHS number" in error for error in form[field].errors), form[field].errors
