"""The official geographic code (COG) and the commune contours."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, Computed, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import DISPLAY_SRID, STORAGE_SRID, Base

INSEE_CODE = String(5)  # text, never an integer: 2A/2B for Corsica, leading zeros


def folded_name():
    """`observatory.fold_name(name)` kept by PostgreSQL, for the trigram search (migration
    0006); declared last, as loads insert the other columns in table order."""
    return mapped_column(Text, Computed("observatory.fold_name(name)", persisted=True))


def folded_name_index(table: str) -> Index:
    return Index(f"ix_{table}_name_folded", "name_folded", postgresql_using="gin",
                 postgresql_ops={"name_folded": "public.gin_trgm_ops"})


class Region(Base):
    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class Departement(Base):
    __tablename__ = "departement"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(3), index=True)


class Epci(Base):
    __tablename__ = "epci"
    siren: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(Text)


class Commune(Base):
    """A current commune ("commune-actuelle") of the COG reference."""

    __tablename__ = "commune"
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    departement_code: Mapped[str] = mapped_column(String(3), index=True)
    region_code: Mapped[str | None] = mapped_column(String(3))
    epci_siren: Mapped[str | None] = mapped_column(String(9), index=True)
    zone: Mapped[str] = mapped_column(String(8))
    population: Mapped[int | None] = mapped_column(Integer)
    postcodes: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    name_folded: Mapped[str] = folded_name()
    __table_args__ = (folded_name_index("commune"),)


class FormerCommune(Base):
    """A code that no longer names a current commune, and the commune it now belongs to.

    Delegated and associated communes, codes absorbed by a merger (`anciensCodes`) and
    municipal arrondissements. One code may appear with several kinds (69135 is both
    Deux-Grosnes and its delegated commune Monsols).
    """

    __tablename__ = "former_commune"
    code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    current_insee_code: Mapped[str] = mapped_column(INSEE_CODE, index=True)
    name_folded: Mapped[str | None] = folded_name()
    __table_args__ = (folded_name_index("former_commune"),)


class CommuneContour(Base):
    """A contour as published by the boundary source, in its own vintage."""

    __tablename__ = "commune_contour"
    code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    repaired: Mapped[bool] = mapped_column(default=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=True), nullable=False)
    name_folded: Mapped[str | None] = folded_name()
    __table_args__ = (folded_name_index("commune_contour"),)


# Which commune a point lies in is one probe of this index per position. Pages filled to
# 20 % (a tree built by splits, not by sorting) hold fewer boxes to test per page visited:
# 31,000 probes took 265 ms instead of 560 ms, for an index of 8 MB instead of 1.6 MB.
COMMUNE_LOOKUP_INDEX = {"fillfactor": 20, "buffering": "on"}


class CommuneBoundary(Base):
    """The geometry of a current commune, contours of merged communes dissolved into it."""

    __tablename__ = "commune_boundary"
    __table_args__ = (Index("idx_commune_boundary_geom", "geom", postgresql_using="gist",
                            postgresql_with=COMMUNE_LOOKUP_INDEX),)
    # No foreign key: each published table is replaced by its own load; the pipeline's
    # checks hold the references together.
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    contour_codes: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    area_km2: Mapped[float] = mapped_column(Float)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=False)
    # Simplified once by the pipeline for maps, never per request.
    geom_display = mapped_column(Geometry("MULTIPOLYGON", srid=DISPLAY_SRID, spatial_index=True), nullable=False)
    centroid = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False), nullable=False)


class CommuneWithoutBoundary(Base):
    """A current commune the contours cannot give a geometry to, and why."""

    __tablename__ = "commune_without_boundary"
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


__all__ = [
    "Commune", "CommuneBoundary", "CommuneContour", "CommuneWithoutBoundary",
    "Departement", "Epci", "FormerCommune", "Region",
]
