"""`observatory groups ...`: the administrator creates groups and invites their members (the
command prints the invitation link: no mail server needed)."""
from __future__ import annotations

import argparse
import sys

import psycopg

from geodata import db
from geodata.settings import app_url
from observatory import groups
from observatory.sources import french_datetime


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("groups", help="collectifs : créer, inviter des membres, lister",
                                   description="Les collectifs de l'Espace des collectifs.")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="crée un collectif et la liste des communes qu'il suit")
    create.add_argument("name", help="nom du collectif")
    create.add_argument("--communes", required=True, help="codes Insee séparés par des virgules, ex. 59350,59009")
    create.add_argument("--campaign", default=groups.DEFAULT_CAMPAIGN,
                        help=f"campagne suivie (défaut : {groups.DEFAULT_CAMPAIGN})")
    create.set_defaults(handler=_create)
    invite = actions.add_parser("invite", help="affiche un lien d'invitation à usage unique")
    invite.add_argument("name", help="nom du collectif")
    invite.add_argument("email", help="adresse de la personne invitée")
    invite.add_argument("--role", choices=list(groups.ROLES), default="membre")
    invite.add_argument("--days", type=int, default=groups.INVITATION_DAYS,
                        help=f"validité en jours (défaut : {groups.INVITATION_DAYS})")
    invite.add_argument("--app-url", default=None, help="adresse de l'observatoire (défaut : OBSERVATORY_APP_URL)")
    invite.set_defaults(handler=_invite)
    listing = actions.add_parser("list", help="collectifs, membres, rôles, communes")
    listing.set_defaults(handler=_list)
    trust = actions.add_parser("trust-provider", help="autorise la connexion par un fournisseur OpenID Connect",
                               description="Les membres invités pourront se connecter par ce fournisseur "
                                           "(voir docs/collectifs.md).")
    trust.add_argument("issuer", help="émetteur du fournisseur (son claim iss), ex. https://auth.example.org")
    trust.set_defaults(handler=_trust_provider)


def _connect() -> psycopg.Connection:
    return psycopg.connect(db.resolve_url())


def _create(args: argparse.Namespace) -> int:
    with _connect() as conn:
        try:
            groups.create_group(conn, args.name, args.communes.split(","), args.campaign)
        except groups.GroupError as error:
            print(f"observatory groups: {error}", file=sys.stderr)
            return 1
    print(f"Collectif « {args.name} » créé ({args.campaign}, communes {args.communes}).")
    return 0


def _invite(args: argparse.Namespace) -> int:
    with _connect() as conn:
        try:
            token, expires = groups.invite(conn, args.name, args.email, args.role, args.days)
        except groups.GroupError as error:
            print(f"observatory groups: {error}", file=sys.stderr)
            return 1
    print(f"Invitation de {groups.normalise_email(args.email)} ({groups.ROLES[args.role]}) au collectif "
          f"« {args.name} », valable jusqu'au {french_datetime(expires)}, une seule fois :")
    print(groups.invitation_link(args.app_url or app_url(), token))
    return 0


def _list(_args: argparse.Namespace) -> int:
    with _connect() as conn:
        found = groups.list_groups(conn)
    if not found:
        print("Aucun collectif : observatory groups create NOM --communes 59350,59009")
    for group in found:
        print(f"{group['name']} · {group['campaign']} · communes {', '.join(group['communes'])} · "
              f"{group['pending_invitations']} invitation(s) en attente")
        for email, role, active in group["members"]:
            print(f"  {email:<40} {groups.ROLES[role]:<10} {'actif' if active else 'retiré'}")
    return 0


def _trust_provider(args: argparse.Namespace) -> int:
    with _connect() as conn:
        try:
            groups.trust_provider(conn, args.issuer)
        except groups.GroupError as error:
            print(f"observatory groups: {error}", file=sys.stderr)
            return 1
    print(f"Fournisseur d'identité reconnu : {args.issuer.strip()} (les membres invités peuvent s'y connecter).")
    return 0
