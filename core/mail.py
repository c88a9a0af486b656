"""Turning outbox rows into email: SMTP for real, the log in development."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from .notifications import MessageProblem

log = logging.getLogger("reach.mail")
# The server's answer to this one message (a refused recipient, a 5xx for its content): the connection is
# fine, and the messages behind it can still go.
REFUSED_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError)


def built(message, sender_address: str, domain: str) -> EmailMessage:
    """The message as email, or MessageProblem when it cannot be made one (a header that will not build)."""
    try:
        return build_email(message, sender_address, domain)
    except (ValueError, TypeError, UnicodeError, LookupError) as error:
        raise MessageProblem(f"cannot be built: {type(error).__name__}: {error}") from error


def build_email(message, sender_address: str, domain: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender_address
    email["To"] = message.to_address
    email["Subject"] = message.subject
    # A stable Message-ID lets a mail server drop a duplicate after a crash mid-send.
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>" if domain else make_msgid()
    email.set_content(message.body)
    if message.calendar:
        # The METHOD parameter tells mail clients whether this is an invitation, an update or a cancellation.
        method = "CANCEL" if "METHOD:CANCEL" in message.calendar else "REQUEST"
        email.add_attachment(message.calendar, subtype="calendar", filename="invitation.ics",
                             params={"method": method})
    return email


class LogSender:
    def __init__(self, config: dict):
        self.config = config

    def send(self, message) -> None:
        built(message, self.config["MAIL_FROM"], "")  # what SMTP would refuse, development refuses too
        log.info("Email to %s: %s\n%s", message.to_address, message.subject, message.body)


class SMTPSender:
    """Opens one connection per sweep and reuses it for the batch."""

    def __init__(self, config: dict):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            c = self.config
            smtp = smtplib.SMTP(c["SMTP_HOST"], c["SMTP_PORT"], timeout=c["SMTP_TIMEOUT_SECONDS"])
            if c["SMTP_STARTTLS"]:
                smtp.starttls()
            if c["SMTP_USERNAME"]:
                smtp.login(c["SMTP_USERNAME"], c["SMTP_PASSWORD"])
            self._smtp = smtp
        return self._smtp

    def send(self, message) -> None:
        domain = self.config["MAIL_FROM"].rsplit("@", 1)[-1].strip(">") if "@" in self.config["MAIL_FROM"] else ""
        email = built(message, self.config["MAIL_FROM"], domain)
        try:
            self._connection().send_message(email)
        except REFUSED_MESSAGE as refused:
            self.close()  # a fresh connection for the next message, whatever state this one was left in
            raise MessageProblem(f"refused by the server: {refused}") from refused
        except smtplib.SMTPDataError as refused:
            self.close()
            if 500 <= refused.smtp_code < 600:
                raise MessageProblem(f"refused by the server: {refused}") from refused
            raise
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:
                pass
            self._smtp = None


def make_sender(config: dict):
    return SMTPSender(config) if config["MAIL_BACKEND"] == "smtp" else LogSender(config)
