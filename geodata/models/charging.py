"""Charging points for electric vehicles (IRVE), cleaned and attributed to their commune."""
from __future__ import annotations

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, Date, Float, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import STORAGE_SRID, Base
from geodata.models.reference import INSEE_CODE


class ChargingPoint(Base):
    """One charging point (point de charge): one parking space, one vehicle at a time."""

    __tablename__ = "charging_point"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    # The roaming id (FR...); null in sources that do not carry it (the mirror's extract).
    id_pdc_itinerance: Mapped[str | None] = mapped_column(Text)
    station_name: Mapped[str] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    # The commune the point falls in, found spatially; null when it falls in none.
    insee_code: Mapped[str | None] = mapped_column(INSEE_CODE, index=True)
    # The commune the producer declared (`code_insee_commune`), kept to measure disagreement.
    declared_insee_code: Mapped[str | None] = mapped_column(INSEE_CODE)
    power_kw: Mapped[float] = mapped_column(Float)
    # Direct current and at least 50 kW: the "fast charger" of the indicators.
    is_fast_dc: Mapped[bool] = mapped_column(Boolean)
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    access_24_7: Mapped[bool | None] = mapped_column(Boolean)
    # What the reader repaired on this row, e.g. 'swapped_lat_lon'; null when nothing.
    repaired: Mapped[str | None] = mapped_column(Text)
    # How insee_code was found: 'contains' (inside a contour), 'nearest' (within the sliver
    # tolerance of a simplified contour), null when the point is in no commune.
    attribution: Mapped[str | None] = mapped_column(String(16))
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=True), nullable=False)


__all__ = ["ChargingPoint"]
