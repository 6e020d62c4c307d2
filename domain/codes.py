"""The closed vocabularies of the `measure-event/v1` contract.

They live in one place so the wire schema, the rulebook and the demo generator cannot drift
apart: CONTRACT.md section 1 is the source, and a code added here is a contract extension.
"""

from __future__ import annotations

from typing import Literal, get_args

Framework = Literal["wzd", "wvggz", "jeugdwet"]

Setting = Literal["residential", "ambulatory", "closed_youth_care", "open_youth_care"]

Role = Literal[
    "zorgverantwoordelijke",
    "wzd_functionaris",
    "geneesheer_directeur",
    "arts",
    "gedragswetenschapper",
    "external_expert",
    "jeugdhulpverlener",
    "administrator",
]

Step = Literal[
    "multidisciplinary_consultation",
    "physician_consent",
    "extended_expert_consultation",
    "independent_expert_advice",
    "representative_consulted",
    "functionaris_informed",
    "gedragswetenschapper_consent",
    "geneesheer_directeur_agreement",
    "geneesheer_directeur_informed",
    # extension (README "Compatible extensions"): the involved physician consulted in an
    # art. 15 emergency (Wzd art. 15 lid 3), which asks consultation, not consent
    "physician_consulted",
]

HarmCode = Literal[
    "life_danger",
    "serious_bodily_harm",
    "serious_psychological_harm",
    "serious_material_or_financial_harm",
    "serious_neglect",
    "disrupted_development",
    "safety_threatened_by_others",
    "provoking_aggression",
    "public_safety",
]

AuthorizationKind = Literal[
    "zorgmachtiging",
    "crisismaatregel",
    "machtiging_voortzetting_crisismaatregel",
    "tijdelijke_verplichte_zorg",
    "rechterlijke_machtiging_wzd",
    "inbewaringstelling",
    "machtiging_voortzetting_ibs",
    "ciz_besluit_opname",
    "machtiging_gesloten_jeugdhulp",
    "spoedmachtiging_gesloten_jeugdhulp",
    "voorwaardelijke_machtiging_gesloten_jeugdhulp",
]

EndReason = Literal[
    "afgebouwd",
    "no_longer_needed",
    "converted_to_voluntary",
    "review_rejected",
    "authorization_ended",
    "client_discharged",
    "client_deceased",
    "other",
]

_WZD_LID_1 = (
    "medication_nutrition_medical",
    "restrict_movement",
    "seclusion",
    "supervision",
    "search_body_clothing",
    "search_room",
    "drug_testing",
    "restrict_daily_life",
    "restrict_visits",
)

#: Per framework, the forms of compulsory care the law names (CONTRACT §1 "Category codes").
FRAMEWORK_CATEGORIES: dict[str, tuple[str, ...]] = {
    "wzd": (
        *_WZD_LID_1,
        "behavioural_medication_off_guideline",
        "temporary_movement_restriction",
        "lockable_stay",
    ),
    "wvggz": (*_WZD_LID_1, "admission", "transfer_to_temporary_stay"),
    "jeugdwet": (
        "supervision",
        "physical_restraint",
        "restrict_movement",
        "seclusion",
        "mandatory_treatment",
        "restrict_communication",
        "restrict_visits",
        "search_body_clothing",
        "drug_testing",
        "search_room",
    ),
}

#: Every category code of any framework, in a stable order. A known code that is outside
#: its measure's framework is well-formed input about wrong care: it is stored and raises
#: NO-LEGAL-BASIS. An unknown code is a typo and is rejected.
ALL_CATEGORIES: tuple[str, ...] = tuple(
    dict.fromkeys(code for codes in FRAMEWORK_CATEGORIES.values() for code in codes)
)

FRAMEWORKS: tuple[str, ...] = get_args(Framework)
ROLES: tuple[str, ...] = get_args(Role)
STEPS: tuple[str, ...] = get_args(Step)
HARM_CODES: tuple[str, ...] = get_args(HarmCode)
AUTHORIZATION_KINDS: tuple[str, ...] = get_args(AuthorizationKind)
SETTINGS: tuple[str, ...] = get_args(Setting)
END_REASONS: tuple[str, ...] = get_args(EndReason)

Category = Literal[*ALL_CATEGORIES]  # type: ignore[valid-type]
