"""Staff roles as ready-made groups: what the front desk and a billing manager may do in admin."""

from __future__ import annotations

from typing import Any

from django.apps import apps as installed_apps

FRONT_DESK = "Front desk"
BILLING_MANAGER = "Billing manager"

CATALOG = ("clinic", "servicetype", "addon", "serviceprice", "addonprice", "package", "bodyarea")
PLANS = ("payer", "insuranceplan", "coveragerule", "codesetlimit")
CRUD = ("add", "change", "delete", "view")
# Lockouts (django-axes): who is locked out, and unlocking a colleague by deleting the attempt.
LOCKOUTS = ("axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accessfailurelog")

# Front desk: look at the catalog and plans; price, save and issue estimates; answer Good
# Faith Estimate requests. No prices, plans or keys; no void, correction or delete.
_FRONT_DESK = {
    *(f"view_{model}" for model in CATALOG + PLANS),
    "view_estimate",
    "add_estimate",
    "change_estimate",
    "issue_estimate",
    "view_goodfaithestimaterequest",
    "change_goodfaithestimaterequest",
    "handle_gfe_request",
    # Email estimates to patients, see the outbox and retry what failed; see re-pricings.
    "send_estimateemail",
    "view_estimateemail",
    "retry_estimateemail",
    "view_estimaterepricing",
    # See the links patients were sent, and close one (a wrong address, the patient asks).
    "view_patientlink",
    "revoke_patientlink",
}
# Billing manager: everything the front desk does, and keeps the catalog, prices, plans and
# coverage rules and the API keys; voids, corrects and deletes (draft) estimates; changes
# prices in bulk and imports the price list (add + change on prices), copies plans (add on
# plans); unlocks a colleague's locked sign-in; runs the clinic's webhooks.
_BILLING_MANAGER = {
    *_FRONT_DESK,
    *(f"{action}_{model}" for model in (*CATALOG, *PLANS, "integrationkey") for action in CRUD),
    "delete_estimate",
    "void_estimate",
    "supersede_estimate",  # also renews re-priced estimates in bulk
    # Bills reported by integrations against estimates, and how close estimates came.
    "view_billedcharges",
    "view_billedprovider",
    *LOCKOUTS,
    # Webhooks: register, change, disable and delete endpoints, send a test event; see every
    # delivery and retry one. Not the front desk's: like API keys, webhooks are the billing
    # integration's plumbing, and an endpoint's URL says where the clinic's events go.
    *(f"{action}_webhookendpoint" for action in CRUD),
    "test_webhookendpoint",
    "view_webhookdelivery",
    "retry_webhookdelivery",
}

ROLES: dict[str, frozenset[str]] = {
    FRONT_DESK: frozenset(_FRONT_DESK),
    BILLING_MANAGER: frozenset(_BILLING_MANAGER),
}


def permission_name(app_label: str, codename: str) -> str:
    """How ROLES names a permission: bare in the estimator app, 'app_label.codename' outside."""
    return codename if app_label == "estimator" else f"{app_label}.{codename}"


def roles_ensure(*, apps: Any = installed_apps, strict: bool = True) -> dict[str, int]:
    """Create or update each role's group to hold exactly its permissions (named as
    permission_name says); returns how many permissions each group has. Safe to run again.

    Not strict (in migration 0004, whose historical models are older than this table),
    permissions of models that do not exist yet are left for the post_migrate run."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    wanted = set().union(*ROLES.values())
    labels = {"estimator", *(wanted_name.split(".")[0] for wanted_name in wanted)}
    found = {
        found_name: p
        for p in permission_model.objects.filter(
            content_type__app_label__in=labels,
            codename__in={wanted_name.split(".")[-1] for wanted_name in wanted},
        ).select_related("content_type")
        if (found_name := permission_name(p.content_type.app_label, p.codename)) in wanted
    }
    missing = wanted - set(found)
    if missing and strict:
        raise LookupError(f"Permissions not found (run migrate first): {sorted(missing)}")
    counts = {}
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        granted = [found[c] for c in codenames if c in found]
        group.permissions.set(granted)
        counts[name] = len(granted)
    return counts


def roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate: every migrate leaves the groups exactly as ROLES says, new models too."""
    roles_ensure(strict=False)
