"""Emailing an estimate: an outbox row, then one email from the job (run here in-process)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from estimator import emails
from estimator.formatting import date_text, money_text
from estimator.models import Estimate, EstimateEmail, IntegrationKey, PatientLink, ServicePrice
from estimator.roles import FRONT_DESK
from estimator.services import estimate_issue, gfe_request_link_estimate
from tests.conftest import NOW
from tests.support.mail import FlakyBackend
from tests.support.pdf import pdf_read

from .factories import priced_estimate
from .test_admin_estimate_builder import gfe_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(starter_catalog: Any, clock: Any) -> Estimate:
    estimate = priced_estimate(
        name="Pat Example", email="pat@example.com", diagnosis_codes=("M54.50",)
    )
    return estimate_issue(estimate=estimate, by="test")


def _send(estimate: Estimate, capture: Any, **kwargs: Any) -> EstimateEmail:
    with capture(execute=True):
        email = emails.estimate_email_send(estimate=estimate, by="test", **kwargs)
    email.refresh_from_db()
    return email


def test_the_job_sends_the_good_faith_estimate_once_and_marks_the_row_sent(
    issued: Estimate, django_capture_on_commit_callbacks: Any, clock: Any
) -> None:
    email = _send(issued, django_capture_on_commit_callbacks)
    assert (email.status, email.kind, email.attempts) == ("sent", "gfe", 1)
    assert email.sent_at is not None and abs((email.sent_at - NOW).total_seconds()) < 60
    (message,) = mail.outbox
    assert message.to == ["pat@example.com"]
    assert issued.reference in message.subject and issued.reference in message.body
    assert "$" in message.body and message.alternatives[0][1] == "text/html"
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".pdf") and mimetype == "application/pdf" and content[:4] == b"%PDF"
    # The job again (a redelivered message): nothing more is sent.
    emails.estimate_email_deliver(email_id=email.pk, last_attempt=False)
    assert len(mail.outbox) == 1
    assert EstimateEmail.objects.get(pk=email.pk).attempts == 1


def test_an_estimate_without_a_good_faith_estimate_carries_the_itemised_estimate_as_issued(
    starter_catalog: Any, django_capture_on_commit_callbacks: Any, clock: Any
) -> None:
    # No date of birth: no Good Faith Estimate can be printed, the itemised estimate is sent.
    estimate = estimate_issue(estimate=priced_estimate(date_of_birth=None), by="test")
    # Prices change after issue: the PDF keeps the stored figures, never today's.
    ServicePrice.objects.update(amount=Decimal("999.00"))
    email = _send(estimate, django_capture_on_commit_callbacks, to="someone@example.com")
    assert (email.status, email.kind, email.recipient) == ("sent", "quote", "someone@example.com")
    ((name, content, mimetype),) = mail.outbox[0].attachments
    assert (name, mimetype) == (f"estimate-{estimate.reference}.pdf", "application/pdf")
    pdf = pdf_read(content)
    assert pdf.title.startswith(f"Cost estimate {estimate.reference}") and pdf.lang == "en-US"
    assert f"Reference {estimate.reference}" in pdf.text
    assert f"You would pay {money_text(estimate.patient_total)} in total." in pdf.text
    assert "$999.00" not in pdf.text
    valid_until = estimate.clinic.today() + dt.timedelta(days=30)
    assert f"Valid until {date_text(valid_until)}" in pdf.text
    assert f"hold until {date_text(valid_until)}" in mail.outbox[0].body


def test_the_email_carries_a_link_that_opens_the_estimate_without_an_account(
    issued: Estimate, django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    email = _send(issued, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    public: str = re.escape(str(settings.ESTIMATOR_PUBLIC_URL))
    link = re.search(public + r"(/estimate/[\w-]{43}/)", message.body)
    html = getattr(message, "alternatives", [])[0][0]
    assert link is not None and link[1] in str(html)
    page = client.get(link[1])
    assert page.status_code == 200 and issued.reference in page.content.decode()
    assert PatientLink.objects.get().email == email


def test_sending_the_answer_to_a_good_faith_estimate_request_marks_it_sent(
    issued: Estimate, django_capture_on_commit_callbacks: Any, clock: Any
) -> None:
    request = gfe_request()
    gfe_request_link_estimate(request=request, estimate=issued, by="test")
    other = gfe_request()  # another patient's request, not answered by it
    email = _send(issued, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    other.refresh_from_db()
    assert (request.status, other.status) == ("sent", "new")
    latest = request.history.first()
    assert latest.history_change_reason.startswith(f"Good Faith Estimate {issued.reference}")
    assert f"{email.sent_at:%Y-%m-%d %H:%M}" in latest.history_change_reason


def test_a_failed_email_marks_no_request_sent_and_leaves_no_link(
    issued: Estimate, django_capture_on_commit_callbacks: Any, settings: Any, clock: Any
) -> None:
    request = gfe_request()
    gfe_request_link_estimate(request=request, estimate=issued, by="test")
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    email = _send(issued, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert (email.status, request.status) == ("failed", "in_progress")
    assert not PatientLink.objects.exists()


def test_a_draft_or_a_missing_or_bad_address_is_refused_by_field(
    starter_catalog: Any, clock: Any
) -> None:
    issued = estimate_issue(estimate=priced_estimate(), by="test")  # no email on it
    draft = priced_estimate(email="pat@example.com")
    for estimate, to, field in [
        (issued, "not-an-address", "to"),
        (issued, "", "to"),
        (draft, "", "estimate"),
    ]:
        with pytest.raises(ValidationError) as refused:
            emails.estimate_email_send(estimate=estimate, to=to, by="test")
        assert list(refused.value.message_dict) == [field]
    assert not EstimateEmail.objects.exists()


def test_a_dropped_connection_is_retried_until_the_email_goes(
    issued: Estimate, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.support.mail.FlakyBackend"
    FlakyBackend.failures = 2
    email = _send(issued, django_capture_on_commit_callbacks)
    assert (email.status, email.attempts, email.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_an_email_that_keeps_failing_is_marked_failed_after_the_last_retry(
    starter_catalog: Any, clock: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # Without a date of birth: no PDF to print on each of the seven attempts.
    estimate = estimate_issue(estimate=priced_estimate(date_of_birth=None), by="test")
    settings.EMAIL_BACKEND = "tests.support.mail.FlakyBackend"
    FlakyBackend.failures = 100
    try:
        email = _send(estimate, django_capture_on_commit_callbacks, to="pat@example.com")
    finally:
        FlakyBackend.failures = 0
    assert email.status == "failed"
    assert email.attempts == settings.ESTIMATOR_EMAIL_MAX_RETRIES + 1
    assert "SMTPServerDisconnected" in email.last_error


def test_a_refused_recipient_fails_at_once_and_staff_can_retry_it(
    issued: Estimate, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    email = _send(issued, django_capture_on_commit_callbacks)
    assert (email.status, email.attempts) == ("failed", 1)
    assert "SMTPRecipientsRefused" in email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        emails.estimate_email_retry(email=email, by="test")
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    with pytest.raises(ValidationError):
        emails.estimate_email_retry(email=email, by="test")


# ---- admin and API -------------------------------------------------------------------------


@pytest.fixture
def front_desk(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("desk", password="pw-desk-123", is_staff=True)
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    return user


def test_front_desk_emails_from_the_estimate_list_and_retries_from_the_outbox(
    issued: Estimate, front_desk: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:estimator_estimate_changelist"),
            {"action": "email_to_patient", "_selected_action": [issued.pk]},
            follow=True,
        )
    assert response.status_code == 200
    email = EstimateEmail.objects.get()
    assert (email.status, email.requested_by) == ("sent", front_desk)
    outbox = client.get(reverse("admin:estimator_estimateemail_changelist") + "?status=sent")
    assert outbox.status_code == 200 and issued.reference in outbox.content.decode()
    assert b"retry_selected" in outbox.content


def test_staff_who_may_only_look_get_no_email_or_retry_action(
    issued: Estimate, django_user_model: Any, client: Any
) -> None:
    viewer = django_user_model.objects.create_user("viewer", password="pw-view-123", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_estimate", "view_estimateemail"])
    )
    client.force_login(viewer)
    estimates = client.get(reverse("admin:estimator_estimate_changelist"))
    outbox = client.get(reverse("admin:estimator_estimateemail_changelist"))
    assert b"email_to_patient" not in estimates.content
    assert outbox.status_code == 200 and b"retry_selected" not in outbox.content


def _api(scope: str) -> APIClient:
    _, raw = IntegrationKey.objects.create_key(name="emails", scope=scope)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api


def test_the_api_queues_an_email_and_answers_202_with_the_outbox_row(
    issued: Estimate, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("api:estimate-emails", args=[issued.reference])
    with django_capture_on_commit_callbacks(execute=True):
        response = _api("read_write").post(url, {"to": "front@example.com"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["estimate"] == issued.reference and body["recipient"] == "front@example.com"
    assert body["status"] == "queued" and body["kind"] == "gfe"
    assert EstimateEmail.objects.get().status == "sent"


def test_the_api_answers_400_naming_the_field(issued: Estimate) -> None:
    url = reverse("api:estimate-emails", args=[issued.reference])
    api = _api("read_write")
    for payload, field in [({"to": "nope"}, "to"), ({"to": 5}, "to"), ({"cc": "a@b.com"}, "cc")]:
        response = api.post(url, payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field
    assert not EstimateEmail.objects.exists()


def test_the_api_may_name_the_emails_language_and_answers_it(
    issued: Estimate, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("api:estimate-emails", args=[issued.reference])
    api = _api("read_write")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"language": "es"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["language"] == "es"
    assert mail.outbox[0].subject.startswith("Su Estimación de buena fe")
    # Unnamed: the estimate's (English here); unknown: a 400 naming the field, in English.
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(url, {}, format="json").json()["language"] == "en"
    refused = api.post(url, {"language": "de"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "language"


def test_the_api_refuses_a_draft_by_field_and_a_read_key_outright(starter_catalog: Any) -> None:
    draft = priced_estimate(email="pat@example.com")
    url = reverse("api:estimate-emails", args=[draft.reference])
    refused = _api("read_write").post(url, {}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "estimate"
    assert _api("read").post(url, {}, format="json").status_code == 403
    missing = reverse("api:estimate-emails", args=["EST-NOPE2345"])
    assert _api("read_write").post(missing, {}, format="json").status_code == 404
