"""Rejections: each names a machine code, the offending field and a sentence for people."""

from __future__ import annotations

from datetime import date


class PricingError(Exception):
    """Base class: a plan the engine refuses to price."""

    code = "pricing_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        """The error as a JSON-ready dict."""
        return {"code": self.code, "field": self.field, "message": self.message}


class UnknownServiceError(PricingError):
    """The service code is not in the catalog."""

    code = "unknown_service"


class UnknownAddonError(PricingError):
    """The add-on code is not in the catalog."""

    code = "unknown_addon"


class AddonNotAllowedError(PricingError):
    """The add-on may not be combined with the item's service."""

    code = "addon_not_allowed"


class DuplicateAddonError(PricingError):
    """The same add-on is listed twice on one item."""

    code = "duplicate_addon"


class DurationNotOfferedError(PricingError):
    """The service is not offered for that many minutes."""

    code = "duration_not_offered"


class SessionTooLongError(PricingError):
    """Service plus add-on minutes exceed the clinic's maximum session length."""

    code = "session_too_long"


class SessionCountError(PricingError):
    """An item has no sessions, or the plan has none or more than the maximum."""

    code = "session_count"


class SessionsPerWeekError(PricingError):
    """Sessions per week is outside 1..7."""

    code = "sessions_per_week"


class NoPriceError(PricingError):
    """No price period covers a session date."""

    code = "no_price"

    def __init__(self, message: str, *, field: str | None = None, on: date) -> None:
        super().__init__(message, field=field)
        self.on = on


class CurrencyMismatchError(PricingError):
    """The catalog and the insurance plan use different currencies."""

    code = "currency_mismatch"


class UnsupportedCurrencyError(PricingError):
    """The engine has no rounding rule for the currency."""

    code = "unsupported_currency"


class InvalidAmountError(PricingError):
    """An amount is negative, a percent is outside 0..100, or a figure has sub-cent digits."""

    code = "invalid_amount"


class InvalidTermsError(PricingError):
    """Plan terms that cannot be applied: a benefit-year start that is no date, a negative limit."""

    code = "invalid_terms"
