"""Reflective accounts for revalidation: started from a supervision session, a reflective-practice session or a
case clinic the worker took part in; the regulator's questions pre-filled with dates and hours, never with a
client's details; downloaded as a PDF and as text for Word; listed on the CPD record beside group hours."""
from __future__ import annotations

import io
from datetime import datetime

from pypdf import PdfReader
from sqlalchemy import select

from core.timeutil import LONDON
from supervision.one_to_one import records
from supervision.one_to_one.models import ReflectiveAccount
from tests.factories import agreement_in_force, past_session, supervision_sessions
from tests.pages import open_page
from tests.support import at_moment, person, post_form, signed_in


def recorded_session(app, session, reference: str = "JB-0412"):
    agreement = agreement_in_force(app, session)
    held = supervision_sessions(session, agreement)[0]
    written = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    at_moment(written, app, session, lambda: records.write(
        session, held, person(session, "psychologist"), {"caseload": "Heavy.", "wellbeing": "", "learning": ""},
        [records.CaseDiscussed(reference, None, "Her mornings are hardest.")], [], now=written))
    return held


def _start(client, kind: str, source: int):
    return post_form(client, "/supervision/reflective-accounts/start", {"kind": kind, "source": str(source)},
                     page_url="/supervision/reflective-accounts")


def _answers(**changes) -> dict:
    return {"regulator": "nmc", "nature": "One-to-one supervision.", "learned": "I carry too much alone.",
            "changed": "I now ask for a case discussion sooner.", "relevance": "Prioritise people.", **changes}


def test_an_nmc_account_starts_with_the_date_and_hours_and_no_client_reference(app, session):
    held = recorded_session(app, session)
    client = signed_in(app, "frontline")
    response = _start(client, "supervision", held.id)
    assert response.status_code == 302
    account = session.scalars(select(ReflectiveAccount)).one()
    assert (account.regulator, account.minutes, account.activity_on.isoformat()) == ("nmc", 60, "2026-11-30")
    page = open_page(client, "one_to_one.account", account_id=account.id)
    assert "What was the nature of the CPD activity" in page and "How is this relevant to the Code?" in page
    assert "30 November 2026, 1 hour" in page
    for client_detail in ("JB-0412", "mornings", "Heavy"):
        assert client_detail not in page
    # Starting again from the same session opens the same draft.
    _start(client, "supervision", held.id)
    assert len(session.scalars(select(ReflectiveAccount)).all()) == 1


def test_a_client_reference_typed_into_the_account_is_refused_and_the_rest_kept(app, session):
    held = recorded_session(app, session)
    client = signed_in(app, "frontline")
    url = _start(client, "supervision", held.id).headers["Location"]
    response = post_form(client, url, _answers(learned="With jb-0412 I learned to wait."))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Remove the client reference" in body
    assert "I now ask for a case discussion sooner." in body
    session.rollback()
    assert session.scalars(select(ReflectiveAccount.learned)).one() == ""


def test_the_account_downloads_as_a_pdf_and_as_text_word_opens(app, session):
    held = recorded_session(app, session)
    client = signed_in(app, "frontline")
    url = _start(client, "supervision", held.id).headers["Location"]
    assert post_form(client, url, _answers()).status_code == 302
    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "NMC reflective accounts form" in text and "I carry too much alone." in text
    assert "30 November 2026" in text and "JB-0412" not in text
    plain = client.get(f"{url}.txt")
    assert plain.data.startswith("\ufeff".encode()) and b"\r\nI now ask for a case discussion sooner.\r\n" in plain.data
    assert "attachment" in plain.headers["Content-Disposition"]


def test_a_gphc_account_asks_the_gphc_questions(app, session):
    held = recorded_session(app, session)
    client = signed_in(app, "frontline")
    url = _start(client, "supervision", held.id).headers["Location"]
    post_form(client, url, _answers(regulator="gphc"))
    page = client.get(url).get_data(as_text=True)
    assert "standards for pharmacy professionals" in page and "relevant to the Code" not in page


def test_accounts_start_only_from_what_the_worker_took_part_in_and_are_theirs_alone(app, session):
    held = recorded_session(app, session)
    stranger = signed_in(app, "team_lead")
    assert _start(stranger, "supervision", held.id).status_code == 302
    assert session.scalars(select(ReflectiveAccount)).all() == []
    gs = past_session(app, session, attended=("other_frontline",))
    worker = signed_in(app, "other_frontline")
    _start(worker, "reflective_practice", gs.id)
    account = session.scalars(select(ReflectiveAccount)).one()
    assert account.source_kind == "reflective_practice" and "group reflective practice" in account.nature
    open_page(signed_in(app, "frontline"), "one_to_one.account", status=404, account_id=account.id)
    assert signed_in(app, "frontline").get(f"/supervision/reflective-accounts/{account.id}.pdf").status_code == 404
    record = open_page(worker, "supervision.record")
    assert "Reflective accounts" in record and "Reflective practice" in record
