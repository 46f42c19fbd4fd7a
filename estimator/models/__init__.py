"""The estimator's models, split by concern; import them from here."""

from .base import Currency, TimeStamped
from .catalog import (
    AddOn,
    AddOnPrice,
    BillingBasis,
    BodyArea,
    Clinic,
    Package,
    ServicePrice,
    ServiceType,
)
from .estimates import (
    CoverageMode,
    Estimate,
    EstimateSource,
    EstimateStatus,
    GoodFaithEstimateRequest,
    IdempotencyRecord,
    IntegrationKey,
    KeyScope,
    RequestStatus,
)
from .insurance import (
    AllowedBasis,
    CoverageRule,
    CoverageStatus,
    InsurancePlan,
    Network,
    Payer,
    PayerKind,
    UnitRule,
)

__all__ = [
    "AddOn",
    "AddOnPrice",
    "AllowedBasis",
    "BillingBasis",
    "BodyArea",
    "Clinic",
    "CoverageMode",
    "CoverageRule",
    "CoverageStatus",
    "Currency",
    "Estimate",
    "EstimateSource",
    "EstimateStatus",
    "GoodFaithEstimateRequest",
    "IdempotencyRecord",
    "InsurancePlan",
    "IntegrationKey",
    "KeyScope",
    "Network",
    "Package",
    "Payer",
    "PayerKind",
    "RequestStatus",
    "ServicePrice",
    "ServiceType",
    "TimeStamped",
    "UnitRule",
]
