"""A client generated from the served schema (openapi-python-client) drives a live server.

Nothing here writes HTTP by hand: if the generated client cannot express a call, or parses an
answer wrongly, the schema is what is wrong. The client is generated once per session from
/api/v1/schema/ as the server serves it, so it always matches.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from django.db import OperationalError

from estimator.api.idempotency import request_hash
from estimator.api.schema import PROBLEM_KINDS
from estimator.models import Clinic, IdempotencyRecord, IntegrationKey
from tests.api.conftest import plan_id

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = "estimator_client"
# No post-hooks: the generator would run ruff over the code it wrote, which only costs time.
GENERATOR_CONFIG = "post_hooks: []\n"

pytestmark = [pytest.mark.usefixtures("clock")]


@pytest.fixture(scope="session")
def generated(
    live_server: Any,
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The generated package, imported: its clients, its api modules by tag, its models."""
    folder = tmp_path_factory.mktemp("generated-client")
    schema = folder / "schema.json"
    with django_db_blocker.unblock():  # every request runs in a transaction (ATOMIC_REQUESTS)
        served = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert served.status_code == 200
    schema.write_bytes(served.content)
    (folder / "config.yaml").write_text(GENERATOR_CONFIG)
    run = subprocess.run(  # noqa: S603  (our own tool, our own arguments)
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(folder / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(folder / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # A warning means part of the schema could not be turned into code: fix the schema.
    assert "Warning" not in output and "Error" not in output, output
    sys.path.insert(0, str(folder))
    try:
        yield SimpleNamespace(
            client=importlib.import_module(PACKAGE),
            catalog=_operations("catalog"),
            quotes=_operations("quotes"),
            estimates=_operations("estimates"),
            models=importlib.import_module(f"{PACKAGE}.models"),
            folder=folder,
        )
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _operations(tag: str) -> SimpleNamespace:
    """The generated modules of one tag, one per operation (`catalog.plans_list`, ...)."""
    package = importlib.import_module(f"{PACKAGE}.api.{tag}")
    names = [module.name for module in pkgutil.iter_modules(package.__path__)]
    return SimpleNamespace(
        **{name: importlib.import_module(f"{package.__name__}.{name}") for name in names}
    )


@pytest.fixture
def world(generated: Any, live_server: Any, starter_catalog: Any, settings: Any) -> Iterator[Any]:
    """Clients for the live server: anonymous, a read key, a read_write key, a wrong key."""
    settings.ESTIMATOR_RATE_ANON = "100000/min"
    settings.ESTIMATOR_RATE_QUOTES_ANON = "100000/min"
    settings.ESTIMATOR_RATE_KEY = "100000/min"
    client = generated.client

    def keyed(scope: str) -> Any:
        _, raw = IntegrationKey.objects.create_key(name=scope, scope=scope)
        return client.AuthenticatedClient(base_url=live_server.url, token=raw, prefix="Api-Key")

    world = SimpleNamespace(
        url=live_server.url,
        anonymous=client.Client(base_url=live_server.url),
        reader=keyed("read"),
        writer=keyed("read_write"),
        wrong=client.AuthenticatedClient(
            base_url=live_server.url, token="nope.nope", prefix="Api-Key"
        ),
        start=Clinic.objects.get(slug="cascade").today() + dt.timedelta(days=7),
        regence=plan_id("Preferred PPO"),
    )
    yield world
    # Close the kept-alive connections now: a server thread still holding one when the live
    # server stops would close its shared SQLite connection from the wrong thread.
    for client in (world.anonymous, world.reader, world.writer, world.wrong):
        client.get_httpx_client().close()


def _plan(generated: Any, world: Any, coverage: Any = None, **changes: Any) -> dict[str, Any]:
    models = generated.models
    item = {"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 6}
    item.update(changes.pop("item", {}))
    return {
        "clinic": "cascade",
        "items": [models.ItemInputRequest(**item, add_ons=["estim-unattended"])],
        "sessions_per_week": 1,
        "start_date": world.start,
        "coverage": coverage or models.CoverageInputRequest(mode=models.CoverageModeEnum.SELF_PAY),
        **changes,
    }


def test_catalog_lists_filter_page_and_answer_304_when_unchanged(generated: Any, world: Any):
    catalog, anonymous = generated.catalog, world.anonymous
    clinics = catalog.clinics_list.sync(client=anonymous, active=True)
    assert {c.slug for c in clinics.results} == {"cascade", "harbour"}

    everything = catalog.services_list.sync(client=anonymous, clinic="cascade", active=True)
    first = catalog.services_list.sync(client=anonymous, clinic="cascade", limit=2)
    second = catalog.services_list.sync(client=anonymous, clinic="cascade", limit=2, offset=2)
    assert first.count == everything.count > 2
    assert [s.code for s in first.results + second.results] == [
        s.code for s in everything.results[:4]
    ]
    assert first.next_ and first.previous is None
    assert {p.clinic for s in everything.results for p in s.prices} == {"cascade"}

    add_ons = catalog.add_ons_list.sync(client=anonymous, clinic="harbour")
    assert all(p.clinic == "harbour" for a in add_ons.results for p in a.prices)
    payer = catalog.plans_list.sync(client=anonymous, clinic="cascade").results[0].payer
    plans = catalog.plans_list.sync(client=anonymous, payer=payer.id, active=True)
    assert plans.results and all(p.payer.id == payer.id for p in plans.results)
    assert catalog.payers_list.sync(client=anonymous).count >= 1

    answered = catalog.services_list.sync_detailed(client=anonymous, clinic="cascade")
    assert answered.status_code == 200
    assert answered.headers["Cache-Control"] == "public, max-age=60"
    etag = answered.headers["ETag"]
    again = catalog.services_list.sync_detailed(
        client=anonymous, clinic="cascade", if_none_match=etag
    )
    assert again.status_code == 304 and again.parsed is None
    assert again.headers["ETag"] == etag
    other = catalog.services_list.sync_detailed(
        client=anonymous, clinic="harbour", if_none_match=etag
    )
    assert other.status_code == 200


def test_quotes_self_pay_insured_and_range(generated: Any, world: Any):
    models, quotes = generated.models, generated.quotes
    self_pay = quotes.quotes_create.sync(
        client=world.anonymous, body=models.QuoteRequestRequest(**_plan(generated, world))
    )
    assert isinstance(self_pay, models.QuoteOut), self_pay
    assert self_pay.summary.sessions == 6 and not self_pay.summary.is_range
    assert self_pay.summary.patient_total.currency == "USD"
    assert self_pay.estimate.scenarios.best is None

    insured = quotes.quotes_create.sync(
        client=world.reader,
        body=models.QuoteRequestRequest(
            **_plan(
                generated,
                world,
                models.CoverageInputRequest(
                    mode=models.CoverageModeEnum.INSURED,
                    plan=world.regence,
                    standing=models.StandingInputRequest(
                        deductible_met=models.MoneyInputRequest(
                            amount="100.00", currency=models.CurrencyEnum.USD
                        ),
                        visits_used=3,
                    ),
                ),
            )
        ),
    )
    assert isinstance(insured, models.QuoteOut), insured
    assert insured.estimate.coverage == "insured"
    assert insured.summary.total_charge == self_pay.summary.total_charge

    unsure = quotes.quotes_create.sync(
        client=world.anonymous,
        body=models.QuoteRequestRequest(
            **_plan(
                generated, world, models.CoverageInputRequest(mode=models.CoverageModeEnum.UNKNOWN)
            )
        ),
    )
    assert isinstance(unsure, models.QuoteOut), unsure
    assert unsure.summary.is_range and unsure.estimate.scenarios.best is not None
    best, worst = unsure.summary.patient_total_best, unsure.summary.patient_total_worst
    assert float(best.amount) <= float(worst.amount)


def test_an_estimate_is_stored_once_replayed_and_fetched(generated: Any, world: Any):
    models, estimates = generated.models, generated.estimates
    body = models.EstimateRequestRequest(
        **_plan(generated, world),
        patient=models.PatientInputRequest(name="Alex Rivera", date_of_birth=dt.date(1984, 3, 9)),
        external_reference="CHART-1042",
    )
    key = str(uuid.uuid4())
    stored = estimates.estimates_create.sync_detailed(
        client=world.writer, body=body, idempotency_key=key
    )
    assert stored.status_code == 201, stored.content
    reference = stored.parsed.reference
    assert stored.headers["Location"].endswith(f"/api/v1/estimates/{reference}")
    replayed = estimates.estimates_create.sync_detailed(
        client=world.writer, body=body, idempotency_key=key
    )
    assert replayed.status_code == 201
    assert replayed.parsed.to_dict() == stored.parsed.to_dict()

    fetched = estimates.estimates_retrieve.sync(client=world.reader, reference=reference)
    assert isinstance(fetched, models.EstimateOut), fetched
    assert fetched.patient.name == "Alex Rivera"
    assert fetched.summary.to_dict() == stored.parsed.summary.to_dict()
    listed = estimates.estimates_list.sync(
        client=world.reader,
        external_reference="CHART-1042",
        status=models.EstimatesListStatus.DRAFT,
        limit=10,
    )
    assert [e.reference for e in listed.results] == [reference]


def _as_plain_text(request: httpx.Request) -> None:
    request.headers["Content-Type"] = "text/plain"


def _problem(generated: Any, response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.parsed
    assert isinstance(problem, generated.models.ProblemOut), response.content
    assert problem.status == status
    assert kind in PROBLEM_KINDS[status]
    assert problem.type_ == f"urn:problem-type:estimator:{kind}"


def test_every_documented_error_reaches_the_client_as_a_problem(
    generated: Any, world: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
):
    models, quotes, estimates, catalog = (
        generated.models,
        generated.quotes,
        generated.estimates,
        generated.catalog,
    )
    seen: set[tuple[int, str]] = set()

    def check(response: Any, status: int, kind: str) -> None:
        _problem(generated, response, status, kind)
        seen.add((status, kind))

    def quote(client: Any = world.anonymous, **changes: Any) -> Any:
        body = models.QuoteRequestRequest(**_plan(generated, world, **changes))
        return quotes.quotes_create.sync_detailed(client=client, body=body)

    def store(client: Any, key: str = "", **changes: Any) -> Any:
        body = models.EstimateRequestRequest(**_plan(generated, world, **changes))
        return estimates.estimates_create.sync_detailed(
            client=client, body=body, idempotency_key=key or str(uuid.uuid4())
        )

    check(quote(item={"sessions": 0}), 400, "validation-error")
    check(
        catalog.plans_list.sync_detailed(client=world.anonymous, clinic="no clinic"),
        400,
        "validation-error",
    )
    # The generated code always sends JSON; an httpx hook (the client's own extension point)
    # stands for a caller whose proxy rewrites the body's type.
    plain_text = generated.client.Client(
        base_url=world.url,
        httpx_args={"event_hooks": {"request": [_as_plain_text]}},
    )
    with plain_text:
        check(quote(plain_text), 415, "unsupported-media-type")
    check(estimates.estimates_list.sync_detailed(client=world.anonymous), 401, "not-authenticated")
    check(catalog.payers_list.sync_detailed(client=world.wrong), 401, "authentication-failed")
    check(store(world.reader), 403, "permission-denied")
    check(
        estimates.estimates_retrieve.sync_detailed(client=world.reader, reference="EST-NOTHERE"),
        404,
        "not-found",
    )
    # A new client: with_headers() also changes the httpx client an existing one holds.
    xml_only = generated.client.Client(base_url=world.url, headers={"Accept": "application/xml"})
    with xml_only:
        check(quote(xml_only), 406, "not-acceptable")
    check(store(world.writer, notes="x" * 300_000), 413, "too-large")
    check(quote(item={"duration_minutes": 20}), 422, "quote-invalid")

    key = str(uuid.uuid4())
    assert store(world.writer, key).status_code == 201
    check(store(world.writer, key, sessions_per_week=2), 422, "idempotency-key-reused")
    busy = models.EstimateRequestRequest(**_plan(generated, world))
    IdempotencyRecord.objects.create(
        owner=f"key:{world.writer.token.partition('.')[0]}",
        key="still-running",
        request_hash=request_hash(busy.to_dict()),
    )
    check(
        estimates.estimates_create.sync_detailed(
            client=world.writer, body=busy, idempotency_key="still-running"
        ),
        409,
        "idempotency-in-progress",
    )
    draft = store(world.writer).parsed.reference
    today = Clinic.objects.get(slug="cascade").today().isoformat()
    line = {"code": "20560", "date": today, "amount": {"amount": "10.00", "currency": "USD"}}
    bill = {
        "bill_date": today,
        "providers": [{"npi": "1548720634", "name": "Cascade", "lines": [line]}],
    }
    check(
        estimates.estimates_billed_charges_create.sync_detailed(
            client=world.writer,
            reference=draft,
            body=models.BilledChargesInputRequest.from_dict(bill),
            idempotency_key=str(uuid.uuid4()),
        ),
        409,
        "estimate-not-billable",
    )

    settings.ESTIMATOR_RATE_QUOTES_ANON = "1/min"
    quote()
    limited = quote()
    check(limited, 429, "throttled")
    assert int(limited.headers["Retry-After"]) >= 1
    settings.ESTIMATOR_RATE_QUOTES_ANON = "100000/min"

    def fails(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the database went away")

    monkeypatch.setattr("estimator.api.selectors.payers_list", fails)
    down = catalog.payers_list.sync_detailed(client=world.anonymous)
    check(down, 503, "unavailable")
    assert down.headers["Retry-After"] == "5"

    def crashes(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("estimator.api.views.quote_build", crashes)
    check(quote(), 500, "error")

    reachable = {(status, kind) for status, kinds in PROBLEM_KINDS.items() for kind in kinds}
    # Not reachable through a well-behaved client: bad JSON, a NUL byte in the query, a staff
    # browser's CSRF token (each checked in tests/api/test_errors.py).
    untestable = {(400, "parse-error"), (400, "bad-request"), (403, "csrf-failed")}
    assert reachable - untestable - seen == set()


GUIDE = ROOT / "docs" / "api.md"
WORKED = "<!-- worked-integration: run by tests/api/test_generated_client.py -->"


def _worked_integration() -> str:
    """The fenced Python block right after the marker in docs/api.md."""
    after = GUIDE.read_text().split(WORKED, 1)[1]
    found = re.match(r"\s*```python\n(.*?)\n```", after, flags=re.S)
    assert found, "docs/api.md: the worked integration must follow its marker"
    return found.group(1)


def test_the_guides_worked_integration_runs_as_written(
    generated: Any, world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("ESTIMATOR_URL", world.url)
    monkeypatch.setenv("ESTIMATOR_KEY", world.writer.token)
    code = compile(_worked_integration(), str(GUIDE), "exec")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(code, namespace)  # noqa: S102  (our own documentation)
    namespace["client"].get_httpx_client().close()
    out = capsys.readouterr().out
    assert re.search(r"^insured \d+\.\d\d USD$", out, flags=re.M), out
    assert re.search(r"^EST-\w+ draft \d+\.\d\d USD$", out, flags=re.M), out
