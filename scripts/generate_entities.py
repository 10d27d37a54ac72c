"""Generate `sources/autotask/entities.json` from the public Autotask spec digest.

The entity list, each entity's endpoints and each field's type come from the
public Swagger export of the REST API (2022-07) through the catalogue derived
from it in `shared/reference/`. Nothing here is typed per entity: the few
facts the spec lacks (which change stamp to trust, special query rules) live
in `sources/autotask/catalogue.py`.

Run it again when the reference spec changes:

    python scripts/generate_entities.py \
        ../shared/reference/autotask-entity-catalogue-2022-07.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "sources/autotask/entities.json"

# Swagger "type/format" to the `dataType` Autotask's entityInformation/fields
# reports. Money and hours are `number/double` in the spec but `decimal` in
# real field metadata; `ref`, `array` and `object` are not columns.
SPEC_TO_DATA_TYPE = {
    "integer/int32": "integer",
    "integer/int64": "long",
    "string": "string",
    "string/byte": "string",
    "string/date-time": "datetime",
    "boolean": "boolean",
    "number/double": "decimal",
}


def _ops(raw_ops: list[str]) -> dict[str, bool]:
    ops = set(raw_ops)
    return {
        "query": "POST /query" in ops,
        "get": "GET /{id}" in ops,
        "create": "POST /" in ops,
        "update": "PATCH /" in ops or "PUT /" in ops,
        "delete": "DELETE /{id}" in ops,
    }


def _children(entity: dict) -> list[dict]:
    children = []
    for child in entity["children"]:
        _, _, parent, _, segment = child["path"].split("/")
        children.append(
            {"parent": parent, "segment": segment, "operations": _ops(child["ops"])}
        )
    return children


def _fields(entity: dict) -> list[dict]:
    return [
        {"name": name, "dataType": SPEC_TO_DATA_TYPE[spec_type]}
        for name, spec_type in entity["fields"].items()
        if spec_type in SPEC_TO_DATA_TYPE
    ]


def generate(catalogue_path: Path) -> dict:
    catalogue = json.loads(catalogue_path.read_text())
    entities = []
    for entity in sorted(catalogue["entities"], key=lambda e: e["entity"]):
        entities.append(
            {
                "name": entity["entity"],
                "internalName": entity["internalName"],
                "operations": _ops(entity["rootOps"]),
                "parents": _children(entity),
                "hasUserDefinedFields": entity["hasUdfField"],
                "fields": _fields(entity),
            }
        )
    return {"source": catalogue["source"], "entities": entities}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path, help="autotask-entity-catalogue JSON")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    document = generate(args.catalogue)
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(document['entities'])} entities written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
