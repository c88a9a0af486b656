"""Slowing down password guessing without locking anyone out for good.

Failures are counted over a rolling window for three keys: the account from
this address, the account from anywhere, and the address across accounts.
Past each key's free allowance, the next attempt must wait a delay that
doubles with each further failure, capped so the real person can always try
again after the cool-down. A success clears the account's count.

Staff of one organisation often share an address, so the address's count slows
only accounts that have themselves failed from it: a colleague with the right
password who has not failed gets in, while someone guessing across accounts
gets one try at each before the address's wait applies to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .models import SignInAttempt

WINDOW = timedelta(minutes=15)
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)


@dataclass(frozen=True)
class Allowance:
    free_failures: int
    email: bool
    address: bool


ACCOUNT_HERE, ACCOUNT, ADDRESS = (Allowance(free_failures=5, email=True, address=True),
                                  Allowance(free_failures=10, email=True, address=False),
                                  Allowance(free_failures=30, email=False, address=True))
ALLOWANCES = (ACCOUNT_HERE, ACCOUNT, ADDRESS)


def _delay(failures_over: int) -> timedelta:
    return min(BASE_DELAY * (2 ** min(failures_over, 16)), MAX_DELAY)


def wait_needed(session: Session, email: str, ip_address: str, now: datetime | None = None) -> timedelta | None:
    """How long this sign-in attempt must wait, or None if it may go ahead."""
    now = now or utcnow()
    email = email.strip().lower()
    last_success = session.scalar(
        select(func.max(SignInAttempt.attempted_at)).where(
            SignInAttempt.email == email, SignInAttempt.succeeded.is_(True)
        )
    )
    longest, failed_here = timedelta(0), 0
    for allowance in ALLOWANCES:
        since = now - WINDOW
        query = select(func.count(), func.max(SignInAttempt.attempted_at)).where(
            SignInAttempt.succeeded.is_(False), SignInAttempt.attempted_at > since
        )
        if allowance.email:
            query = query.where(SignInAttempt.email == email)
            if last_success is not None:
                query = query.where(SignInAttempt.attempted_at > last_success)
        if allowance.address:
            query = query.where(SignInAttempt.ip_address == ip_address)
        if allowance is ADDRESS and not failed_here:
            continue  # this account has not failed from here: the address's count does not hold it back
        failures, last_failure = session.execute(query).one()
        if allowance is ACCOUNT_HERE:
            failed_here = failures
        if failures >= allowance.free_failures and last_failure is not None:
            ready_at = last_failure + _delay(failures - allowance.free_failures)
            longest = max(longest, ready_at - now)
    return longest if longest > timedelta(0) else None


def note_attempt(session: Session, email: str, ip_address: str, succeeded: bool) -> None:
    session.add(SignInAttempt(email=email.strip().lower(), ip_address=ip_address or "unknown", succeeded=succeeded))


def describe_wait(wait: timedelta) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")
