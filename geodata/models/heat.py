"""Heat networks (France Chaleur Urbaine), their labels and potentials, and the per-commune
energy indicators the pipeline materialises."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, false, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import DISPLAY_SRID, STORAGE_SRID, Base
from geodata.models.reference import INSEE_CODE

SNCU_ID = String(8)    # national heat-network id, e.g. "0108C"


class HeatNetwork(Base):
    """An existing heat network: its trace (MultiLineString) or, without trace, a point."""

    __tablename__ = "heat_network"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sncu_id: Mapped[str | None] = mapped_column(SNCU_ID, index=True)
    name: Mapped[str | None] = mapped_column(Text)
    communes_declared: Mapped[str | None] = mapped_column(Text)
    departement_code: Mapped[str | None] = mapped_column(String(3))
    departement_label: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    classified: Mapped[bool | None] = mapped_column(Boolean)
    creation_year: Mapped[int | None] = mapped_column(Integer)
    declared_length_km: Mapped[float | None] = mapped_column(Float)
    delivery_points: Mapped[int | None] = mapped_column(Integer)
    renewable_share_pct: Mapped[float | None] = mapped_column(Float)
    co2_kg_per_kwh: Mapped[float | None] = mapped_column(Float)
    co2_lca_kg_per_kwh: Mapped[float | None] = mapped_column(Float)
    deliveries_mwh: Mapped[float | None] = mapped_column(Float)
    has_trace: Mapped[bool] = mapped_column(Boolean)
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=True), nullable=False)
    geom_display = mapped_column(Geometry("GEOMETRY", srid=DISPLAY_SRID, spatial_index=False), nullable=False)


class HeatNetworkArrete(Base):
    """A heat or cold network of the arrêté DPE 2026: its regulatory values, and its locality
    as published (the communes it serves are in `heat_network_commune`)."""

    __tablename__ = "heat_network_arrete"
    sncu_id: Mapped[str] = mapped_column(SNCU_ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_truncated: Mapped[bool] = mapped_column(Boolean)
    locality: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))            # heat or cold
    departement_code: Mapped[str] = mapped_column(String(3))
    co2_kg_per_kwh: Mapped[float] = mapped_column(Float)
    co2_lca_kg_per_kwh: Mapped[float] = mapped_column(Float)
    renewable_share_pct: Mapped[float | None] = mapped_column(Float)
    reference_year: Mapped[int | None] = mapped_column(Integer)   # NULL: a multi-year mean
    vintage: Mapped[str] = mapped_column(String(4))


class HeatNetworkCommune(Base):
    """A current commune a network of the arrêté serves, and how its locality was matched."""

    __tablename__ = "heat_network_commune"
    sncu_id: Mapped[str] = mapped_column(SNCU_ID, primary_key=True)
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True, index=True)
    match_method: Mapped[str] = mapped_column(String(24))
    matched_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    from_list: Mapped[bool] = mapped_column(Boolean)


class HeatArea(Base):
    """A priority development perimeter (PDP) or a network under construction (zone or trace)."""

    __tablename__ = "heat_area"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    sncu_id: Mapped[str | None] = mapped_column(SNCU_ID)
    communes_declared: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    commissioning: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=True), nullable=False)
    geom_display = mapped_column(Geometry("GEOMETRY", srid=DISPLAY_SRID, spatial_index=False), nullable=False)


class SourceAvailability(Base):
    """Whether an optional source could be obtained at its last attempt, and why not."""

    __tablename__ = "source_availability"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EcoreseauLabel(Base):
    """A laureate of the Écoréseau label, and the collectivité holding it when recognised."""

    __tablename__ = "ecoreseau_label"
    sncu_id: Mapped[str] = mapped_column(SNCU_ID, primary_key=True)
    label: Mapped[str] = mapped_column(String(16), primary_key=True)
    vintage: Mapped[str] = mapped_column(String(4))
    collectivite: Mapped[str] = mapped_column(Text)
    network_name: Mapped[str | None] = mapped_column(Text)
    departement_code: Mapped[str] = mapped_column(String(3))
    insee_code: Mapped[str | None] = mapped_column(INSEE_CODE, index=True)
    epci_siren: Mapped[str | None] = mapped_column(String(9))
    match_method: Mapped[str] = mapped_column(String(16))


class HeatPotentialDepartement(Base):
    """Buildings and dwellings by heating mode within a distance of a network (BDNB 2022)."""

    __tablename__ = "heat_potential_departement"
    departement_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    distance_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    departement_name: Mapped[str] = mapped_column(Text)
    buildings_total: Mapped[int] = mapped_column(Integer)
    dwellings_total: Mapped[int] = mapped_column(Integer)
    buildings_individual_oil: Mapped[int] = mapped_column(Integer)
    buildings_individual_gas: Mapped[int] = mapped_column(Integer)
    buildings_individual_electric: Mapped[int] = mapped_column(Integer)
    buildings_collective_oil: Mapped[int] = mapped_column(Integer)
    buildings_collective_gas: Mapped[int] = mapped_column(Integer)
    dwellings_individual_oil: Mapped[int] = mapped_column(Integer)
    dwellings_individual_gas: Mapped[int] = mapped_column(Integer)
    dwellings_individual_electric: Mapped[int] = mapped_column(Integer)
    dwellings_collective_oil: Mapped[int] = mapped_column(Integer)
    dwellings_collective_gas: Mapped[int] = mapped_column(Integer)


class HeatDepartementSummary(Base):
    """Number of heat networks and their mean EnR&R rate per département (2022)."""

    __tablename__ = "heat_departement_summary"
    departement_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    network_count: Mapped[int | None] = mapped_column(Integer)
    renewable_share_pct: Mapped[float | None] = mapped_column(Float)


class HeatNationalFigure(Base):
    """A national figure published by FCU, with the text as published."""

    __tablename__ = "heat_national_figure"
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    published_as: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class CommuneEnergy(Base):
    """Energy indicators per current commune, materialised by the pipeline (see docs/indicators.md)."""

    __tablename__ = "commune_energy"
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    departement_code: Mapped[str] = mapped_column(String(3), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    charging_points: Mapped[int] = mapped_column(Integer)
    charging_stations: Mapped[int] = mapped_column(Integer)
    points_per_1000_inhabitants: Mapped[float | None] = mapped_column(Float)
    installed_power_kw: Mapped[float] = mapped_column(Float)
    fast_dc_points: Mapped[int] = mapped_column(Integer)
    fast_dc_share_pct: Mapped[float | None] = mapped_column(Float)
    nearest_fast_charger_km: Mapped[float | None] = mapped_column(Float)
    points_by_year: Mapped[dict] = mapped_column(JSONB)
    heat_layer_available: Mapped[bool] = mapped_column(Boolean)
    heat_arrete_loaded: Mapped[bool] = mapped_column(Boolean, server_default=false())
    heat_network_present: Mapped[bool | None] = mapped_column(Boolean)
    heat_network_count: Mapped[int | None] = mapped_column(Integer)
    heat_network_length_km: Mapped[float | None] = mapped_column(Float)
    heat_networks: Mapped[list | None] = mapped_column(JSONB)
    best_renewable_share_pct: Mapped[float | None] = mapped_column(Float)
    lowest_co2_kg_per_kwh: Mapped[float | None] = mapped_column(Float)
    in_priority_perimeter: Mapped[bool | None] = mapped_column(Boolean)
    ecoreseau_label: Mapped[str | None] = mapped_column(Text)
    ecoreseau_label_basis: Mapped[str | None] = mapped_column(Text)
    dept_heat_networks: Mapped[int | None] = mapped_column(Integer)
    dept_renewable_share_pct: Mapped[float | None] = mapped_column(Float)
    dept_potential_dwellings_100m: Mapped[int | None] = mapped_column(Integer)
    dept_potential_dwellings_per_1000: Mapped[float | None] = mapped_column(Float)
    score_charging_density: Mapped[float | None] = mapped_column(Float)
    score_fast_charging_access: Mapped[float | None] = mapped_column(Float)
    score_heat_network: Mapped[float | None] = mapped_column(Float)
    score_heat_potential: Mapped[float | None] = mapped_column(Float)
    energy_commons_potential: Mapped[float | None] = mapped_column(Float)
    components_used: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


__all__ = ["CommuneEnergy", "EcoreseauLabel", "HeatArea", "HeatDepartementSummary",
           "HeatNationalFigure", "HeatNetwork", "HeatNetworkArrete", "HeatNetworkCommune",
           "HeatPotentialDepartement", "SourceAvailability"]
