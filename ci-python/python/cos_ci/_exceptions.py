"""The exception classes under their former module (they are created by the native
module ``cos_ci._cos_ci``; import them from ``cos_ci``)."""

from ._cos_ci import (
    CosClientError as CosClientError,
    CosException as CosException,
    CosServiceError as CosServiceError,
    PicOperationsError as PicOperationsError,
    ProcessError as ProcessError,
    RuleError as RuleError,
)

__all__ = [
    "CosException",
    "CosClientError",
    "CosServiceError",
    "PicOperationsError",
    "ProcessError",
    "RuleError",
]
