"""Weighted vocabularies: which forms of care are common, and the short texts staff write.

Weights follow the rough shape of the IGJ overviews (medication, supervision and movement
restrictions dominate the Wzd; admission and medication the Wvggz), so a demo's counts look
plausible. Texts are short Dutch phrases free of digits, so free text never carries a BSN.
"""

from __future__ import annotations

import random

CATEGORY_WEIGHTS: dict[str, dict[str, int]] = {
    "wzd": {
        "medication_nutrition_medical": 20,
        "supervision": 20,
        "restrict_movement": 15,
        "restrict_daily_life": 10,
        "seclusion": 8,
        "temporary_movement_restriction": 8,
        "behavioural_medication_off_guideline": 6,
        "lockable_stay": 5,
        "restrict_visits": 3,
        "search_room": 2,
        "search_body_clothing": 2,
        "drug_testing": 1,
    },
    "wvggz": {
        "admission": 30,
        "medication_nutrition_medical": 25,
        "seclusion": 10,
        "restrict_movement": 8,
        "supervision": 8,
        "restrict_visits": 4,
        "search_room": 4,
        "search_body_clothing": 4,
        "drug_testing": 4,
        "restrict_daily_life": 3,
        "transfer_to_temporary_stay": 2,
    },
    "jeugdwet": {
        "restrict_movement": 20,
        "seclusion": 15,
        "physical_restraint": 15,
        "supervision": 10,
        "search_room": 10,
        "search_body_clothing": 8,
        "drug_testing": 8,
        "restrict_communication": 5,
        "restrict_visits": 5,
        "mandatory_treatment": 4,
    },
}

#: Forms that need a residential setting; ambulatory Wzd care draws from the rest.
RESIDENTIAL_ONLY = frozenset({"seclusion", "lockable_stay", "temporary_movement_restriction"})

#: Wzd art. 10 lid 3: categories a, b, c and the lid 2 forms need an involved physician.
NEEDS_PHYSICIAN = frozenset(
    {
        "medication_nutrition_medical",
        "restrict_movement",
        "seclusion",
        "behavioural_medication_off_guideline",
        "temporary_movement_restriction",
        "lockable_stay",
    }
)

#: Forms carried out as separate episodes (with an end); the rest run from one application.
EPISODE_MINUTES: dict[str, tuple[int, int]] = {
    "medication_nutrition_medical": (5, 30),
    "seclusion": (30, 300),
    "temporary_movement_restriction": (120, 600),
    "physical_restraint": (5, 40),
    "search_room": (10, 40),
    "search_body_clothing": (5, 20),
    "drug_testing": (5, 15),
    "transfer_to_temporary_stay": (2 * 24 * 60, 6 * 24 * 60),
}

HARM_BY_FRAMEWORK: dict[str, tuple[str, ...]] = {
    "wzd": (
        "serious_bodily_harm",
        "serious_neglect",
        "life_danger",
        "provoking_aggression",
        "serious_psychological_harm",
        "safety_threatened_by_others",
    ),
    "wvggz": (
        "life_danger",
        "serious_bodily_harm",
        "serious_psychological_harm",
        "serious_material_or_financial_harm",
        "public_safety",
    ),
    "jeugdwet": ("disrupted_development", "serious_bodily_harm", "safety_threatened_by_others"),
}

DESCRIPTIONS: dict[str, str] = {
    "medication_nutrition_medical": "Medicatie toedienen bij weigering, volgens afspraak arts",
    "supervision": "Camerabewaking en sensor op de kamer in de nacht",
    "restrict_movement": "Afgesloten voordeur van de afdeling, begeleid naar buiten",
    "restrict_daily_life": "Vaste tijden voor roken en gebruik van de telefoon",
    "seclusion": "Afzondering op eigen kamer bij ernstige agressie",
    "temporary_movement_restriction": "Bedhekken en onrustband in de nacht bij valgevaar",
    "behavioural_medication_off_guideline": "Gedragsmedicatie buiten de richtlijn, kortdurend",
    "lockable_stay": "Verblijf op een gesloten afdeling",
    "restrict_visits": "Bezoek alleen onder begeleiding",
    "search_room": "Kamercontrole bij vermoeden van gevaarlijke voorwerpen",
    "search_body_clothing": "Fouillering na verlof",
    "drug_testing": "Urinecontrole op middelengebruik",
    "admission": "Opname in de accommodatie",
    "transfer_to_temporary_stay": "Tijdelijk verblijf op een andere afdeling",
    "physical_restraint": "Fysiek vastpakken bij dreigende escalatie",
    "restrict_communication": "Beperking van telefoongebruik",
    "mandatory_treatment": "Verplichte behandeling volgens het hulpverleningsplan",
}

ALTERNATIVES: tuple[str, ...] = (
    "extra een-op-een begeleiding",
    "dagbesteding aangepast",
    "afleiding met muziek en beweging",
    "sensor in plaats van fixatie",
    "rustruimte met open deur",
    "gesprek met vaste begeleider",
    "aanpassing van de prikkels op de afdeling",
    "familie betrokken bij de zorg",
)

EVALUATION_SUMMARIES: dict[str, tuple[str, ...]] = {
    "continue": (
        "Doel deels bereikt, maatregel nog nodig",
        "Onrust blijft, voortzetten en opnieuw bekijken",
    ),
    "afbouw": ("Stabiel, start afbouw volgens plan", "Minder incidenten, afbouwen"),
    "end": ("Maatregel niet meer nodig", "Vrijwillige zorg volstaat"),
}

RETRACTION_REASONS: tuple[str, ...] = (
    "dubbel geregistreerd",
    "verkeerde tijd ingevoerd, opnieuw gestuurd",
    "bij de verkeerde client geregistreerd",
)

END_REASONS_EARLY: tuple[str, ...] = (
    "no_longer_needed",
    "converted_to_voluntary",
    "client_discharged",
    "client_deceased",
    "other",
)


def pick_category(rng: random.Random, framework: str, setting: str) -> str:
    """A category of the framework, weighted; never a residential-only form at home."""
    weights = CATEGORY_WEIGHTS[framework]
    codes = [c for c in weights if setting != "ambulatory" or c not in RESIDENTIAL_ONLY]
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def pick_grounds(rng: random.Random, framework: str) -> list[str]:
    """One to three harm codes typical of the framework, in a stable order."""
    pool = HARM_BY_FRAMEWORK[framework]
    return sorted(rng.sample(pool, rng.randint(1, min(3, len(pool)))))


#: Known codes a Wzd measure cannot have: a well-formed mistake that raises NO-LEGAL-BASIS.
FRAMEWORK_CATEGORIES_OUTSIDE_WZD: tuple[str, ...] = (
    "physical_restraint",
    "mandatory_treatment",
    "restrict_communication",
    "admission",
)
