"""The import templates citizen groups can fill in (documented in docs/pacte-import.md).

`write_template(path, kind)` writes an empty template with one example row, as CSV
(UTF-8, `;` as spreadsheets in French expect) or XLSX. The headers are the first variant
of each canonical column in `table.COLUMN_VARIANTS`, so a template always reads back.

    python -m geodata.sources.pacte.template signatures modele-pacte.xlsx
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

from geodata.sources.text import neutralise_formula

# (header, canonical column, what to write, example)
SIGNATURE_COLUMNS = (
    ("commune", "commune", "Nom de la commune, tel que vous l'écrivez (obligatoire)", "Villeneuve-d'Ascq"),
    ("code insee", "insee_code", "Code INSEE si vous le connaissez (5 caractères): il l'emporte sur le nom", ""),
    ("departement", "departement", "Numéro ou nom du département: départage les homonymes", "59"),
    ("zone", "area", "Territoire libre: EPCI (nom ou sigle, ex. MEL), région, « Nord hors MEL »", "MEL"),
    ("campagne", "campaign", "municipales-2020 ou municipales-2026 (ou 2020 / 2026)", "municipales-2026"),
    ("liste", "list_name", "Nom de la liste signataire", "Villeneuve en transition"),
    ("candidat", "candidate_name", "Tête de liste", ""),
    ("elu", "elected", "La liste est-elle élue ? oui / non", "oui"),
    ("engagement du conseil", "council_commitment", "unanime, majoritaire, minoritaire ou aucun", "majoritaire"),
    ("mesures", "measures", "Numéros des mesures engagées: 1;3;7;12 ou 1-5 ou A,B,C", "A;B;C;1;3;12;14;15"),
    ("date", "signed_on", "Date de signature: AAAA-MM-JJ ou JJ/MM/AAAA (pas dans le futur)", "2026-02-20"),
    ("source", "source", "Lien vers la page qui l'atteste", "https://exemple.org/signataires"),
)
FOLLOW_UP_COLUMNS = (
    ("commune", "commune", "Nom de la commune (obligatoire)", "Villeneuve-d'Ascq"),
    ("code insee", "insee_code", "Code INSEE si connu", ""),
    ("departement", "departement", "Département, pour les homonymes", "59"),
    ("campagne", "campaign", "municipales-2020 ou municipales-2026", "municipales-2026"),
    ("mesure", "measure", "Un numéro de mesure par ligne (obligatoire)", "14"),
    ("statut", "status", "pas commencée, en cours, réalisée ou abandonnée (obligatoire)", "en cours"),
    ("date du statut", "status_date", "Date du constat: AAAA-MM-JJ ou JJ/MM/AAAA", "2026-10-01"),
    ("preuve", "evidence_url", "Lien vers la preuve (délibération, article)", "https://exemple.org/deliberation"),
    ("commentaire", "comment", "Commentaire libre", "Nouvelle ligne de bus votée"),
    ("source", "source", "Qui a constaté", "Collectif local"),
)
TEMPLATES = {"signatures": SIGNATURE_COLUMNS, "follow_up": FOLLOW_UP_COLUMNS}


def write_template(path: Path, kind: str = "signatures", rows: list[list[str]] | None = None) -> Path:
    """Write the template (header + `rows`, by default the example row) as .csv or .xlsx;
    a cell that a spreadsheet would run as a formula is written as text (`neutralise_formula`)."""
    columns = TEMPLATES[kind]
    header = [column[0] for column in columns]
    body = [[neutralise_formula(value) for value in row]
            for row in (rows if rows is not None else [[column[3] for column in columns]])]
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.comments import Comment

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "signatures" if kind == "signatures" else "suivi"
        sheet.append(header)
        for cell, column in zip(sheet[1], columns):
            cell.comment = Comment(column[2], "Observatoire")
        for row in body:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            writer.writerows(body)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in TEMPLATES:
        sys.exit("usage: python -m geodata.sources.pacte.template signatures|follow_up FILE.csv|FILE.xlsx")
    print(write_template(Path(sys.argv[2]), sys.argv[1]))
