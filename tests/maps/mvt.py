"""Read a Mapbox vector tile's layers in tests: the protobuf wire format of the MVT 2.1
specification, just enough of it (layer names, feature types and properties)."""
from __future__ import annotations

import struct

GEOMETRY_TYPES = {1: "Point", 2: "LineString", 3: "Polygon"}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _fields(data: bytes):
    """(field number, value) of a message: ints for varints, bytes for length-delimited."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire == 5:
            value, at = struct.unpack("<f", data[at:at + 4])[0], at + 4
        elif wire == 1:
            value, at = struct.unpack("<d", data[at:at + 8])[0], at + 8
        else:
            raise ValueError(f"wire type {wire} is not in the MVT format")
        yield number, value


def _value(message: bytes):
    for number, value in _fields(message):
        return value.decode() if number == 1 else value
    return None


def _packed(data: bytes) -> list[int]:
    values, at = [], 0
    while at < len(data):
        value, at = _varint(data, at)
        values.append(value)
    return values


def layers(tile: bytes) -> dict[str, list[dict]]:
    """Each layer's features: their properties, and their geometry type under `$type`."""
    found = {}
    for number, layer in _fields(tile):
        if number != 3:
            continue
        name, keys, values, features = None, [], [], []
        for field, value in _fields(layer):
            if field == 1:
                name = value.decode()
            elif field == 2:
                features.append(value)
            elif field == 3:
                keys.append(value.decode())
            elif field == 4:
                values.append(_value(value))
        decoded = []
        for feature in features:
            properties = {}
            for field, value in _fields(feature):
                if field == 2:
                    tags = _packed(value)
                    properties.update({keys[k]: values[v] for k, v in zip(tags[::2], tags[1::2])})
                elif field == 3:
                    properties["$type"] = GEOMETRY_TYPES.get(value)
            decoded.append(properties)
        found[name] = decoded
    return found
