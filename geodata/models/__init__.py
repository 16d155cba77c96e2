"""All tables of the `core` schema; importing this module registers them on `Base.metadata`."""
from geodata.models.base import CORE_SCHEMA, DISPLAY_SRID, STORAGE_SRID, VIEW_SCHEMA, Base
from geodata.models.charging import ChargingPoint
from geodata.models.council import CommuneCouncil
from geodata.models.collectif import (
    AuditLog,
    Collectif,
    CollectifCommune,
    CollectifUpload,
    FollowUpEntry,
    Invitation,
    LoginFailure,
    Member,
    MemberIdentity,
    MemberSession,
    OidcIssuer,
)
from geodata.models.heat import (
    CommuneEnergy,
    EcoreseauLabel,
    HeatArea,
    HeatDepartementSummary,
    HeatNationalFigure,
    HeatNetwork,
    HeatNetworkArrete,
    HeatNetworkCommune,
    HeatPotentialDepartement,
    SourceAvailability,
)
from geodata.models.loads import LoadRun, QuarantinedRow, SourceRefresh
from geodata.models.pact import (
    PactCampaign,
    PactCommitment,
    PactFollowUp,
    PactImportRun,
    PactMeasure,
    PactReviewRow,
    PactSignature,
)
from geodata.models.reference import (
    Commune,
    CommuneBoundary,
    CommuneContour,
    CommuneWithoutBoundary,
    Departement,
    Epci,
    FormerCommune,
    Region,
)

__all__ = [
    "Base", "CORE_SCHEMA", "ChargingPoint", "DISPLAY_SRID", "STORAGE_SRID", "VIEW_SCHEMA",
    "Commune", "CommuneBoundary", "CommuneContour", "CommuneWithoutBoundary", "Departement",
    "Epci", "FormerCommune", "LoadRun", "QuarantinedRow", "SourceRefresh", "Region",
    "PactCampaign", "PactCommitment", "PactFollowUp", "PactImportRun", "PactMeasure",
    "PactReviewRow", "PactSignature",
    "CommuneEnergy", "EcoreseauLabel", "HeatArea", "HeatDepartementSummary", "HeatNationalFigure",
    "HeatNetwork", "HeatNetworkArrete", "HeatNetworkCommune", "HeatPotentialDepartement",
    "SourceAvailability", "CommuneCouncil",
    "AuditLog", "Collectif", "CollectifCommune", "CollectifUpload", "FollowUpEntry", "Invitation",
    "LoginFailure", "Member", "MemberIdentity", "MemberSession", "OidcIssuer",
]
