"""Espace des collectifs: local groups, their members, invitations and sessions, the follow-up
entries they make from the browser, the lists they stage for publication, and the audit log.

Nothing here is written by the app's writer role directly: `observatory_contributor` has no
privilege on these tables, only EXECUTE on the SECURITY DEFINER functions of migrations 0007
and 0011,
which check the member's session, group, role and communes, then write and audit.
`follow_up_entry` and `audit_log` are append-only (a trigger refuses UPDATE and DELETE).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geodata.models.base import Base
from geodata.models.pact import CAMPAIGN_CODE, MEASURE_NUMBER
from geodata.models.reference import INSEE_CODE

ROLES = ("referent", "membre")
ROLE_CHECK = "role IN ('referent', 'membre')"
ENTRY_STATUSES = ("not_started", "in_progress", "done", "abandoned")
TOKEN_HASH = String(64)  # sha256 of a token, hex: tokens themselves are never stored


class Collectif(Base):
    """A local group and the campaign it follows."""

    __tablename__ = "collectif"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    campaign_code: Mapped[str] = mapped_column(CAMPAIGN_CODE, ForeignKey("pact_campaign.code"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CollectifCommune(Base):
    """A commune a group follows: the only communes its members may write for."""

    __tablename__ = "collectif_commune"
    collectif_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("collectif.id", ondelete="CASCADE"), primary_key=True)
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, primary_key=True)


class Member(Base):
    """A person of a group; an e-mail address belongs to one group."""

    __tablename__ = "member"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collectif_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("collectif.id"), index=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    # argon2id, encoded; NULL for a member who joined through an OpenID Connect provider
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OidcIssuer(Base):
    """An OpenID Connect provider the administrator trusts (`observatory groups trust-provider`):
    without one, no one signs in through a provider."""

    __tablename__ = "oidc_issuer"
    issuer: Mapped[str] = mapped_column(Text, primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberIdentity(Base):
    """A provider's subject (its `iss` and `sub` claims) linked to a member at the first
    sign-in through it."""

    __tablename__ = "member_identity"
    issuer: Mapped[str] = mapped_column(Text, ForeignKey("oidc_issuer.issuer"), primary_key=True)
    subject: Mapped[str] = mapped_column(Text, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Invitation(Base):
    """A single-use invitation; the link carries the token, the table its sha256."""

    __tablename__ = "invitation"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collectif_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("collectif.id"), index=True)
    email: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(TOKEN_HASH, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_by_member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("member.id"))


class MemberSession(Base):
    """A signed-in browser: the token's sha256, until it expires or the member signs out."""

    __tablename__ = "member_session"
    token_sha256: Mapped[str] = mapped_column(TOKEN_HASH, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """A failed sign-in, counted to slow repeated attempts down."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(Text, index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FollowUpEntry(Base):
    """A dated assessment of one measure in one commune by a group, or the retraction of one
    (with its reason). Append-only: a correction is a new entry, history stays."""

    __tablename__ = "follow_up_entry"
    __table_args__ = (
        CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'abandoned')", name="status"),
        CheckConstraint("evidence_url ~* '^https?://[^[:space:]]+$'", name="evidence_url"),
        CheckConstraint("(retracts_entry_id IS NULL AND status IS NOT NULL AND status_date IS NOT NULL"
                        " AND retraction_reason IS NULL) OR (retracts_entry_id IS NOT NULL AND status IS NULL"
                        " AND retraction_reason IS NOT NULL)", name="assessment_or_retraction"),
        ForeignKeyConstraint(["campaign_code", "measure_number"],
                             ["pact_measure.campaign_code", "pact_measure.number"]),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collectif_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("collectif.id"), index=True)
    campaign_code: Mapped[str] = mapped_column(CAMPAIGN_CODE)
    insee_code: Mapped[str] = mapped_column(INSEE_CODE, index=True)
    measure_number: Mapped[str] = mapped_column(MEASURE_NUMBER)
    status: Mapped[str | None] = mapped_column(String(16))
    status_date: Mapped[date | None] = mapped_column(Date)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    entered_by_member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retracts_entry_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("follow_up_entry.id"), unique=True)
    retraction_reason: Mapped[str | None] = mapped_column(Text)


class CollectifUpload(Base):
    """A list a member asked to publish, as the database checked it (the import plan); the
    folder import's load then publishes exactly this plan."""

    __tablename__ = "collectif_upload"
    __table_args__ = (CheckConstraint("kind IN ('signatures', 'follow_up')", name="kind"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collectif_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("collectif.id"), index=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(16))
    dataset: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    plan: Mapped[dict] = mapped_column(JSONB)
    staged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)


class AuditLog(Base):
    """Every write of the Espace des collectifs: who, what, when, before and after.
    Append-only; no foreign key, so that it outlives what it describes."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    # membre, administrateur (the CLI), or fournisseur (a provider's identity refused)
    actor: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    collectif_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_table: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)


__all__ = ["AuditLog", "Collectif", "CollectifCommune", "CollectifUpload", "ENTRY_STATUSES",
           "FollowUpEntry", "Invitation", "LoginFailure", "Member", "MemberIdentity", "MemberSession",
           "OidcIssuer", "ROLES"]
