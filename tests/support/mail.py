"""Email backends that fail the way SMTP servers do, for the outbox tests (in-process)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Drops the connection `failures` times, then delivers to django.core.mail.outbox."""

    failures: ClassVar[int] = 0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """Refuses every recipient for good (550), as for a mailbox that does not exist."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> Any:
        recipients = {to: (550, b"5.1.1 No such user") for m in messages for to in m.to}
        raise smtplib.SMTPRecipientsRefused(recipients)
