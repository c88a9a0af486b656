"""The starter library: five templates written by the team in plain British English, each with its source."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.models import Person

from .models import TemplateVersion
from .sections import parse_sections
from .services import create_template, publish

STARTER = [
    {
        "title": "The 5 Ps: making sense of what is going on",
        "summary": "A simple way to pull together why a person's difficulties started, why they carry on, "
                   "and what is already helping.",
        "audience": "plain", "tags": "formulation basics, 5 ps, planning", "minutes_needed": 30,
        "source_note": "Based on the '5 Ps' formulation widely taught in clinical psychology and psychiatry "
                       "(presenting, predisposing, precipitating, perpetuating, protective factors), for example "
                       "Johnstone and Dallos (2014), Formulation in Psychology and Psychotherapy, Routledge.",
        "sections": """## Presenting
What is happening now, in the person's own words where you can.
? What are the main difficulties right now?
? How is their drinking, drug use or smoking at the moment?
## Predisposing
Things from earlier in life that may have made the person more vulnerable.
? What do you know about their early life, relationships and losses?
? Are there long-standing health, mental health or learning needs?
## Precipitating
What tipped things over recently?
? What changed just before things got worse?
## Perpetuating
What keeps the difficulties going? Often this includes things that help in the short term.
? What keeps the pattern going, including what substances do for them in the moment?
? What gets in the way of change (services, money, housing, relationships)?
## Protective
Strengths and supports. These are what a plan is built on.
? What is going well, even a little?
? Who or what matters to them and helps them cope?""",
    },
    {
        "title": "What helps, what hinders: substance use and mental health",
        "summary": "A plain-language map of how a person sees their alcohol, drug or tobacco use helping or "
                   "hindering their mental health, and the other way round.",
        "audience": "plain", "tags": "alcohol, drugs, tobacco, mental health, co-occurring conditions",
        "minutes_needed": 20,
        "source_note": "Built on the key question in Public Health England (2017), Better care for people with "
                       "co-occurring mental health and alcohol/drug use conditions: 'How does the person see "
                       "their alcohol/drug/tobacco use helping or hindering their mental health, and vice versa?'",
        "sections": """## What the substance does for them
Start with what the person gets from using. Everyone uses for a reason.
? In their words, what does drinking, using or smoking help with?
? When do they use most, and what is going on for them then?
## What it costs them
? What does their use make harder, in their view?
? What do they notice about their mood, sleep, worry or voices after using?
## How their mental health affects their use
? When they feel worse in themselves, what happens to their use?
? When they feel better, what changes?
## What they would like to be different
Go at their pace. Small changes count.
? What would they like to be different, if anything?
? What has helped before, even for a short while?
## Next steps together
? What will you try next, and who else needs to be involved?""",
    },
    {
        "title": "Hot cross bun: thoughts, feelings, body and actions",
        "summary": "A cross-sectional map of one difficult moment: what the person thought, felt, noticed in "
                   "their body and did, and how each fed the others.",
        "audience": "plain", "tags": "cbt, anxiety, cravings, cross-sectional", "minutes_needed": 15,
        "source_note": "The five-areas or 'hot cross bun' model from cognitive behavioural therapy: Padesky and "
                       "Mooney (1990); Greenberger and Padesky, Mind Over Mood (2nd edition, 2015).",
        "sections": """## The situation
Pick one recent, specific moment.
? Where were they, who was there, and what happened?
## Thoughts
? What went through their mind?
## Feelings
? What emotions did they notice, and how strong were they?
## Body
? What did they notice in their body (for example racing heart, cravings, shaking)?
## Actions
? What did they do, including using, leaving or avoiding?
? What happened next, and how did that feed back into the thoughts and feelings?""",
    },
    {
        "title": "Power Threat Meaning Framework: four questions",
        "summary": "Questions that move from 'what is wrong with you?' to 'what has happened to you?', for "
                   "thinking about a person's situation without a diagnosis.",
        "audience": "specialist", "tags": "ptmf, trauma, social context", "minutes_needed": 30,
        "source_note": "Johnstone and Boyle with others (2018), The Power Threat Meaning Framework, British "
                       "Psychological Society. The four core questions are quoted from the framework's overview.",
        "sections": """## Power
How has power, in relationships, money, housing or services, operated in their life?
? What has happened to you? (How is power operating in your life?)
## Threat
? How did it affect you? (What kind of threats does this pose?)
## Meaning
? What sense did you make of it? (What is the meaning of these situations and experiences to you?)
## Threat responses
Substance use, self-harm and withdrawal can be understood as ways of surviving threat.
? What did you have to do to survive? (What kinds of threat response are you using?)
## Strengths and story
? What are your strengths? (What access to power resources do you have?)
? What is your story? (How does all this fit together?)""",
    },
    {
        "title": "What happened to you: safety and stabilisation plan",
        "summary": "A trauma-informed plan to help a person feel safer day to day: warning signs, grounding, "
                   "people and places, and what staff should and should not do.",
        "audience": "plain", "tags": "trauma, safety, stabilisation, relapse prevention", "minutes_needed": 25,
        "source_note": "Trauma-informed care principles (safety, trust, choice, collaboration, empowerment) as in "
                       "Office for Health Improvement and Disparities (2022), Working definition of "
                       "trauma-informed practice; phase-based stabilisation as in Herman, Trauma and Recovery (1992).",
        "sections": """## Feeling safe
Ask, do not assume. The person leads.
? Where and with whom do they feel safest?
? What makes a place or a conversation feel unsafe for them?
## Early warning signs
? What are the first signs that things are getting too much (thoughts, feelings, urges to use)?
## Grounding and coping
? What helps them come back to the present moment?
? What can they do instead of, or before, using?
## People and places
? Who can they contact, and how? Include services and out-of-hours numbers.
## What staff should know
? What helps when they are distressed, and what makes things worse?
? What would they like to happen if they are at risk?""",
    },
]


def seed_starter_library(session: Session, author: Person) -> int:
    """Add and publish any starter template not already in the library. Returns how many were added."""
    existing = set(session.scalars(select(TemplateVersion.title)))
    added = 0
    for spec in STARTER:
        if spec["title"] in existing:
            continue
        version = create_template(session, author, {**spec, "sections": parse_sections(spec["sections"])})
        publish(session, version)
        added += 1
    return added
