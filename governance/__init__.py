"""Information governance: how long records are kept, and the sweep that removes what is past its time."""
from flask import Blueprint

bp = Blueprint("governance", __name__)

from . import models, views  # noqa: E402,F401  (models for the metadata; routes register on the blueprint)


def _kept_for_ever_warning() -> str | None:
    """For admins, on every page: which records an admin has set to be kept for ever."""
    from flask_login import current_user

    from core.accounts.models import Role
    from core.database import db

    from .retention import kept_for_ever
    if not current_user.has_role(Role.ADMIN):
        return None
    kinds = kept_for_ever(db.session)
    if not kinds:
        return None
    return (f"{', '.join(kinds)} are kept for ever: no retention period is set. Set one under Admin, "
            "How long records are kept.")


from core.templating import register_page_warning  # noqa: E402

register_page_warning(_kept_for_ever_warning)
