"""Turning outbox rows into email: SMTP for real, the log in development."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger("reach.mail")


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
        try:
            self._connection().send_message(build_email(message, self.config["MAIL_FROM"], domain))
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
