"""Which Autotask entities exist, how each one is synced, and entity groups.

The entity list, endpoints and field types come from `entities.json`, which
`scripts/generate_entities.py` derives from Autotask's public Swagger spec.
What the spec cannot say is decided here, by rule and by one small table:

- the change stamp to trust (`cursor`): the first of `CHANGE_STAMPS` the
  entity has, so Contacts (which has both) follow `lastModifiedDate`, and
  Tickets follow `lastActivityDate` rather than
  `lastTrackedModificationDateTime`, which real tenants leave stale;
- append-only entities follow their creation stamp (`CREATION_STAMPS`):
  those with a creation stamp and no update endpoint in the spec, neither at
  the root nor under a parent, so their rows never change once written
  (attachments, tag links, logs, tombstones);
- everything else is re-read whole and merged on `id`;
- `QUERY_RULES` lists entities whose query endpoint has special rules.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources

from .exceptions import UnknownEntityError

# Fields that move whenever a row changes, in order of trust. Autotask's
# best-practice page names lastModified* (record edits) and lastActivity*
# (edits or related activity); where an entity has both, edits win.
CHANGE_STAMPS = (
    "lastModifiedDate",
    "lastModifiedDateTime",
    "lastModifiedTime",
    "lastActivityDate",
    "lastActivityDateTime",
    "lastActivity",
    "updateDateTime",
)

# Fields stamped once when a row is written.
CREATION_STAMPS = (
    "deletedDateTime",
    "attachDate",
    "createDate",
    "createDateTime",
    "createdDateTime",
)

# Entities whose query endpoint takes only one `<parent field> eq <id>`
# condition (Autotask's TicketHistory accepts nothing else). They are read
# per parent row that an incremental run of the parent found changed, never
# one request per parent of the whole tenant.
PER_PARENT = {
    "TicketHistory": ("Tickets", "ticketID"),
}

# Tombstone entities and the entity whose rows they delete, by column.
TOMBSTONES = {
    "DeletedTicketLogs": ("Tickets", "ticketID"),
}

CORE_ENTITIES = (
    "Companies",
    "Contacts",
    "Resources",
    "Tickets",
    "TicketNotes",
    "TimeEntries",
    "Projects",
    "Tasks",
    "Contracts",
    "ConfigurationItems",
    "DeletedTicketLogs",
)


class SyncMode(StrEnum):
    INCREMENTAL = "incremental"
    APPEND = "append-only"
    FULL = "full"
    PER_PARENT = "per-parent"


@dataclass(frozen=True)
class EntitySpec:
    """One Autotask entity as the spec describes it, plus how we sync it."""

    name: str
    internal_name: str
    queryable: bool
    has_udfs: bool
    fields: dict[str, str]
    parents: tuple[str, ...] = field(default=())
    updatable: bool = True

    @property
    def cursor(self) -> str | None:
        """The field that incremental runs filter on, or None for full reads."""
        if self.name in PER_PARENT:
            return None
        stamps = CHANGE_STAMPS if self.updatable else CHANGE_STAMPS + CREATION_STAMPS
        for stamp in stamps:
            if self.fields.get(stamp) == "datetime":
                return stamp
        return None

    @property
    def mode(self) -> SyncMode:
        if self.name in PER_PARENT:
            return SyncMode.PER_PARENT
        cursor = self.cursor
        if cursor is None:
            return SyncMode.FULL
        if cursor in CHANGE_STAMPS:
            return SyncMode.INCREMENTAL
        return SyncMode.APPEND

    @property
    def reason(self) -> str:
        """Why this entity is synced the way it is, for `entities` listings."""
        if self.mode is SyncMode.INCREMENTAL:
            return f"change stamp {self.cursor}"
        if self.mode is SyncMode.APPEND:
            return f"rows never change; creation stamp {self.cursor}"
        if self.mode is SyncMode.PER_PARENT:
            parent, field = PER_PARENT[self.name]
            return f"query takes only {field} eq: read for {parent} changed in the run"
        if self.updatable and any(self.fields.get(s) for s in CREATION_STAMPS):
            return "rows can change but carry only a creation stamp: re-read whole"
        return "no change stamp in the spec: re-read whole, merged on id"


@cache
def load_catalogue() -> dict[str, EntitySpec]:
    """All entities of the generated spec digest, keyed by name."""
    text = resources.files(__package__).joinpath("entities.json").read_text()
    catalogue = {}
    for entry in json.loads(text)["entities"]:
        catalogue[entry["name"]] = EntitySpec(
            name=entry["name"],
            internal_name=entry["internalName"],
            queryable=entry["operations"]["query"],
            has_udfs=entry["hasUserDefinedFields"],
            fields={f["name"]: f["dataType"] for f in entry["fields"]},
            parents=tuple(p["parent"] for p in entry["parents"]),
            updatable=entry["operations"]["update"]
            or any(p["operations"]["update"] for p in entry["parents"]),
        )
    return catalogue


def queryable_entities() -> list[EntitySpec]:
    return [spec for spec in load_catalogue().values() if spec.queryable]


# Groups for `--entities`, by the part of an MSP's business they report on.
GROUPS: dict[str, tuple[str, ...]] = {
    "core": CORE_ENTITIES,
    "crm": (
        "Appointments",
        "ClientPortalUsers",
        "Companies",
        "CompanyAlerts",
        "CompanyCategories",
        "CompanyLocations",
        "CompanyNotes",
        "CompanySiteConfigurations",
        "CompanyTeams",
        "CompanyToDos",
        "ContactGroupContacts",
        "ContactGroups",
        "Contacts",
        "Opportunities",
        "QuoteItems",
        "QuoteLocations",
        "Quotes",
        "SalesOrders",
    ),
    "service_desk": (
        "DeletedTicketActivityLogs",
        "DeletedTicketLogs",
        "Departments",
        "KnowledgeBaseArticles",
        "Resources",
        "Roles",
        "ServiceCallTaskResources",
        "ServiceCallTasks",
        "ServiceCallTicketResources",
        "ServiceCallTickets",
        "ServiceCalls",
        "ServiceLevelAgreementResults",
        "SurveyResults",
        "TicketAdditionalConfigurationItems",
        "TicketAdditionalContacts",
        "TicketAttachments",
        "TicketCategories",
        "TicketChangeRequestApprovals",
        "TicketCharges",
        "TicketChecklistItems",
        "TicketHistory",
        "TicketNoteAttachments",
        "TicketNotes",
        "TicketRmaCredits",
        "TicketSecondaryResources",
        "TicketTagAssociations",
        "Tickets",
    ),
    "projects": (
        "DeletedTaskActivityLogs",
        "Phases",
        "ProjectAttachments",
        "ProjectCharges",
        "ProjectNotes",
        "Projects",
        "TaskNotes",
        "TaskPredecessors",
        "TaskSecondaryResources",
        "Tasks",
    ),
    "time_and_billing": (
        "BillingCodes",
        "BillingItemApprovalLevels",
        "BillingItems",
        "Currencies",
        "ExpenseItems",
        "ExpenseReports",
        "InvoiceTemplates",
        "Invoices",
        "PaymentTerms",
        "TaxCategories",
        "TaxRegions",
        "Taxes",
        "TimeEntries",
        "TimeOffRequests",
        "WorkTypeModifiers",
    ),
    "contracts": (
        "ContractBillingRules",
        "ContractBlockHourFactors",
        "ContractBlocks",
        "ContractCharges",
        "ContractExclusionBillingCodes",
        "ContractExclusionRoles",
        "ContractExclusionSetExcludedRoles",
        "ContractExclusionSetExcludedWorkTypes",
        "ContractExclusionSets",
        "ContractMilestones",
        "ContractNotes",
        "ContractRates",
        "ContractRetainers",
        "ContractRoleCosts",
        "ContractServiceBundleUnits",
        "ContractServiceBundles",
        "ContractServiceUnits",
        "ContractServices",
        "ContractTicketPurchases",
        "Contracts",
        "ServiceBundleServices",
        "ServiceBundles",
        "Services",
        "SubscriptionPeriods",
        "Subscriptions",
    ),
    "inventory": (
        "ConfigurationItemBillingProductAssociations",
        "ConfigurationItemCategories",
        "ConfigurationItemNotes",
        "ConfigurationItemRelatedItems",
        "ConfigurationItemTypes",
        "ConfigurationItems",
        "InventoryItemSerialNumbers",
        "InventoryItems",
        "InventoryLocations",
        "InventoryProducts",
        "InventoryStockedItems",
        "InventoryTransfers",
        "ProductNotes",
        "ProductTiers",
        "ProductVendors",
        "Products",
        "PurchaseApprovals",
        "PurchaseOrderItemReceiving",
        "PurchaseOrderItems",
        "PurchaseOrders",
        "ShippingTypes",
    ),
}


def canonical_entity(name: str) -> str:
    """The catalogue's spelling of one queryable entity name (any case)."""
    catalogue = load_catalogue()
    by_folded = {n.casefold(): n for n, spec in catalogue.items() if spec.queryable}
    found = by_folded.get(name.strip().casefold())
    if found is not None:
        return found
    unqueryable = {n.casefold(): n for n in catalogue}.get(name.strip().casefold())
    if unqueryable is not None:
        raise UnknownEntityError(
            name.strip(),
            (),
            detail=f"{unqueryable} exists, but Autotask offers no query for it "
            "(its endpoints only create rows), so there is nothing to sync.",
        )
    raise UnknownEntityError(name.strip(), _close_matches(name.strip(), catalogue))


def resolve_entities(names: list[str] | tuple[str, ...]) -> list[EntitySpec]:
    """Turn user-given names and groups into entity specs, in catalogue order.

    Names are case-insensitive, except that an entity spelled exactly as
    Autotask spells it wins over a group of the same name: `Projects` is the
    entity, `projects` the group. Tombstone entities come along with the
    entities they delete from, so deletes are never silently missed, and a
    per-parent entity brings its parent, whose changes drive it.
    Raises `UnknownEntityError` with the closest names before any request.
    """
    catalogue = load_catalogue()
    chosen: set[str] = set()

    for raw in names:
        name = raw.strip()
        folded = name.casefold()
        if not name:
            continue
        if name in catalogue and catalogue[name].queryable:
            chosen.add(name)
        elif folded == "all":
            chosen.update(spec.name for spec in queryable_entities())
        elif folded in GROUPS:
            chosen.update(GROUPS[folded])
        else:
            chosen.add(canonical_entity(name))

    for child, (parent, _) in PER_PARENT.items():
        if child in chosen:
            chosen.add(parent)
    for tombstone, (target, _) in TOMBSTONES.items():
        if target in chosen:
            chosen.add(tombstone)

    return [catalogue[name] for name in sorted(chosen)]


def _close_matches(name: str, catalogue: dict[str, EntitySpec]) -> list[str]:
    candidates = [spec.name for spec in catalogue.values() if spec.queryable]
    candidates += ["all", *GROUPS]
    folded = {c.casefold(): c for c in candidates}
    matches = difflib.get_close_matches(name.casefold(), folded, n=5, cutoff=0.6)
    return [folded[m] for m in matches]
