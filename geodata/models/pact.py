"""Pacte pour la Transition: campaigns, their catalogue, signatures, commitments per measure,
follow-up over time, and the import runs with their review rows.

Lists come from several citizen groups: each import replaces only the rows of its own
`dataset` (e.g. one file per group), never the others'. There is no foreign key to
`core.commune`, which its own load replaces wholesale; the import checks the codes.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import Base
from geodata.models.reference import INSEE_CODE

CAMPAIGN_CODE = String(32)
MEASURE_NUMBER = String(4)  # "1".."32", and "A".."C" for the principles


class PactCampaign(Base):
    __tablename__ = "pact_campaign"
    code: Mapped[str] = mapped_column(CAMPAIGN_CODE, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    election_year: Mapped[int] = mapped_column(Integer)
    mandate_start: Mapped[date] = mapped_column(Date)
    mandate_end: Mapped[date] = mapped_column(Date)
    measure_count: Mapped[int | None] = mapped_column(Integer)


class PactMeasure(Base):
    """One principle or measure of a campaign's pact; title NULL when it could not be verified."""

    __tablename__ = "pact_measure"
    __table_args__ = (CheckConstraint("kind IN ('principle', 'measure')", name="kind"),)
    campaign_code: Mapped[str] = mapped_column(
        CAMPAIGN_CODE, ForeignKey("pact_campaign.code", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(MEASURE_NUMBER, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    title_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    topic: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class PactImportRun(Base):
    """One import of one file: how every row ended."""

    __tablename__ = "pact_import_run"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # signatures or follow_up
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_matched: Mapped[int] = mapped_column(Integer)
    rows_ambiguous: Mapped[int] = mapped_column(Integer)
    rows_unmatched: Mapped[int] = mapped_column(Integer)
    rows_quarantined: Mapped[int] = mapped_column(Integer)
    rows_loaded: Mapped[int] = mapped_column(Integer)
    items_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[list] = mapped_column(JSONB, default=list)


class PactReviewRow(Base):
    """How one row of an import ended: matched (method, score), ambiguous (candidates),
    unmatched (nearest names) or quarantined (reason)."""

    __tablename__ = "pact_review_row"
    __table_args__ = (CheckConstraint(
        "status IN ('matched', 'ambiguous', 'unmatched', 'quarantined')", name="status"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    import_run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("pact_import_run.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    published_name: Mapped[str | None] = mapped_column(Text)
    area_hint: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    insee_code: Mapped[str | None] = mapped_column(INSEE_CODE)
    method: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[list | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSONB)


class PactSignature(Base):
    """A list (or a council) that signed the pact in a commune, for a campaign.

    Rows naming parts of one commune (Lille, Hellemmes, Lomme) make one signature whose
    `published_names` keeps every name as published."""

    __tablename__ = "pact_signature"
    __table_args__ = (CheckConstraint(
        "council_commitment IN ('unanimous', 'majority', 'minority', 'none')",
        name="council_commitment"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(128), index=True)
    import_run_id: Mapped[int] = mapped_column(BigInteger)
    campaign_code: Mapped[str] = mapped_column(CAMPAIGN_CODE, ForeignKey("pact_campaign.code"))
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, index=True)
    published_name: Mapped[str] = mapped_column(Text)
    published_names: Mapped[list[str]] = mapped_column(ARRAY(Text))
    list_name: Mapped[str | None] = mapped_column(Text)
    candidate_name: Mapped[str | None] = mapped_column(Text)
    elected: Mapped[bool | None] = mapped_column(Boolean)
    council_commitment: Mapped[str | None] = mapped_column(String(16))
    signed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    match_method: Mapped[str] = mapped_column(String(32))
    match_score: Mapped[float] = mapped_column(Float)
    row_numbers: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class PactCommitment(Base):
    """A measure a signature committed to."""

    __tablename__ = "pact_commitment"
    signature_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("pact_signature.id", ondelete="CASCADE"), primary_key=True)
    measure_number: Mapped[str] = mapped_column(MEASURE_NUMBER, primary_key=True)


class PactFollowUp(Base):
    """The status of a commune's measure on a date, with its evidence."""

    __tablename__ = "pact_follow_up"
    __table_args__ = (CheckConstraint(
        "status IN ('not_started', 'in_progress', 'done', 'abandoned')", name="status"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(128), index=True)
    import_run_id: Mapped[int] = mapped_column(BigInteger)
    campaign_code: Mapped[str] = mapped_column(CAMPAIGN_CODE, ForeignKey("pact_campaign.code"))
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, index=True)
    published_name: Mapped[str] = mapped_column(Text)
    measure_number: Mapped[str] = mapped_column(MEASURE_NUMBER)
    status: Mapped[str] = mapped_column(String(16))
    status_date: Mapped[date | None] = mapped_column(Date)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


__all__ = ["PactCampaign", "PactCommitment", "PactFollowUp", "PactImportRun", "PactMeasure",
           "PactReviewRow", "PactSignature"]
