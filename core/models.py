"""Every model, imported in one place so Alembic and tests see the whole schema."""
from .accounts.models import (  # noqa: F401
                              Invitation,
                              Organisation,
                              PasswordReset,
                              Person,
                              PersonRole,
                              SignInAttempt,
                              SignInSession,
                              Team,
                              TeamMembership,
)
from .audit import AuditEvent  # noqa: F401
from .database import Base  # noqa: F401
from .notifications import Notification, OutboxMessage  # noqa: F401
from .scheduler import SchedulerHeartbeat  # noqa: F401
from .search import SearchEntry  # noqa: F401
