"""The entity catalogue the sandbox serves, read from `entities.json`.

Field lists and types come only from the generated spec digest; what the
spec does not say is derived by rule from field names, never typed per
entity:

- a reference is an integer field named `<...>ID` whose trailing words name
  an entity (`assignedResourceID` -> Resources, `billToCompanyID` ->
  Companies);
- change stamps are the datetime fields named in `CHANGE_STAMP_NAMES`;
- the creation stamp is the first datetime field named in
  `CREATE_STAMP_NAMES`;
- a child entity's parent reference (for `/{Parent}/{id}/{Child}` lists) is
  the field referencing the parent, preferring `<parent singular>ID`; else
  `<parent internal name>ID` (`installedProductID`); else the shortest
  `...ID` field with a word equal to the parent's last word (`articleID`
  for KnowledgeBaseArticles, `webhookID` for CompanyWebhooks). Such a field
  becomes a reference to the parent when the parent is an entity. Children
  with no such field (`ArticlePlainTextContent`) list nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ENTITIES_PATH = (
    Path(__file__).resolve().parent.parent / "sources" / "autotask" / "entities.json"
)

CHANGE_STAMP_NAMES = frozenset(
    {
        "lastActivity",
        "lastActivityDate",
        "lastActivityDateTime",
        "lastModifiedDate",
        "lastModifiedDateTime",
        "lastModifiedTime",
        "lastTrackedModificationDateTime",
        "lastTrackedModifiedDateTime",
        "updateDateTime",
    }
)
CREATE_STAMP_NAMES = (
    "createDate",
    "createDateTime",
    "createdDateTime",
    "attachDate",
    "deletedDateTime",
)

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    data_type: str
    reference: str | None = None


@dataclass(frozen=True)
class ParentLink:
    """`/{parent}/{parentId}/{segment}` lists the child rows whose `field`
    equals parentId; `operations` are the child path's, from the spec."""

    parent: str
    segment: str
    operations: dict[str, bool]
    field: str | None


@dataclass(frozen=True)
class EntitySpec:
    name: str
    internal_name: str
    operations: dict[str, bool]
    has_udfs: bool
    fields: tuple[FieldSpec, ...]
    by_lower: dict[str, FieldSpec] = field(repr=False, compare=False)
    change_stamps: tuple[str, ...] = ()
    create_stamp: str | None = None
    parents: tuple[ParentLink, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        """The field spelled `name` in any letter case, or None."""
        return self.by_lower.get(name.lower())


@dataclass(frozen=True)
class Catalogue:
    entities: tuple[EntitySpec, ...]
    by_lower: dict[str, EntitySpec] = field(repr=False, compare=False)

    def entity(self, name: str) -> EntitySpec | None:
        """The entity spelled `name` in any letter case, or None."""
        return self.by_lower.get(name.lower())

    def queryable(self) -> list[EntitySpec]:
        return [e for e in self.entities if e.operations["query"]]

    def child(self, parent: str, segment: str) -> tuple[EntitySpec, ParentLink] | None:
        """The child entity under `/{parent}/{id}/{segment}`, any letter case."""
        for entity in self.entities:
            for link in entity.parents:
                if (link.parent.lower(), link.segment.lower()) == (
                    parent.lower(),
                    segment.lower(),
                ):
                    return entity, link
        return None


def _reference_target(name: str, entity_names: dict[str, str]) -> str | None:
    if not name.endswith("ID") or len(name) <= 2:
        return None

    words = _WORD.findall(name[:-2])
    for start in range(len(words)):
        stem = "".join(w[0].upper() + w[1:] for w in words[start:])
        for candidate in (stem + "s", stem + "es", stem[:-1] + "ies"):
            if candidate.lower() in entity_names:
                return entity_names[candidate.lower()]
    return None


def _singulars(plural: str) -> set[str]:
    return {plural[:-3] + "y", plural[:-2], plural[:-1]}


def _parent_field(
    fields: list[FieldSpec], parent: str, internal_names: dict[str, str]
) -> str | None:
    """The child's field that holds the parent's id (see the module rules)."""
    ids = [f for f in fields if f.name.endswith("ID") and f.name != "id"]
    exact = {s.lower() + "id" for s in _singulars(parent)}
    referencing = [f.name for f in ids if f.reference == parent]
    for name in referencing:
        if name.lower() in exact:
            return name
    if referencing:
        return referencing[0]

    internal = internal_names.get(parent.lower())
    for f in ids:
        if internal and f.name.lower() == internal.lower() + "id":
            return f.name

    last = _WORD.findall(parent)[-1].lower()
    stems = {s.lower() for s in _singulars(last)} | {last}
    words = [
        f.name for f in ids if stems & {w.lower() for w in _WORD.findall(f.name[:-2])}
    ]
    return min(words, key=len) if words else None


def _links(
    raw: dict,
    fields: list[FieldSpec],
    entity_names: dict[str, str],
    internal_names: dict[str, str],
) -> tuple[ParentLink, ...]:
    """The parent links, turning each parent field into a reference."""
    links = []
    for raw_link in raw.get("parents", ()):
        parent = raw_link["parent"]
        name = _parent_field(fields, parent, internal_names)
        target = entity_names.get(parent.lower())
        for i, f in enumerate(fields):
            if f.name == name and f.reference is None and target is not None:
                fields[i] = FieldSpec(f.name, f.data_type, target)
        links.append(
            ParentLink(parent, raw_link["segment"], dict(raw_link["operations"]), name)
        )
    return tuple(links)


def _entity(
    raw: dict, entity_names: dict[str, str], internal_names: dict[str, str]
) -> EntitySpec:
    fields = []
    for raw_field in raw["fields"]:
        data_type = raw_field["dataType"]
        reference = None
        if data_type in ("integer", "long"):
            reference = _reference_target(raw_field["name"], entity_names)
        fields.append(FieldSpec(raw_field["name"], data_type, reference))
    parents = _links(raw, fields, entity_names, internal_names)

    datetimes = [f.name for f in fields if f.data_type == "datetime"]
    create_stamp = next((n for n in CREATE_STAMP_NAMES if n in datetimes), None)
    return EntitySpec(
        name=raw["name"],
        internal_name=raw["internalName"],
        operations=dict(raw["operations"]),
        has_udfs=bool(raw["hasUserDefinedFields"]),
        fields=tuple(fields),
        by_lower={f.name.lower(): f for f in fields},
        change_stamps=tuple(n for n in datetimes if n in CHANGE_STAMP_NAMES),
        create_stamp=create_stamp,
        parents=parents,
    )


@cache
def load_catalogue(path: Path = ENTITIES_PATH) -> Catalogue:
    """Parse `entities.json` once per process; the result is immutable."""
    document = json.loads(path.read_text())
    entity_names = {raw["name"].lower(): raw["name"] for raw in document["entities"]}
    internal_names = {
        raw["name"].lower(): raw["internalName"] for raw in document["entities"]
    }
    entities = tuple(
        _entity(raw, entity_names, internal_names) for raw in document["entities"]
    )
    return Catalogue(entities, {e.name.lower(): e for e in entities})
