"""Field metadata, picklists and UDF definitions, and their response shapes.

Picklists and UDFs are the only hand-written tables in the sandbox: the
spec digest has field names and types, but not which integer fields are
picklists nor which UDFs a tenant defined. Seeded rows draw picklist codes
from these tables (by weight), so every row value is a valid code and every
`subIssueType` belongs to its row's `issueType`.

Response shapes follow Autotask's `entityInformation`,
`entityInformation/fields` and `entityInformation/userDefinedFields`:
standard fields use `""` for "no reference/parent", UDF entries use null.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import EntitySpec, FieldSpec


@dataclass(frozen=True)
class PicklistValue:
    """One picklist entry; `weight` is its share of seeded rows (0: never)."""

    value: int
    label: str
    weight: int = 1
    is_active: bool = True
    is_default: bool = False
    is_system: bool = False
    parent: int | None = None


@dataclass(frozen=True)
class UdfSpec:
    name: str
    label: str
    type: str
    length: int = 0
    picklist: tuple[PicklistValue, ...] = ()


P = PicklistValue

_PRIORITIES = (
    P(1, "High", 15, is_system=True),
    P(2, "Medium", 50, is_default=True, is_system=True),
    P(3, "Low", 30, is_system=True),
    P(4, "Critical", 5, is_system=True),
    P(5, "Legacy P5", 0, is_active=False),
)

_ISSUE_TYPES = (
    P(1, "Hardware", 30),
    P(2, "Software", 35, is_default=True),
    P(3, "Network", 20),
    P(4, "Security", 10),
    P(5, "Account Access", 5),
)

_SUB_ISSUE_TYPES = (
    P(101, "Laptop", 4, parent=1),
    P(102, "Printer", 3, parent=1),
    P(103, "Server", 2, parent=1),
    P(104, "Fax Machine", 0, is_active=False, parent=1),
    P(201, "Office Suite", 4, parent=2),
    P(202, "Line of Business App", 3, parent=2),
    P(203, "Operating System", 2, parent=2),
    P(301, "Wi-Fi", 3, parent=3),
    P(302, "VPN", 3, parent=3),
    P(303, "Firewall", 1, parent=3),
    P(401, "Phishing", 3, parent=4),
    P(402, "Malware", 2, parent=4),
    P(501, "Password Reset", 5, parent=5),
    P(502, "New User", 2, parent=5),
)

PICKLISTS: dict[tuple[str, str], tuple[PicklistValue, ...]] = {
    ("Tickets", "status"): (
        P(1, "New", 10, is_default=True, is_system=True),
        P(5, "Complete", 55, is_system=True),
        P(7, "Waiting Customer", 8, is_system=True),
        P(8, "In Progress", 12),
        P(9, "Waiting Materials", 3),
        P(10, "Dispatched", 4),
        P(12, "Waiting Vendor", 3),
        P(19, "Legacy Review", 0, is_active=False),
    ),
    ("Tickets", "priority"): _PRIORITIES,
    ("Tickets", "queueID"): (
        P(29682833, "Client Portal", 10),
        P(29683354, "Level I Support", 45, is_default=True),
        P(29683355, "Level II Support", 20),
        P(29683356, "Monitoring Alert", 20),
        P(29683357, "Recurring Tickets", 5),
        P(29683358, "Post Sale", 0, is_active=False),
    ),
    ("Tickets", "issueType"): _ISSUE_TYPES,
    ("Tickets", "subIssueType"): _SUB_ISSUE_TYPES,
    ("Tickets", "source"): (
        P(-2, "Insourced", 2, is_system=True),
        P(-1, "Client Portal", 15, is_system=True),
        P(1, "Other", 3),
        P(2, "Email", 40, is_default=True),
        P(3, "Phone", 25),
        P(4, "Voice Mail", 0, is_active=False),
        P(8, "Monitoring Alert", 15),
    ),
    ("Tickets", "ticketType"): (
        P(1, "Service Request", 45, is_default=True, is_system=True),
        P(2, "Incident", 35, is_system=True),
        P(3, "Problem", 5, is_system=True),
        P(4, "Change Request", 10, is_system=True),
        P(5, "Alert", 5, is_system=True),
    ),
    ("Tickets", "ticketCategory"): (
        P(2, "Standard", 80, is_default=True),
        P(3, "AEM Alert", 15),
        P(4, "RMA", 5),
        P(6, "Legacy Intake", 0, is_active=False),
    ),
    ("Companies", "companyType"): (
        P(1, "Customer", 60, is_default=True, is_system=True),
        P(2, "Lead", 10, is_system=True),
        P(3, "Prospect", 15, is_system=True),
        P(4, "Dead", 3, is_system=True),
        P(6, "Cancellation", 2, is_system=True),
        P(7, "Vendor", 7, is_system=True),
        P(8, "Partner", 3, is_system=True),
    ),
    ("Companies", "classification"): (
        P(101, "Gold", 20),
        P(102, "Silver", 35, is_default=True),
        P(103, "Bronze", 45),
        P(104, "Legacy Tier", 0, is_active=False),
    ),
    ("Projects", "status"): (
        P(0, "Inactive", 5, is_system=True),
        P(1, "New", 20, is_default=True, is_system=True),
        P(2, "In Progress", 40),
        P(5, "Complete", 30, is_system=True),
        P(8, "On Hold", 5),
        P(9, "Legacy Review", 0, is_active=False),
    ),
    ("Projects", "projectType"): (
        P(3, "Proposal", 10, is_system=True),
        P(4, "Template", 0, is_active=False, is_system=True),
        P(5, "Client", 75, is_default=True, is_system=True),
        P(8, "Internal", 15, is_system=True),
    ),
    ("Tasks", "status"): (
        P(1, "New", 25, is_default=True, is_system=True),
        P(4, "In Progress", 25),
        P(5, "Complete", 40, is_system=True),
        P(7, "Waiting Customer", 10),
        P(11, "Legacy Hold", 0, is_active=False),
    ),
    ("Tasks", "priority"): _PRIORITIES,
    ("Tasks", "priorityLabel"): _PRIORITIES,
    ("Contracts", "status"): (
        P(0, "Inactive", 20, is_system=True),
        P(1, "Active", 80, is_default=True, is_system=True),
    ),
    ("Contracts", "contractType"): (
        P(1, "Time & Materials", 35, is_default=True, is_system=True),
        P(3, "Fixed Price", 10, is_system=True),
        P(4, "Block Hours", 15, is_system=True),
        P(6, "Retainer", 5, is_system=True),
        P(7, "Recurring Service", 30, is_system=True),
        P(8, "Per Ticket", 5, is_system=True),
    ),
    ("Contracts", "contractCategory"): (
        P(1, "Standard", 50, is_default=True),
        P(2, "Managed Services", 35),
        P(3, "Project", 15),
        P(4, "Legacy Support", 0, is_active=False),
    ),
    ("TimeEntries", "timeEntryType"): (
        P(2, "Regular Time", 70, is_default=True, is_system=True),
        P(6, "Travel Time", 10, is_system=True),
        P(7, "Project Task", 15, is_system=True),
        P(8, "Internal", 5),
        P(9, "Legacy Overtime", 0, is_active=False),
    ),
    ("ConfigurationItems", "configurationItemType"): (
        P(1, "Workstation", 50, is_default=True),
        P(2, "Server", 15),
        P(3, "Network Device", 15),
        P(4, "Printer", 10),
        P(5, "Mobile Device", 10),
        P(6, "Legacy Appliance", 0, is_active=False),
    ),
}

# Dependent picklists: field -> the field whose code each value's parent is.
PICKLIST_PARENTS: dict[tuple[str, str], str] = {
    ("Tickets", "subIssueType"): "issueType",
}

UDFS: dict[str, tuple[UdfSpec, ...]] = {
    "Tickets": (
        UdfSpec(
            "CustomerRanking",
            "Customer Ranking",
            "list",
            picklist=(
                P(1, "Golden", 20),
                P(2, "Silver", 50, is_default=True),
                P(3, "Bronze", 30),
                P(4, "Retired", 0, is_active=False),
            ),
        ),
        UdfSpec("EscalationReason", "Escalation Reason", "string", length=255),
        UdfSpec("BillableEstimate", "Billable Estimate", "number"),
        UdfSpec("FollowUpDate", "Follow Up Date", "datetime"),
        UdfSpec("RequiresOnsite", "Requires Onsite", "boolean"),
    ),
    "Companies": (
        UdfSpec(
            "AccountTier",
            "Account Tier",
            "list",
            picklist=(
                P(1, "Enterprise", 15),
                P(2, "Mid-Market", 35),
                P(3, "SMB", 50, is_default=True),
            ),
        ),
        UdfSpec("RenewalDate", "Renewal Date", "datetime"),
        UdfSpec("SeatCount", "Seat Count", "number"),
        UdfSpec("OnboardingNotes", "Onboarding Notes", "string", length=1000),
    ),
    "Contacts": (
        UdfSpec(
            "PreferredChannel",
            "Preferred Channel",
            "list",
            picklist=(
                P(1, "Email", 60, is_default=True),
                P(2, "Phone", 30),
                P(3, "Portal", 10),
            ),
        ),
        UdfSpec("Birthday", "Birthday", "datetime"),
        UdfSpec("IsVip", "VIP", "boolean"),
    ),
}

# Share of an entity's seeded rows (the oldest) created before the tenant
# defined its UDFs: they carry no UDF value, so pages of them come without
# the `userDefinedFields` collection.
UDF_SINCE: dict[str, float] = {"Tickets": 0.5}

# Fields Autotask refuses in filters (documented for Tickets and Contacts).
NON_QUERYABLE: dict[str, frozenset[str]] = {
    "Tickets": frozenset(
        {
            "creatorType",
            "lastActivityPersonType",
            "serviceLevelAgreementPausedNextEventHours",
        }
    ),
    "Contacts": frozenset(
        {"isOptedOutFromBulkEmail", "solicitationOptOut", "surveyOptOut"}
    ),
}

_REQUIRED: dict[str, frozenset[str]] = {
    "Tickets": frozenset({"companyID", "priority", "status", "title"}),
    "Companies": frozenset({"companyName", "companyType", "ownerResourceID"}),
    "Contacts": frozenset({"companyID", "firstName", "isActive", "lastName"}),
    "Projects": frozenset({"companyID", "projectName", "projectType", "status"}),
    "Tasks": frozenset({"projectID", "status", "title"}),
    "Contracts": frozenset({"companyID", "contractName", "contractType", "status"}),
    "TimeEntries": frozenset({"resourceID", "dateWorked"}),
}

# Entities that have a `<Singular>Webhooks` entity next to them.
_WEBHOOK_ENTITIES = frozenset(
    {"Companies", "Contacts", "ConfigurationItems", "Tickets", "TicketNotes"}
)

_LONG_TEXT = ("description", "notes", "resolution", "summary", "note")


def picklist(entity: str, field: str) -> tuple[PicklistValue, ...] | None:
    return PICKLISTS.get((entity, field))


def udfs(entity: str) -> tuple[UdfSpec, ...]:
    return UDFS.get(entity, ())


def is_queryable(entity: str, field: str) -> bool:
    return field not in NON_QUERYABLE.get(entity, frozenset())


def is_read_only(entity: EntitySpec, field: FieldSpec) -> bool:
    return (
        field.name == "id"
        or field.name == entity.create_stamp
        or field.name in entity.change_stamps
    )


def string_length(field: FieldSpec) -> int:
    lowered = field.name.lower()
    if any(word in lowered for word in _LONG_TEXT):
        return 8000
    if "title" in lowered or "name" in lowered or "url" in lowered:
        return 255
    return 100


def _picklist_json(values: tuple[PicklistValue, ...]) -> list[dict]:
    return [
        {
            "value": str(v.value),
            "label": v.label,
            "isDefaultValue": v.is_default,
            "sortOrder": order,
            "parentValue": "" if v.parent is None else str(v.parent),
            "isActive": v.is_active,
            "isSystem": v.is_system,
        }
        for order, v in enumerate(values, start=1)
    ]


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def field_info(entity: EntitySpec, field: FieldSpec) -> dict:
    """One entry of `entityInformation/fields`, shaped like Autotask's."""
    values = picklist(entity.name, field.name)
    parent = PICKLIST_PARENTS.get((entity.name, field.name))
    read_only = is_read_only(entity, field)
    return {
        "name": field.name,
        "dataType": field.data_type,
        "length": string_length(field) if field.data_type == "string" else 0,
        "isRequired": field.name == "id"
        or field.name in _REQUIRED.get(entity.name, ()),
        "isReadOnly": read_only,
        "isQueryable": is_queryable(entity.name, field.name),
        "isReference": field.reference is not None,
        "referenceEntityType": field.reference or "",
        "isPickList": values is not None,
        "picklistValues": _picklist_json(values) if values is not None else None,
        "picklistParentValueField": _pascal(parent) if parent else "",
        "isSupportedWebhookField": entity.name in _WEBHOOK_ENTITIES and not read_only,
    }


def fields_document(entity: EntitySpec) -> dict:
    return {"fields": [field_info(entity, f) for f in entity.fields]}


def udf_info(udf: UdfSpec) -> dict:
    """One entry of `entityInformation/userDefinedFields`."""
    return {
        "name": udf.name,
        "label": udf.label,
        "type": udf.type,
        "length": udf.length,
        "description": None,
        "isRequired": False,
        "isReadOnly": False,
        "isQueryable": True,
        "isReference": False,
        "referenceEntityType": None,
        "isPickList": bool(udf.picklist),
        "picklistValues": _picklist_json(udf.picklist) if udf.picklist else None,
        "picklistParentValueField": None,
        "defaultValue": "",
        "isSupportedWebhookField": True,
    }


def udf_document(entity: EntitySpec) -> dict:
    return {"fields": [udf_info(u) for u in udfs(entity.name)]}


def entity_information(entity: EntitySpec) -> dict:
    ops = entity.operations
    return {
        "info": {
            "name": entity.internal_name,
            "canCreate": ops["create"],
            "canDelete": ops["delete"],
            "canQuery": ops["query"],
            "canUpdate": ops["update"],
            "userAccessForCreate": "All" if ops["create"] else "None",
            "userAccessForDelete": "All" if ops["delete"] else "None",
            "userAccessForQuery": "All" if ops["query"] else "None",
            "userAccessForUpdate": "All" if ops["update"] else "None",
            "hasUserDefinedFields": entity.has_udfs,
            "supportsWebhookCallouts": entity.name in _WEBHOOK_ENTITIES,
        }
    }
