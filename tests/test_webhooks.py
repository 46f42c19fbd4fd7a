"""Signed webhooks in one process: events, payloads, signatures, refusals, retries, admin.

Deliveries go to a receiver on loopback (tests/support/webhook_receiver.py), by calling the
service the job calls; tests/test_webhook_worker.py does the same through the real worker.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from djmoney.money import Money
from standardwebhooks.webhooks import Webhook

from estimator import webhooks
from estimator.models import (
    SUBSCRIBABLE,
    Clinic,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from estimator.outbound_http import UnsafeUrl, address_refusal, resolve_checked, url_check
from estimator.repricing import repricing_run_clinic
from estimator.services import (
    estimate_issue,
    estimate_supersede,
    estimate_void,
    gfe_request_due,
)
from estimator.webhooks import (
    WebhookDeferred,
    webhook_deliver,
    webhook_endpoint_create,
    webhook_headers,
    webhook_retry_delay,
)
from tests.factories import priced_estimate
from tests.support.webhook_receiver import WebhookReceiver
from tests.test_admin_estimate_builder import gfe_request
from tests.test_reconciliation import billed
from tests.test_repricing import _raise_price

pytestmark = pytest.mark.django_db

PRODUCTION = {"ESTIMATOR_WEBHOOK_REQUIRE_HTTPS": True, "ESTIMATOR_WEBHOOK_ALLOW_PRIVATE": False}


@pytest.fixture
def cascade(starter_catalog: Any, clock: Any) -> Clinic:
    return Clinic.objects.get(slug="cascade")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(webhooks.webhook_secret_new())
    yield receiver
    receiver.stop()


@pytest.fixture
def endpoint(cascade: Clinic, receiver: WebhookReceiver) -> WebhookEndpoint:
    made, _ = webhook_endpoint_create(
        clinic=cascade, url=receiver.url, events=list(SUBSCRIBABLE), by="test"
    )
    # The receiver verifies with the secret the endpoint signs with.
    WebhookEndpoint.objects.filter(pk=made.pk).update(secret=receiver.webhook_secret)
    made.refresh_from_db()
    return made


def _events(endpoint: WebhookEndpoint) -> list[tuple[str, dict[str, Any]]]:
    return [
        (d.event_type, d.payload["data"])
        for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    ]


# ---- events and payloads --------------------------------------------------------------------


def test_each_estimate_change_is_an_event_with_reference_status_and_api_url_only(
    endpoint: WebhookEndpoint,
) -> None:
    first = estimate_issue(estimate=priced_estimate(email="pat@example.com"), by="test")
    correction = estimate_supersede(estimate=first, by="test", reason="name misspelt")
    estimate_void(estimate=estimate_issue(estimate=correction, by="test"), by="t", reason="moved")

    def data(estimate: Any, status: str, **extra: str) -> dict[str, str]:
        url = f"https://estimates.example.com/api/v1/estimates/{estimate.reference}"
        return {"reference": estimate.reference, "status": status, "clinic": "cascade", "url": url,
                **extra}  # fmt: skip

    assert _events(endpoint) == [
        ("estimate.created", data(first, "draft")),
        ("estimate.issued", data(first, "issued")),
        ("estimate.created", data(correction, "draft")),
        ("estimate.superseded", data(first, "superseded", superseded_by=correction.reference)),
        ("estimate.issued", data(correction, "issued")),
        ("estimate.voided", data(correction, "void")),
    ]
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint).first()
    assert delivery is not None
    payload = delivery.payload
    assert set(payload) == {"type", "version", "id", "created_at", "data"}
    assert (payload["version"], payload["id"]) == (1, delivery.event_id)
    text = json.dumps([d.payload for d in WebhookDelivery.objects.all()])
    for detail in ("Pat Example", "1980-05-17", "pat@example.com"):
        assert detail not in text


def test_a_gfe_request_and_a_repricing_are_events_without_patient_details(
    endpoint: WebhookEndpoint, cascade: Clinic
) -> None:
    request = gfe_request()
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    _raise_price(cascade)
    repricing_run_clinic(clinic=cascade, cause="rise")
    [received] = webhook_deliveries_of("gfe_request.received")
    assert received == {
        "reference": request.reference,
        "status": "new",
        "clinic": "cascade",
        "url": None,
        "due": gfe_request_due(request=request).isoformat(),  # as admin shows it
    }
    [repriced] = webhook_deliveries_of("estimates.repriced")
    assert (repriced["count"], repriced["references"]) == (1, [issued.reference])
    text = json.dumps([d.payload for d in WebhookDelivery.objects.all()])
    assert "Rosa" not in text and "rosa@" not in text and "1975" not in text


def webhook_deliveries_of(event: str) -> list[dict[str, Any]]:
    return [d.payload["data"] for d in WebhookDelivery.objects.filter(event_type=event)]


def test_only_the_clinics_active_endpoints_that_asked_for_the_event_get_it(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    harbour = Clinic.objects.get(slug="harbour")
    other, _ = webhook_endpoint_create(clinic=harbour, url=receiver.url, events=list(SUBSCRIBABLE))
    issued_only, _ = webhook_endpoint_create(
        clinic=endpoint.clinic, url=receiver.url, events=["estimate.issued"]
    )
    off, _ = webhook_endpoint_create(
        clinic=endpoint.clinic, url=receiver.url, events=["estimate.created"]
    )
    WebhookEndpoint.objects.filter(pk=off.pk).update(active=False)
    priced_estimate()
    assert [e for e, _ in _events(endpoint)] == ["estimate.created"]
    assert _events(other) == _events(issued_only) == _events(off) == []


def test_a_clinics_endpoints_get_an_event_in_the_order_of_their_urls(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    # Made in another order than their URLs sort in; the fixed statement orders by URL, id.
    later, _ = webhook_endpoint_create(
        clinic=endpoint.clinic, url=receiver.url + "zz", events=["estimate.created"]
    )
    earlier, _ = webhook_endpoint_create(
        clinic=endpoint.clinic, url=receiver.url + "aa", events=["estimate.created"]
    )
    twin, _ = webhook_endpoint_create(
        clinic=endpoint.clinic, url=receiver.url + "aa", events=["estimate.created"]
    )
    priced_estimate()
    made = [d.endpoint_id for d in WebhookDelivery.objects.order_by("id")]
    expected = sorted([endpoint, later, earlier, twin], key=lambda e: (e.url, e.pk))
    assert made == [e.pk for e in expected]
    # What the statement reads is what the ORM reads.
    [found] = [
        e
        for e in WebhookEndpoint.objects.raw(webhooks._ENDPOINTS_SQL, [endpoint.clinic_id])
        if e.pk == later.pk
    ]
    assert found.events == later.events == ["estimate.created"]
    assert found.url == later.url  # a field it did not select loads when read
    assert f'"{WebhookEndpoint._meta.db_table}"' in webhooks._ENDPOINTS_SQL


def test_a_change_rolled_back_leaves_no_delivery_and_enqueues_nothing(
    endpoint: WebhookEndpoint, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("estimator.tasks.webhook_deliver.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            priced_estimate()
            raise RuntimeError("the request failed")
        priced_estimate()
    assert WebhookDelivery.objects.count() == 1
    assert delay.call_args_list == [mock.call(WebhookDelivery.objects.get().pk)]


def test_billed_charges_flagged_names_the_estimate_and_the_excess(
    endpoint: WebhookEndpoint,
) -> None:
    estimate = estimate_issue(estimate=priced_estimate(), by="test")
    webhooks.webhook_emit_billed_charges_flagged(
        estimate=estimate,
        bill_date=dt.date(2026, 12, 20),
        over_by=Money("412.50", "USD"),
        dispute_deadline=dt.date(2027, 2, 18),
    )
    [data] = webhook_deliveries_of("billed_charges.flagged")
    assert data == {
        "reference": estimate.reference,
        "status": "issued",
        "clinic": "cascade",
        "url": f"https://estimates.example.com/api/v1/estimates/{estimate.reference}",
        "bill_date": "2026-12-20",
        "over_by": {"amount": "412.50", "currency": "USD"},
        "dispute_deadline": "2027-02-18",
    }


def test_a_bill_over_the_gfe_by_the_threshold_is_flagged_to_the_clinics_endpoints(
    endpoint: WebhookEndpoint,
) -> None:
    close = estimate_issue(estimate=priced_estimate(), by="test")
    far = estimate_issue(estimate=priced_estimate(), by="test")
    billed(close, "399.99")
    billed(far, "450.00")
    [data] = webhook_deliveries_of("billed_charges.flagged")
    assert data["reference"] == far.reference
    assert data["over_by"] == {"amount": "450.00", "currency": "USD"}
    assert data["dispute_deadline"] is not None


def test_webhook_emit_refuses_an_event_nobody_can_subscribe_to() -> None:
    with pytest.raises(ValueError, match=r"webhook\.test"):
        webhooks.webhook_emit(clinic=1, event="webhook.test", data={})


# ---- signatures -----------------------------------------------------------------------------


def test_the_signature_is_standard_webhooks_v1_hmac_sha256_of_id_timestamp_body() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    now = dt.datetime(2026, 11, 25, 20, 0, 5, 900000, tzinfo=dt.UTC)
    body = '{"type":"estimate.issued"}'
    headers = webhook_headers(secret=secret, event_id="msg_1", body=body, now=now)
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    digest = hmac.new(b"k" * 32, f"msg_1.{int(now.timestamp())}.{body}".encode(), hashlib.sha256)
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest.digest()).decode()
    with mock.patch("standardwebhooks.webhooks.datetime") as clock:
        clock.now.return_value = now
        clock.fromtimestamp = dt.datetime.fromtimestamp
        assert Webhook(secret).verify(body, headers) == {"type": "estimate.issued"}


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = webhooks.webhook_secret_new()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret != webhooks.webhook_secret_new()


# ---- refusing private addresses -------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud's metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104
        "::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "224.0.0.1",
    ],
)
def test_a_private_loopback_or_link_local_address_is_refused(address: str) -> None:
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111"])
def test_a_public_address_is_allowed(address: str) -> None:
    assert address_refusal(address) is None


@override_settings(**PRODUCTION)
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/in", "https://"),
        ("ftp://hooks.example.com/in", "https://"),
        ("https://127.0.0.1/in", "loopback"),
        ("https://[::1]:8443/in", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.8/in", "private"),
        ("https://localhost/in", "this machine"),
        ("https://user:pw@hooks.example.com/in", "password"),
        ("https:///in", "no host"),
    ],
)
def test_in_production_a_url_is_refused_with_the_reason(url: str, says: str) -> None:
    with pytest.raises(UnsafeUrl, match=says):
        url_check(url)


def _resolving(*addresses: str) -> Any:
    return mock.patch(
        "estimator.outbound_http.socket.getaddrinfo",
        return_value=[(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses],
    )


@override_settings(**PRODUCTION)
def test_a_host_name_resolving_to_loopback_or_any_private_address_is_refused() -> None:
    with _resolving("127.0.0.1"), pytest.raises(UnsafeUrl, match="loopback"):
        resolve_checked("hooks.example.com", 443)
    with _resolving("93.184.216.34", "10.0.0.5"), pytest.raises(UnsafeUrl, match="private"):
        resolve_checked("hooks.example.com", 443)
    with _resolving("93.184.216.34"):
        assert resolve_checked("hooks.example.com", 443) == "93.184.216.34"


def test_the_connection_goes_to_the_address_checked_never_resolved_again(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    # A rebinding DNS would answer differently the second time: there is no second time.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"http://hooks.example.com:{receiver.port}/hooks"
    )
    priced_estimate()
    delivery = WebhookDelivery.objects.get()
    with _resolving("127.0.0.1") as lookup:
        webhook_deliver(delivery_id=delivery.pk)
    assert lookup.call_count == 1
    assert WebhookDelivery.objects.get().status == "delivered"
    assert receiver.received[0].headers["host"] == f"hooks.example.com:{receiver.port}"


def test_in_production_a_delivery_to_a_private_address_fails_at_once_with_why(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    priced_estimate()
    delivery = WebhookDelivery.objects.get()
    with override_settings(**PRODUCTION):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="https://hooks.example.com/in")
        with _resolving("169.254.169.254"):
            webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "link-local" in delivery.last_error
    assert receiver.received == []


# ---- delivery, retries and backoff ----------------------------------------------------------


def test_a_500_is_retried_with_the_same_id_and_each_attempt_is_logged(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    estimate = priced_estimate()
    delivery = WebhookDelivery.objects.get()
    receiver.fail_next = [500]
    with pytest.raises(WebhookDeferred) as deferred:
        webhook_deliver(delivery_id=delivery.pk)
    assert 8 <= deferred.value.countdown <= 10
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at is not None and delivery.last_latency_ms is not None
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    assert list(WebhookAttempt.objects.values_list("number", "status_code")) == [(1, 500), (2, 204)]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.event_id}
    assert receiver.accepted()[0]["data"]["reference"] == estimate.reference
    webhook_deliver(delivery_id=delivery.pk)  # the job again (a worker lost): nothing sent
    assert len(receiver.received) == 2


def test_5xx_408_and_429_are_retried_other_4xx_fail_at_once(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    answers = {500: True, 503: True, 408: True, 429: True, 400: False, 404: False, 410: False}
    for answer, retried in answers.items():
        priced_estimate()
        delivery = WebhookDelivery.objects.latest("id")
        receiver.fail_next = [answer]
        if retried:
            with pytest.raises(WebhookDeferred):
                webhook_deliver(delivery_id=delivery.pk)
        else:
            webhook_deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (answer, delivery.status) == (answer, "pending" if retried else "failed")


def test_a_refused_connection_is_retried(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    receiver.stop()  # nothing listens there now
    priced_estimate()
    with pytest.raises(WebhookDeferred):
        webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert "ConnectionRefusedError" in WebhookDelivery.objects.get().last_error


@override_settings(ESTIMATOR_WEBHOOK_RETRY_BACKOFF=10, ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX=1800)
def test_the_backoff_doubles_from_10_seconds_up_to_half_an_hour_less_a_random_fifth() -> None:
    for attempts, full in [(1, 10), (2, 20), (3, 40), (4, 80), (8, 1280), (9, 1800), (20, 1800)]:
        for _ in range(20):
            assert full * 0.8 <= webhook_retry_delay(attempts=attempts) <= full
    assert webhook_retry_delay(attempts=1, retry_after=120) == 120
    assert webhook_retry_delay(attempts=1, retry_after=86400) == 1800


@override_settings(ESTIMATOR_WEBHOOK_MAX_ATTEMPTS=3, ESTIMATOR_WEBHOOK_DISABLE_AFTER=2)
def test_the_last_attempt_fails_the_delivery_and_repeated_failures_disable_the_endpoint(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    receiver.fail_next = [500] * 6
    for _ in range(2):
        priced_estimate()
    for delivery in WebhookDelivery.objects.order_by("id"):
        for _ in range(2):
            with pytest.raises(WebhookDeferred):
                webhook_deliver(delivery_id=delivery.pk)
        assert webhook_deliver(delivery_id=delivery.pk).status == "failed"  # type: ignore[union-attr]
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (False, 2)
    assert "2 deliveries in a row failed" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    priced_estimate()  # a disabled endpoint gets no new deliveries
    assert WebhookDelivery.objects.count() == 2


def test_through_the_job_a_500_then_a_200_is_delivered(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    # Eager here (the test settings): the job's retry runs at once; the worker test waits.
    receiver.fail_next = [500]
    with django_capture_on_commit_callbacks(execute=True):
        priced_estimate()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


# ---- admin ----------------------------------------------------------------------------------


def test_admin_shows_the_secret_once_and_never_on_the_endpoints_page(
    staff_client: Any, cascade: Clinic
) -> None:
    response = staff_client.post(
        reverse("admin:estimator_webhookendpoint_add"),
        {
            "clinic": cascade.pk,
            "url": "https://hooks.example.com/in",
            "events": ["estimate.issued"],
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["estimate.issued"]
    page = staff_client.get(reverse("admin:estimator_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200 and endpoint.secret not in page.content.decode()
    listing = staff_client.get(reverse("admin:estimator_webhookendpoint_changelist"))
    assert endpoint.secret not in listing.content.decode()


@override_settings(**PRODUCTION)
def test_admin_refuses_a_private_url_beside_the_field(staff_client: Any, cascade: Clinic) -> None:
    response = staff_client.post(
        reverse("admin:estimator_webhookendpoint_add"),
        {"clinic": cascade.pk, "url": "https://169.254.169.254/", "events": ["estimate.issued"]},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == [
        "169.254.169.254 is a link-local address: use a public address."
    ]
    assert not WebhookEndpoint.objects.exists()


def _act(client: Any, model: str, action: str, pk: int) -> Any:
    return client.post(
        reverse(f"admin:estimator_{model}_changelist"),
        {"action": action, "_selected_action": [pk]},
        follow=True,
    )


def test_admin_disables_enables_tests_an_endpoint_and_retries_a_delivery(
    staff_client: Any, endpoint: WebhookEndpoint, receiver: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    _act(staff_client, "webhookendpoint", "disable_selected", endpoint.pk)
    endpoint.refresh_from_db()
    assert not endpoint.active and "Disabled by staff" in endpoint.disabled_reason
    page = _act(staff_client, "webhookendpoint", "send_test_event", endpoint.pk)
    assert "Enable the endpoint" in page.content.decode()
    _act(staff_client, "webhookendpoint", "enable_selected", endpoint.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, "webhookendpoint", "send_test_event", endpoint.pk)
    assert receiver.accepted()[0]["type"] == "webhook.test"
    receiver.fail_next = [400]
    with django_capture_on_commit_callbacks(execute=True):
        priced_estimate()
    failed = WebhookDelivery.objects.get(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, "webhookdelivery", "retry_selected", failed.pk)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("delivered", 1)
    log = WebhookAttempt.objects.filter(delivery=failed).order_by("number")
    assert list(log.values_list("number", "status_code")) == [(1, 400), (2, 204)]
    page = staff_client.get(reverse("admin:estimator_webhookdelivery_change", args=[failed.pk]))
    assert page.status_code == 200 and "HTTP 400" in page.content.decode()
