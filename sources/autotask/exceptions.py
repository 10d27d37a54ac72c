"""Every error the Autotask source raises, grouped by what the caller can do.

```
AutotaskError                      base; the message says what is wrong and
|                                  what to do about it
+-- ConfigurationError             fix the configuration or input; never
|   |                              retried, the run exits non-zero
|   +-- CredentialsError           user name, secret or integration code
|   +-- UnknownEntityError         entity name not in the catalogue
|   +-- QueryError                 bad operator, filter or query shape
|   |   +-- UnknownFieldError      field not on the entity (or its UDFs)
|   +-- InsecureDestinationError   credentials would leave the zone host
|   |                              or travel over plain http
|   +-- WarehouseError             the destination (DuckDB, Postgres) cannot
|                                  be opened or reached
+-- BudgetExhaustedError           stop cleanly, resume later: the run's
|                                  share of the hourly budget is used
+-- ApiError                       Autotask said no, or kept failing
    +-- TransientApiError          gave up after retries (5xx, resets,
                                   timeouts, empty bodies, thread limit)
```

Guarantee: no message built here ever contains the secret, the integration
code or any request header value; callers pass only names, statuses, paths
without query strings and the API's own error texts (which the client
scrubs of credential values before raising).
"""

from __future__ import annotations

from collections.abc import Sequence


class AutotaskError(Exception):
    """Base of every error raised by the Autotask source."""

    exit_code = 1


class ConfigurationError(AutotaskError):
    """The configuration or input is wrong; retrying cannot help."""


class CredentialsError(ConfigurationError):
    """Autotask rejected, or could not place, the API user's credentials."""


class UnknownEntityError(ConfigurationError):
    """The entity name is not one Autotask knows (names are plural)."""

    def __init__(
        self,
        entity: str,
        close_matches: Sequence[str] = (),
        *,
        detail: str | None = None,
    ) -> None:
        self.entity = entity
        self.close_matches = list(close_matches)
        if detail:
            hint = f" {detail}"
        elif self.close_matches:
            hint = f" Did you mean: {', '.join(self.close_matches)}?"
        else:
            hint = " Entity names are Autotask's plural names, e.g. Tickets, Companies."
        super().__init__(f"Unknown Autotask entity {entity!r}.{hint}")


class QueryError(ConfigurationError):
    """A filter or query Autotask would refuse or silently misread."""


class UnknownFieldError(QueryError):
    """A filter names a field the entity (or its UDF list) does not have."""

    def __init__(
        self,
        field: str,
        close_matches: Sequence[str] = (),
        *,
        entity: str | None = None,
        udf: bool = False,
        detail: str | None = None,
    ) -> None:
        self.field = field
        self.entity = entity
        self.udf = udf
        self.close_matches = list(close_matches)
        kind = "user-defined field" if udf else "field"
        owner = f" on {entity}" if entity else ""
        message = f"Unknown {kind} {field!r}{owner}."
        if detail:
            message += f" Autotask said: {detail}"
        if self.close_matches:
            message += f" Did you mean: {', '.join(self.close_matches)}?"
        else:
            source = "userDefinedFields" if udf else "fields"
            message += f" Check the names in entityInformation/{source}."
        super().__init__(message)


class InsecureDestinationError(ConfigurationError):
    """Refused to send credentials: plain http off loopback, or a foreign host."""


class WarehouseError(ConfigurationError):
    """The destination cannot be used; checked before any Autotask request."""


class BudgetExhaustedError(AutotaskError):
    """The run's request budget is used; stop cleanly and resume later."""

    exit_code = 3


class ApiError(AutotaskError):
    """Autotask answered with an error, or the request could not be completed.

    `path` never carries the query string (the zone lookup's holds the user
    name, `nextPageUrl`'s can be kilobytes long).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Sequence[str] = (),
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.errors = list(errors)
        self.method = method
        self.path = path
        super().__init__(message)


class TransientApiError(ApiError):
    """Failures that usually pass, which kept failing within the retry budget."""
