"""Espace des collectifs: groups, members and what they record, as plain functions.

Two kinds of callers:
- the administrator (`observatory groups ...`, a connection with the owner's rights) creates
  groups and invites their first members;
- members, through a connection that `SET ROLE observatory_contributor`
  (`geodata.db.contributor_connection`): every function then calls a `core.collectif_*`
  function of migrations 0007 and 0011, which checks the session, group, role, commune and measure in
  PostgreSQL, writes and audits, or refuses with a French message (raised here as `GroupError`).

Passwords are hashed with argon2id (argon2-cffi) here; the database stores the hash and, at
sign-in, compares it with the hash of the typed password under the member's own salt.
Lists go through the folder import's code: `observatory.pact.plan_list` reviews them, and the
database's `core.collectif_publish_list` checks and loads them with the folder import's load.
Members may also sign in through an OpenID Connect provider the administrator trusts
(`trust_provider`, then `oidc_login` with the identity the app received).
"""
from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import psycopg
from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret
from psycopg.types.json import Jsonb

from geodata.load import Rejected
from geodata.sources.fetch import sha256_of
from geodata.sources.pacte import reader as pacte
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE
from geodata.sources.pacte.store import ImportPlan, ensure_campaigns
from geodata.sources.pacte.table import read_table
from observatory import pact
from observatory.formatting import number
from observatory.reconciliation import MATCHED, Candidate, Match, Reference

INVITATION_DAYS = 7
MIN_PASSWORD_LENGTH = 10
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
LIST_SUFFIXES = (".csv", ".xlsx")
ROLES = {"referent": "référent", "membre": "membre"}
DEFAULT_CAMPAIGN = "municipales-2026"
_HASHER = PasswordHasher()  # argon2id, the library's current parameters

# Reasons an uploaded row is set aside, besides the import's own (REASON_LABELS).
COMMUNE_OUTSIDE_GROUP = "commune_outside_group"
CAMPAIGN_OUTSIDE_GROUP = "campaign_outside_group"
FORMULA_IN_CELL = "formula_in_cell"
REASON_LABELS = {
    **pacte.REASON_LABELS,
    COMMUNE_OUTSIDE_GROUP: "commune hors des communes suivies par le collectif",
    CAMPAIGN_OUTSIDE_GROUP: "campagne différente de celle du collectif",
    FORMULA_IN_CELL: "formule de tableur dans une cellule",
    "ambiguous_commune": "commune ambiguë",
    "unmatched_commune": "commune non trouvée",
}
# What a spreadsheet would run as a formula (=, +, @, or a minus before one); a cell an earlier
# step neutralised with a leading quote is still one. The database refuses the same comments.
FORMULA = re.compile(r"^\s*'?\s*([=+@]|-\s*[=+@0-9(])")
MEMBER_CHOICE = "member_choice"


class GroupError(ValueError):
    """A refusal, in French, for the user (from the database's checks or from here)."""


def _refusal(error: psycopg.Error) -> GroupError:
    return GroupError(error.diag.message_primary or str(error))


def _one(conn: psycopg.Connection, query: str, params: tuple = ()):
    """The first row of a `core.collectif_*` call; its French refusal as `GroupError`."""
    try:
        return conn.execute(query, params).fetchone()
    except psycopg.errors.RaiseException as error:
        raise _refusal(error) from None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def invitation_link(app_url: str, token: str) -> str:
    return f"{app_url.rstrip('/')}/collectifs?invitation={token}"


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise GroupError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    return _HASHER.hash(password)


def _hash_with(settings: str, password: str) -> str:
    """The argon2id hash of `password` under a stored hash's parameters and salt."""
    found = re.fullmatch(r"\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)", settings)
    if found is None:
        raise GroupError("Connexion impossible pour cette adresse.")
    version, memory, time_cost, parallelism, salt = found.groups()
    raw_salt = base64.b64decode(salt + "=" * (-len(salt) % 4))
    return hash_secret(password.encode(), raw_salt, time_cost=int(time_cost), memory_cost=int(memory),
                       parallelism=int(parallelism), hash_len=_HASHER.hash_len, type=Type.ID,
                       version=int(version)).decode()


# -- administrator (owner connection) -----------------------------------------------------

def _audit(conn: psycopg.Connection, collectif_id: int | None, action: str, table: str, target: int | None,
           after: dict) -> None:
    conn.execute("SELECT core.collectif_audit('administrateur', NULL, %s, %s, %s, %s, NULL, %s)",
                 (collectif_id, action, table, target, Jsonb(after)))


def create_group(conn: psycopg.Connection, name: str, communes: list[str],
                 campaign: str = DEFAULT_CAMPAIGN) -> int:
    name = " ".join((name or "").split())
    if not name:
        raise GroupError("Donnez un nom au collectif.")
    if campaign not in CAMPAIGN_BY_CODE:
        raise GroupError(f"Campagne inconnue « {campaign} » (connues : {', '.join(CAMPAIGN_BY_CODE)}).")
    codes = sorted({c.strip().upper().zfill(5) for c in communes if c.strip()})
    if not codes:
        raise GroupError("Indiquez au moins une commune (codes Insee).")
    known = {row[0] for row in conn.execute(
        "SELECT insee_code FROM core.commune WHERE insee_code = ANY(%s)", (codes,))}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise GroupError(f"Code(s) Insee inconnu(s) dans le COG : {', '.join(unknown)}.")
    ensure_campaigns(conn)
    with conn.transaction():
        if conn.execute("SELECT 1 FROM core.collectif WHERE name = %s", (name,)).fetchone():
            raise GroupError(f"Un collectif s'appelle déjà « {name} ».")
        group_id = conn.execute("INSERT INTO core.collectif (name, campaign_code) VALUES (%s, %s) "
                                "RETURNING id", (name, campaign)).fetchone()[0]
        conn.cursor().executemany("INSERT INTO core.collectif_commune (collectif_id, insee_code) "
                                  "VALUES (%s, %s)", [(group_id, c) for c in codes])
        _audit(conn, group_id, "create_group", "collectif", group_id,
               {"name": name, "campaign_code": campaign, "communes": codes})
    return group_id


def _group_id(conn: psycopg.Connection, name: str) -> int:
    found = conn.execute("SELECT id FROM core.collectif WHERE name = %s", (name,)).fetchone()
    if found is None:
        raise GroupError(f"Aucun collectif ne s'appelle « {name} » (voir observatory groups list).")
    return found[0]


def invite(conn: psycopg.Connection, group: str, email: str, role: str = "membre",
           days: int = INVITATION_DAYS) -> tuple[str, datetime]:
    """A single-use invitation to `group`: (the token for the link, its expiry)."""
    token = new_token()
    with conn.transaction():
        expires = _one(conn, "SELECT core.collectif_create_invitation(%s, %s, %s, %s, %s, "
                             "'administrateur', NULL)",
                       (_group_id(conn, group), normalise_email(email), role, token, days))[0]
    return token, expires


def list_groups(conn: psycopg.Connection) -> list[dict]:
    groups = conn.execute(
        """SELECT g.id, g.name, g.campaign_code,
                  ARRAY(SELECT insee_code FROM core.collectif_commune c WHERE c.collectif_id = g.id
                        ORDER BY 1),
                  (SELECT count(*) FROM core.invitation i WHERE i.collectif_id = g.id
                     AND i.used_at IS NULL AND i.expires_at > now())
           FROM core.collectif g ORDER BY g.name""").fetchall()
    members = conn.execute("SELECT collectif_id, email, role, active FROM core.member "
                           "ORDER BY active DESC, email").fetchall()
    return [{"name": name, "campaign": campaign, "communes": list(communes),
             "pending_invitations": pending,
             "members": [(email, role, active) for gid, email, role, active in members if gid == group_id]}
            for group_id, name, campaign, communes, pending in groups]


def trust_provider(conn: psycopg.Connection, issuer: str) -> None:
    """Let members sign in through the OpenID Connect provider `issuer` (its `iss` claim, e.g.
    https://accounts.example.org): a provider's identity only leads to a member whose address
    it attests (or who linked it), and only for the providers listed here."""
    issuer = (issuer or "").strip()
    if not re.fullmatch(r"https?://[^\s]+", issuer):
        raise GroupError(f"Émetteur OpenID Connect invalide « {issuer} » : une adresse http(s) attendue.")
    with conn.transaction():
        if conn.execute("INSERT INTO core.oidc_issuer (issuer) VALUES (%s) ON CONFLICT DO NOTHING "
                        "RETURNING issuer", (issuer,)).fetchone():
            _audit(conn, None, "trust_provider", "oidc_issuer", None, {"issuer": issuer})


# -- members (writer-role connection) ------------------------------------------------------

@dataclass(frozen=True)
class Session:
    token: str
    member_id: int
    email: str
    role: str
    collectif_id: int
    collectif_name: str
    campaign_code: str
    communes: tuple[str, ...]
    expires_at: datetime

    @property
    def is_referent(self) -> bool:
        return self.role == "referent"


def invitation_info(conn: psycopg.Connection, token: str) -> dict:
    """The group, address and role of a usable invitation; refused otherwise."""
    found = _one(conn, "SELECT * FROM core.collectif_invitation(%s)", (token,))
    if found is None:
        raise GroupError("Lien d'invitation inconnu : vérifiez le lien reçu.")
    name, email, role, problem = found
    if problem:
        raise GroupError(problem)
    return {"collectif_name": name, "email": email, "role": role}


def accept_invitation(conn: psycopg.Connection, token: str, password: str) -> Session:
    session_token = new_token()
    with conn.transaction():
        _one(conn, "SELECT core.collectif_accept_invitation(%s, %s, %s)",
             (token, hash_password(password), session_token))
    return session(conn, session_token)


def login(conn: psycopg.Connection, email: str, password: str) -> Session:
    """A new session; a refusal is raised once the failure is recorded (committed, on a
    connection outside any transaction, as `contributor_connection` gives it)."""
    email = normalise_email(email)
    session_token = new_token()
    with conn.transaction():
        settings = _one(conn, "SELECT core.collectif_login_settings(%s)", (email,))[0]
        refusal = _one(conn, "SELECT core.collectif_login(%s, %s, %s)",
                       (email, _hash_with(settings, password or ""), session_token))[0]
    if refusal:
        raise GroupError(refusal)
    return session(conn, session_token)


def oidc_login(conn: psycopg.Connection, claims: dict) -> Session:
    """A new session for the member an OpenID Connect identity leads to (`claims`: the ID
    token's, as `st.user` gives them: iss, sub, email, email_verified); the database decides
    and records a refusal before it is raised here."""
    session_token = new_token()
    with conn.transaction():
        refusal = _one(conn, "SELECT core.collectif_oidc_login(%s, %s, %s, %s, %s)",
                       (claims.get("iss"), claims.get("sub"), claims.get("email"),
                        claims.get("email_verified") is True, session_token))[0]
    if refusal:
        raise GroupError(refusal)
    return session(conn, session_token)


def session(conn: psycopg.Connection, token: str) -> Session:
    row = _one(conn, "SELECT * FROM core.collectif_session(%s)", (token,))
    return Session(token, row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6]), row[7])


def logout(conn: psycopg.Connection, token: str) -> None:
    _one(conn, "SELECT core.collectif_logout(%s)", (token,))


def members(conn: psycopg.Connection, token: str) -> list[dict]:
    try:
        rows = conn.execute("SELECT * FROM core.collectif_members(%s)", (token,)).fetchall()
    except psycopg.errors.RaiseException as error:
        raise _refusal(error) from None
    return [dict(zip(("member_id", "email", "role", "active", "created_at", "removed_at"), row))
            for row in rows]


def invite_member(conn: psycopg.Connection, token: str, email: str, role: str = "membre",
                  days: int = INVITATION_DAYS) -> tuple[str, datetime]:
    """A référent's invitation: (the token for the link, its expiry)."""
    invitation = new_token()
    expires = _one(conn, "SELECT core.collectif_invite(%s, %s, %s, %s, %s)",
                   (token, normalise_email(email), role, invitation, days))[0]
    return invitation, expires


def remove_member(conn: psycopg.Connection, token: str, member_id: int) -> None:
    _one(conn, "SELECT core.collectif_remove_member(%s, %s)", (token, member_id))


def add_entry(conn: psycopg.Connection, token: str, *, insee_code: str, measure: str, status: str,
              status_date: date | None, evidence_url: str | None = None,
              comment: str | None = None) -> int:
    """A new dated assessment (never an overwrite); refused with the database's reason."""
    return _one(conn, "SELECT core.collectif_add_entry(%s, %s, %s, %s, %s, %s, %s)",
                (token, insee_code, measure, status, status_date,
                 (evidence_url or "").strip() or None, (comment or "").strip() or None))[0]


def retract_entry(conn: psycopg.Connection, token: str, entry_id: int, reason: str) -> int:
    return _one(conn, "SELECT core.collectif_retract_entry(%s, %s, %s)", (token, entry_id, reason))[0]


# -- lists ----------------------------------------------------------------------------------

def check_upload(file_name: str, data: bytes) -> str:
    """The file's suffix if it may be read as a list; a French refusal otherwise."""
    suffix = Path(file_name or "").suffix.lower()
    if len(data) > MAX_UPLOAD_BYTES:
        raise GroupError(f"Fichier trop lourd : {number(len(data) / 1024 / 1024, 1)} Mo, "
                         f"{MAX_UPLOAD_BYTES // 1024 // 1024} Mo au plus.")
    if suffix not in LIST_SUFFIXES:
        raise GroupError(f"Type de fichier refusé ({suffix or 'sans extension'}) : déposez un "
                         f"fichier .csv ou .xlsx (le modèle de liste).")
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise GroupError("Ce fichier .xlsx n'est pas un classeur Excel : enregistrez-le au format .xlsx.")
    if suffix == ".csv" and (b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
                             or data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0"))):
        raise GroupError("Ce fichier .csv n'est pas un texte : enregistrez votre tableau au format CSV.")
    return suffix


def dataset_of(group_id: int, kind: str, sha256: str) -> str:
    """A group's signature list is one dataset (a new upload replaces it); each follow-up list
    is its own (history adds up; the same file twice replaces itself)."""
    return f"collectif-{group_id}-signatures" if kind == "signatures" else f"collectif-{group_id}-suivi-{sha256[:12]}"


def _formula_cell(raw: dict) -> str | None:
    values = [*raw.values(), *(raw.get("_other") or {}).values()]
    return next((v for v in values if isinstance(v, str) and FORMULA.match(v)), None)


def candidate_of(reviewed: dict) -> Candidate:
    """A candidate commune of a review row (as stored: `Candidate.as_dict`), for `choices`."""
    return Candidate(**reviewed)


def group_scope(member: Session, choices: dict[int, Candidate]) -> Callable[[pacte.ParsedList, dict[int, Match]], None]:
    """`plan_list`'s `adjust` for a group: the communes a member picked for ambiguous rows,
    then rows with a formula, of another campaign or outside the group's communes set aside."""
    def adjust(parsed: pacte.ParsedList, matches: dict[int, Match]) -> None:
        kept = []
        for row in parsed.rows:
            if row.row_number in choices:
                matches[row.row_number] = Match(row.published_name, MATCHED,
                                                choices[row.row_number].insee_code, MEMBER_CHOICE,
                                                100.0, (choices[row.row_number],),
                                                "commune choisie par le collectif")
            match, ref = matches[row.row_number], pacte.row_ref(row.row_number, row.published_name)
            formula = _formula_cell(row.raw)
            if formula is not None:
                rejected = Rejected(ref, FORMULA_IN_CELL, f"cellule « {formula[:40]} » : une formule de "
                                    f"tableur n'est pas une valeur, retapez la valeur", row.raw)
            elif row.campaign_code != member.campaign_code:
                rejected = Rejected(ref, CAMPAIGN_OUTSIDE_GROUP, f"campagne {row.campaign_code}, le "
                                    f"collectif suit {member.campaign_code}", row.raw)
            elif match.status == MATCHED and match.insee_code not in member.communes:
                rejected = Rejected(ref, COMMUNE_OUTSIDE_GROUP, f"{match.insee_code} n'est pas parmi les "
                                    f"communes du collectif ({', '.join(member.communes)})", row.raw)
            else:
                kept.append(row)
                continue
            parsed.rejected[row.row_number] = rejected
        parsed.rows = kept
        parsed.items_rejected = [(n, r) for n, r in parsed.items_rejected if n not in parsed.rejected]
    return adjust


def plan_upload(conn: psycopg.Connection, path: Path, member: Session, *, today: date,
                choices: dict[int, Candidate] | None = None, reference: Reference | None = None) -> ImportPlan:
    """The review of an uploaded list, as the folder import makes it, within the group's
    communes and campaign; writes nothing (read-only transaction). The page calls it on a
    reader-role connection (`geodata.db.reader_connection`): it reads public views only."""
    conn.execute("SET TRANSACTION READ ONLY")
    try:
        table = read_table(path)
        kind = pact.kind_of(table)
        plan = pact.plan_list(conn, path, dataset=dataset_of(member.collectif_id, kind, sha256_of(path)),
                              today=today, kind=kind, campaign=member.campaign_code, table=table, reference=reference,
                              adjust=group_scope(member, choices or {}))
    except pacte.PacteFileError as error:
        raise GroupError(str(error)) from None
    finally:
        conn.rollback()
    return plan


def publish(conn: psycopg.Connection, token: str, plan: ImportPlan) -> int:
    """Publish a reviewed list, on a writer-role connection (`contributor_connection`):
    `core.collectif_publish_list` checks the member's session and role, the group's communes,
    campaign and catalogue and that every row read is accounted for, then loads the plan with
    the folder import's load (`core.pact_write_import`), in one transaction. Returns the
    import run; nothing is written on a refusal."""
    with conn.transaction():
        return _one(conn, "SELECT core.collectif_publish_list(%s, %s::jsonb)", (token, plan.to_json()))[0]
