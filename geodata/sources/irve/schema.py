"""The official IRVE "statique" Table Schema, applied column by column (vectorised).

The rules are not re-typed here: they are read from the schema file published by Etalab
(`schema-statique.json`, Frictionless Table Schema), so that a new patch version of the
schema changes the validation without changing this code. Each rule is evaluated on whole
Arrow columns (RE2 regular expressions, casts), never row by row in Python: the national
file has hundreds of thousands of rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Frictionless defaults for booleans (the schema does not override them).
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
# A pragmatic e-mail shape: Frictionless' `email` format is not more precise than this.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# The schema's geopoint (format "array") is a JSON array "[longitude, latitude]".
GEOPOINT_PATTERN = r"^\s*\[\s*[-+]?\d+(\.\d+)?\s*,\s*[-+]?\d+(\.\d+)?\s*\]\s*$"


class SchemaError(ValueError):
    """The file does not have the shape the schema requires (whole-file problem)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    format: str | None = None
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None


@dataclass(frozen=True)
class TableSchema:
    name: str
    version: str
    fields: tuple[Field, ...]
    missing_values: tuple[str, ...] = ("",)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def load_schema(path: Path) -> TableSchema:
    """Parse the official `schema-statique.json`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    fields = []
    for item in raw["fields"]:
        constraints = item.get("constraints", {})
        fields.append(Field(
            name=item["name"],
            type=item.get("type", "string"),
            format=item.get("format"),
            required=bool(constraints.get("required", False)),
            enum=tuple(constraints["enum"]) if "enum" in constraints else None,
            pattern=constraints.get("pattern"),
            minimum=constraints.get("minimum"),
        ))
    return TableSchema(raw.get("name", ""), raw.get("version", ""), tuple(fields),
                       tuple(raw.get("missingValues", [""])))


@dataclass
class Violations:
    """For each row, the schema fields it breaks (as reason codes), in schema order."""

    n_rows: int
    masks: dict[str, np.ndarray] = field(default_factory=dict)  # reason -> bool mask

    def add(self, reason: str, mask: np.ndarray) -> None:
        if mask.any():
            self.masks[reason] = self.masks.get(reason, np.zeros(self.n_rows, bool)) | mask

    @property
    def any(self) -> np.ndarray:
        out = np.zeros(self.n_rows, bool)
        for mask in self.masks.values():
            out |= mask
        return out

    def reasons_of(self, row: int) -> list[str]:
        return [reason for reason, mask in self.masks.items() if mask[row]]


def _one_chunk(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    # Masks are numpy arrays over the whole column; keep both sides in one chunk.
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _as_mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _full_match(values: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    # Frictionless patterns must match the whole value.
    return pc.match_substring_regex(values, f"^(?:{pattern})$")


def missing_mask(values: pa.ChunkedArray, schema: TableSchema) -> np.ndarray:
    values = _one_chunk(values)
    if not _is_text(values):
        return _as_mask(pc.is_null(values, nan_is_null=True))
    stripped = pc.utf8_trim_whitespace(values)
    missing = pc.or_(pc.is_null(stripped), pc.is_in(stripped, pa.array(list(schema.missing_values))))
    return _as_mask(missing)


def invalid_mask(spec: Field, values: pa.ChunkedArray) -> np.ndarray:
    """Rows whose present value breaks the field's type or constraints.

    String columns (the CSV as published) are checked as text; columns that already carry
    a type (the parquet extract) pass the type test and keep their constraints.
    """
    values = _one_chunk(values)
    is_text = _is_text(values)
    text = pc.utf8_trim_whitespace(values) if is_text else None
    bad = np.zeros(len(values), bool)
    if spec.type == "boolean" and is_text:
        bad |= ~_as_mask(pc.is_in(text, pa.array(TRUE_VALUES + FALSE_VALUES)))
    elif spec.type in ("integer", "number"):
        numbers = values
        if is_text:
            pattern = r"[-+]?\d+" if spec.type == "integer" else r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"
            well_formed = _as_mask(_full_match(text, pattern))
            bad |= ~well_formed
            numbers = pc.cast(pc.if_else(pa.array(well_formed), text, None), pa.float64())
        if spec.minimum is not None:
            bad |= _as_mask(pc.less(numbers, spec.minimum))
    elif spec.type == "date" and is_text:
        shaped = _as_mask(_full_match(text, DATE_PATTERN))
        parsed = calendar_dates(pc.if_else(pa.array(shaped), text, None))
        bad |= ~(shaped & ~_as_mask(pc.is_null(parsed)))
    elif spec.type == "geopoint" and is_text:
        bad |= ~_as_mask(_full_match(text, GEOPOINT_PATTERN))
    elif spec.type == "string" and is_text:
        if spec.format == "email":
            bad |= ~_as_mask(_full_match(text, EMAIL_PATTERN))
        if spec.enum is not None:
            bad |= ~_as_mask(pc.is_in(text, pa.array(spec.enum)))
        if spec.pattern is not None:
            bad |= ~_as_mask(_full_match(text, spec.pattern))
    return bad


def calendar_dates(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`%Y-%m-%d` text as timestamps, null unless a real calendar day: Arrow's strptime
    rolls 2021-02-30 over to 2021-03-02, so the parsed day must print back as written."""
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
    return pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, parsed.type))


def _is_text(values) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def invalid_mask_by_value(spec: Field, values: pa.ChunkedArray) -> np.ndarray:
    """`invalid_mask`, evaluated once per distinct value: most columns repeat a few values
    (enumerations, booleans, opening hours, dates, operators), so regular expressions run
    on thousands of values instead of hundreds of thousands of rows."""
    values = _one_chunk(values)
    if not _is_text(values):
        return invalid_mask(spec, values)
    encoded = pc.dictionary_encode(values)
    bad_value = invalid_mask(spec, encoded.dictionary)
    indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
    # Nulls (index filled with 0) are "missing", not "malformed": masked by the caller.
    return bad_value[indices] if len(bad_value) else np.zeros(len(values), bool)


def validate(table: pa.Table, schema: TableSchema) -> Violations:
    """Check every schema field present in `table`; missing values of required fields too.

    Reason codes: `missing_<field>` (required and empty), `malformed_<field>` (type,
    enumeration, pattern, minimum). The coordinates get the names the data card uses:
    `missing_coordinates` and `malformed_coordinates`.
    """
    violations = Violations(table.num_rows)
    for spec in schema.fields:
        if spec.name not in table.column_names:
            continue
        values = table.column(spec.name)
        missing = missing_mask(values, schema)
        suffix = "coordinates" if spec.type == "geopoint" else spec.name
        if spec.required:
            violations.add(f"missing_{suffix}", missing)
        violations.add(f"malformed_{suffix}", invalid_mask_by_value(spec, values) & ~missing)
    return violations


def missing_required_columns(columns: list[str], schema: TableSchema) -> list[str]:
    return [f.name for f in schema.fields if f.required and f.name not in columns]


def parse_boolean(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Schema booleans as Arrow booleans (null when absent or not a boolean)."""
    values = _one_chunk(values)
    if pa.types.is_boolean(values.type):
        return values
    text = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.is_in(text, pa.array(TRUE_VALUES)), True,
                      pc.if_else(pc.is_in(text, pa.array(FALSE_VALUES)), False, None))
