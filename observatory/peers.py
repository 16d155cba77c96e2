"""Peer groups, "communes like mine": the groups a commune is compared and ranked within.

Every group says its rule in French, so the page can state exactly who is in it and why.
The maths (size classes, density window, nearest communes) are pure functions; the group
functions read the public `observatory.commune` view through a SQLAlchemy connection.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from observatory.formatting import number

# INSEE-like population size classes: lower bound included, upper bound excluded.
SIZE_CLASS_BOUNDS: tuple[int, ...] = (0, 500, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)

# "Similar density": within this factor of the commune's density, either way.
DENSITY_FACTOR = 1.5
NEAREST_DEFAULT = 10

PEER_KINDS: dict[str, str] = {
    "departement": "Même département",
    "epci": "Même intercommunalité (EPCI)",
    "size_class": "Même tranche de population",
    "density": "Densité semblable",
    "nearest": "Les plus proches en taille et en densité",
}


# -- pure maths ---------------------------------------------------------------------------

def size_class(population: int | None) -> int | None:
    """Index of the population size class (see SIZE_CLASS_BOUNDS); None when unknown."""
    if population is None or population < 0:
        return None
    return sum(1 for bound in SIZE_CLASS_BOUNDS[1:] if population >= bound)


def size_class_bounds(index: int) -> tuple[int, int | None]:
    """(lower included, upper excluded or None for the last class)."""
    upper = SIZE_CLASS_BOUNDS[index + 1] if index + 1 < len(SIZE_CLASS_BOUNDS) else None
    return SIZE_CLASS_BOUNDS[index], upper


def size_class_label(index: int) -> str:
    lower, upper = size_class_bounds(index)
    if lower == 0:
        return f"moins de {number(upper)} habitants"
    if upper is None:
        return f"{number(lower)} habitants et plus"
    return f"de {number(lower)} à {number(upper - 1)} habitants"


def density_window(density: float, factor: float = DENSITY_FACTOR) -> tuple[float, float]:
    """The densities counted as similar: from density / factor to density × factor."""
    if factor < 1:
        raise ValueError(f"le facteur de densité doit être au moins 1 (reçu {factor})")
    return density / factor, density * factor


@dataclass(frozen=True)
class SizeAndDensity:
    insee_code: str
    population: float
    density_per_km2: float


def nearest_on_size_and_density(target: str, communes: Sequence[SizeAndDensity],
                                k: int) -> list[tuple[str, float]]:
    """The k communes nearest to `target` on (log population, log density), each axis
    standardised over `communes` (mean 0, standard deviation 1), Euclidean distance.

    Logarithms because a commune of 1 000 is closer to one of 2 000 than 50 000 is to 51 000
    in the way a council reads size; standardising so that neither axis dominates. Communes
    with no inhabitant or no known density have no logarithm and are left out. Ties are
    broken by INSEE code so that the result is stable. Returns [(insee_code, distance)].
    """
    codes = np.array([c.insee_code for c in communes], dtype=object)
    values = np.array([[c.population or 0, c.density_per_km2 or 0] for c in communes], dtype=float)
    usable = (values > 0).all(axis=1)
    codes, values = codes[usable], values[usable]
    position = np.flatnonzero(codes == target)
    if position.size == 0:
        raise LookupError(f"la commune {target} n'a pas de population ou de densité utilisable")
    points = np.log(values)
    spread = points.std(axis=0)
    spread[spread == 0] = 1.0   # one value on an axis: that axis cannot separate anyone
    scaled = (points - points.mean(axis=0)) / spread
    distances = np.sqrt(((scaled - scaled[position[0]]) ** 2).sum(axis=1))
    others = codes != target
    codes, distances = codes[others], distances[others]
    order = np.lexsort((codes.astype(str), distances))[:k]
    return [(str(codes[i]), float(distances[i])) for i in order]


# -- groups from the database -------------------------------------------------------------

@dataclass(frozen=True)
class PeerGroup:
    kind: str                   # key of PEER_KINDS
    insee_code: str             # the commune the group is built around
    rule: str                   # French: who is in the group and why
    members: tuple[str, ...]    # INSEE codes, the commune itself included

    @property
    def label(self) -> str:
        return PEER_KINDS[self.kind]

    @property
    def peers(self) -> tuple[str, ...]:
        return tuple(code for code in self.members if code != self.insee_code)


TARGET = sa.text("""
SELECT c.insee_code, c.name, c.population, c.density_per_km2, c.departement_code,
       d.name AS departement, c.epci_siren, e.name AS epci
FROM observatory.commune c
LEFT JOIN observatory.departement d USING (departement_code)
LEFT JOIN observatory.epci e ON e.epci_siren = c.epci_siren
WHERE c.insee_code = :code
""")


def _target(conn: sa.Connection, insee_code: str) -> dict:
    row = conn.execute(TARGET, {"code": insee_code}).mappings().first()
    if row is None:
        raise LookupError(f"Aucune commune actuelle n'a le code {insee_code}.")
    return dict(row)


def _codes(conn: sa.Connection, where: str, params: dict) -> tuple[str, ...]:
    """`where` is a condition written in this module, never user input."""
    rows = conn.execute(sa.text(f"SELECT insee_code FROM observatory.commune c WHERE {where} "
                                "ORDER BY insee_code"), params)
    return tuple(row.insee_code for row in rows)


def _alone(kind: str, commune: dict, why: str) -> PeerGroup:
    return PeerGroup(kind, commune["insee_code"], f"{commune['name']} {why} : pas de groupe de comparaison.",
                     (commune["insee_code"],))


def same_departement(conn: sa.Connection, insee_code: str) -> PeerGroup:
    commune = _target(conn, insee_code)
    members = _codes(conn, "c.departement_code = :dep", {"dep": commune["departement_code"]})
    return PeerGroup("departement", insee_code,
                     f"Les {number(len(members))} communes du département {commune['departement']} "
                     f"({commune['departement_code']}), {commune['name']} comprise.", members)


def same_epci(conn: sa.Connection, insee_code: str) -> PeerGroup:
    commune = _target(conn, insee_code)
    if commune["epci_siren"] is None:
        return _alone("epci", commune, "n'appartient à aucune intercommunalité à fiscalité propre")
    members = _codes(conn, "c.epci_siren = :siren", {"siren": commune["epci_siren"]})
    return PeerGroup("epci", insee_code,
                     f"Les {number(len(members))} communes de l'intercommunalité {commune['epci']} "
                     f"(Siren {commune['epci_siren']}), {commune['name']} comprise.", members)


def same_size_class(conn: sa.Connection, insee_code: str) -> PeerGroup:
    commune = _target(conn, insee_code)
    index = size_class(commune["population"])
    if index is None:
        return _alone("size_class", commune, "n'a pas de population connue")
    lower, upper = size_class_bounds(index)
    members = _codes(conn, "c.population >= :lower AND (c.population < :upper OR :upper IS NULL)",
                     {"lower": lower, "upper": upper})
    classes = ", ".join(size_class_label(i) for i in range(len(SIZE_CLASS_BOUNDS)))
    return PeerGroup("size_class", insee_code,
                     f"Les {number(len(members))} communes de France de la tranche « {size_class_label(index)} » "
                     f"(population municipale), comme {commune['name']} ({number(commune['population'])} hab.). "
                     f"Tranches : {classes}.", members)


def similar_density(conn: sa.Connection, insee_code: str, factor: float = DENSITY_FACTOR) -> PeerGroup:
    commune = _target(conn, insee_code)
    if not commune["density_per_km2"]:
        return _alone("density", commune, "n'a pas de densité connue")
    low, high = density_window(commune["density_per_km2"], factor)
    members = _codes(conn, "c.density_per_km2 BETWEEN :low AND :high", {"low": low, "high": high})
    return PeerGroup("density", insee_code,
                     f"Les {number(len(members))} communes de France dont la densité est comprise entre "
                     f"{number(low, 1)} et {number(high, 1)} hab./km², soit celle de {commune['name']} "
                     f"({number(commune['density_per_km2'], 1)} hab./km²) divisée ou multipliée au plus "
                     f"par {number(factor, 1)}.", members)


SIZE_AND_DENSITY = sa.text("""
SELECT insee_code, population, density_per_km2 FROM observatory.commune
WHERE population > 0 AND density_per_km2 > 0
""")


def size_and_density(conn: sa.Connection) -> list[SizeAndDensity]:
    return [SizeAndDensity(r.insee_code, r.population, r.density_per_km2)
            for r in conn.execute(SIZE_AND_DENSITY)]


def nearest(conn: sa.Connection, insee_code: str, k: int = NEAREST_DEFAULT, *,
            communes: Sequence[SizeAndDensity] | None = None) -> PeerGroup:
    """`communes` is `size_and_density(conn)`, which a caller may keep between requests
    (35,000 rows: reading them is most of the cost)."""
    commune = _target(conn, insee_code)
    try:
        found = nearest_on_size_and_density(insee_code, communes or size_and_density(conn), k)
    except LookupError:
        return _alone("nearest", commune, "n'a pas d'habitant ou de densité connue")
    return PeerGroup("nearest", insee_code,
                     f"{commune['name']} et les {number(len(found))} communes de France qui lui ressemblent le "
                     "plus par la taille et la densité : distance calculée sur le logarithme de la population "
                     "et le logarithme de la densité, chacun centré et réduit sur l'ensemble des communes "
                     "habitées (écart à la moyenne divisé par l'écart type).",
                     (insee_code, *(code for code, _ in found)))


def peer_group(conn: sa.Connection, insee_code: str, kind: str, *, k: int = NEAREST_DEFAULT,
               density_factor: float = DENSITY_FACTOR,
               communes: Sequence[SizeAndDensity] | None = None) -> PeerGroup:
    """`communes` is used by the "nearest" group only: see `nearest`."""
    if kind == "nearest":
        return nearest(conn, insee_code, k, communes=communes)
    if kind == "density":
        return similar_density(conn, insee_code, density_factor)
    builders = {"departement": same_departement, "epci": same_epci, "size_class": same_size_class}
    if kind not in builders:
        raise ValueError(f"groupe de comparaison inconnu : {kind}")
    return builders[kind](conn, insee_code)


def known_codes(conn: sa.Connection, codes: Iterable[str]) -> list[str]:
    """The codes that are current communes, in the order given, without repeats."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code and code.strip()))
    rows = conn.execute(sa.text("SELECT insee_code FROM observatory.commune WHERE insee_code = ANY(:codes)"),
                        {"codes": wanted})
    found = {row.insee_code for row in rows}
    return [code for code in wanted if code in found]
