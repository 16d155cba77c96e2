"""Where citizen groups drop their lists: the import folder (env `PACTE_IMPORT_DIR`)."""
from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from pipelines.resources import env_or_empty

LIST_SUFFIXES = (".csv", ".xlsx", ".tsv", ".txt")


class PacteImports(ConfigurableResource):
    """The import folder; empty means no folder (only the mirror's lists are loaded).

    A file `catalogue-<campaign>*.csv|xlsx` is a catalogue of that campaign; any other list
    is a signature list or a follow-up list (told apart by its columns), and its file name
    (without extension) is its dataset: dropping a corrected file replaces that dataset."""

    import_dir: str = ""

    def folder(self) -> Path | None:
        return Path(self.import_dir).expanduser() if self.import_dir else None

    def files(self) -> list[Path]:
        folder = self.folder()
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir()
                      if p.is_file() and p.suffix.lower() in LIST_SUFFIXES and not p.name.startswith((".", "~$")))

    def catalogue_files(self) -> list[Path]:
        return [p for p in self.files() if p.name.startswith("catalogue-")]

    def list_files(self) -> list[Path]:
        return [p for p in self.files() if not p.name.startswith("catalogue-")]


def pacte_imports_from_env() -> PacteImports:
    # Unset means "no import folder".
    return PacteImports(import_dir=env_or_empty("PACTE_IMPORT_DIR"))
