"""The files France Chaleur Urbaine publishes, with their official URL and mirror path."""
from __future__ import annotations

from geodata.sources.fetch import SourceFile

LICENCE = "Licence Ouverte 2.0 (Etalab)"
_FCU_SITE = "https://france-chaleur-urbaine.beta.gouv.fr/data"
# FCU's own repository keeps the Écoréseau laureates next to the code that imports them.
_FCU_REPO = "https://raw.githubusercontent.com/betagouv/france-chaleur-urbaine/dev/src/data/ecoreseau"

# data.gouv.fr dataset "Tracés des réseaux de chaleur et de froid": the main resource
# `opendata-fcu.zip` is replaced every month, so its download URL is looked up in the
# dataset's API answer (see `archive_url_from_dataset`).
FCU_DATASET_ID = "64f05d3568e4d575eb454ffe"
FCU_DATASET_API = f"https://www.data.gouv.fr/api/1/datasets/{FCU_DATASET_ID}/"

FCU_ARCHIVE = SourceFile(
    name="fcu-opendata", url=FCU_DATASET_API, mirror_path="heat/opendata-fcu.zip",
    vintage="monthly", licence=LICENCE)
ECORESEAU_2025 = SourceFile(
    name="fcu-ecoreseau-2025", url=f"{_FCU_REPO}/Laureats_Label_Ecoreseau_2025.csv",
    mirror_path="heat/Laureats_Label_Ecoreseau_2025.csv", vintage="2025", licence=LICENCE)
ECORESEAU_PLUS_2025 = SourceFile(
    name="fcu-ecoreseau-plus-2025", url=f"{_FCU_REPO}/Laureats_Label_Ecoreseau_+_2025.csv",
    mirror_path="heat/Laureats_Label_Ecoreseau_+_2025.csv", vintage="2025", licence=LICENCE)
POTENTIAL = SourceFile(
    name="fcu-potentiel", url=f"{_FCU_SITE}/potentiel_identifie_FCU.xlsx",
    mirror_path="heat/potentiel_identifie_FCU.xlsx", vintage="2022", licence=LICENCE)
STATS_DEPARTEMENTS = SourceFile(
    name="fcu-stats-departements", url=f"{_FCU_SITE}/stats-bdnb-2022-departements.json",
    mirror_path="heat/stats-bdnb-2022-departements.json", vintage="2022", licence=LICENCE)
STATS_NATIONAL = SourceFile(
    name="fcu-stats-national", url=f"{_FCU_SITE}/stats-bdnb-2022-national.json",
    mirror_path="heat/stats-bdnb-2022-national.json", vintage="2022", licence=LICENCE)
KEY_FIGURES = SourceFile(
    name="fcu-key-figures", url=f"{_FCU_SITE}/data-number-rcu.json",
    mirror_path="heat/data-number-rcu.json", vintage="2022", licence=LICENCE)

# The regulatory values per network (arrêté "DPE"), as France Chaleur Urbaine keeps them in
# its repository; pinned to a commit so that the file cannot change under the same name.
ARRETE_DPE_2026 = SourceFile(
    name="fcu-arrete-dpe-2026",
    url="https://raw.githubusercontent.com/betagouv/france-chaleur-urbaine/"
        "78ae42872be9ee6375ab80ffd254f5173dd4f1fa/src/data/arrete-dpe/2026.csv",
    mirror_path="heat/arrete-dpe-2026.csv", vintage="2026", licence=LICENCE,
    sha256="25987c09cf5c31fb5ae5f55743537b0038079332569e63527a7bf7fbec6250a2")

# Label names as the observatory shows them, keyed by source.
LABELS = {ECORESEAU_2025.name: "Écoréseau", ECORESEAU_PLUS_2025.name: "Écoréseau +"}
