"""The problems the generator plants, one kind per problem measure, and the rule each trips.

A problem is a `Plan`: a handful of switches the lifecycles read while they build a measure,
so a problem measure is an otherwise ordinary lifecycle with one thing wrong. That keeps the
expected alerts narrow: each kind is meant to raise its one rule (CONTRACT §2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Plan:
    """Switches for one measure's lifecycle; the default is lawful care."""

    framework: str | None = None  # forced framework, when the problem needs one
    emergency: bool = False
    no_grounds: bool = False
    foreign_category: bool = False
    term_too_long: bool = False
    skip_consultation: bool = False
    apply_before_review: bool = False
    rejected: bool = False
    never_decided: bool = False
    skip_evaluations: bool = False
    afbouw_overdue: bool = False
    extend: bool = False
    extension_expert: bool = True
    extension_review: bool = True
    emergency_overrun: bool = False
    open_youth_care: bool = False
    seclusion_under_12: bool = False
    no_authorization: bool = False
    authorization_too_long: bool = False
    authorization_expired: bool = False
    apply_after_end: bool = False
    late_events: bool = False
    # Catalogue 2: Wzd and across the laws
    category: str | None = None  # forced form, when the problem needs one
    skip_physician: bool = False
    skip_functionaris_notice: bool = False
    emergency_term_too_long: bool = False
    unregistered_location: bool = False
    second_title: bool = False
    # Catalogue 2: Wvggz and Jeugdwet
    psych_without_agreement: bool = False  # 8:9 decision by a non-psychiatrist, no GD
    nood_gd_uninformed: bool = False  # 8:11 emergency, the GD never told
    pre_crisis_too_long: bool = False  # two 7:3 orders back to back, over 18 hours
    gw_consent_missing: bool = False  # plan set by a jeugdhulpverlener, no GW consent
    not_in_plan: bool = False  # applied before the plan was set
    nood_without_consent: bool = False  # emergency VBM past 12 hours, no GW consent
    afbouw_without_advice: bool = False  # still applied after the term, no advice

    @property
    def open_approval(self) -> bool:
        """Approve without `valid_until` when the problem runs past the term, so the measure
        raises its own rule and not also AUTHORIZATION-EXPIRED."""
        return (
            self.afbouw_overdue
            or not self.extension_review
            or self.apply_after_end
            or self.skip_evaluations
        )


NORMAL = Plan()

#: problem kind -> (rule id it should raise, the plan that plants it)
PROBLEMS: dict[str, tuple[str, Plan]] = {
    "applied_before_review": (
        "APPLIED-WITHOUT-REVIEW",
        Plan(framework="wzd", apply_before_review=True),
    ),
    "applied_after_rejection": ("APPLIED-AFTER-REJECTION", Plan(framework="wzd", rejected=True)),
    "stappenplan_skipped": ("STEPPLAN-SKIPPED", Plan(framework="wzd", skip_consultation=True)),
    "review_overdue": ("REVIEW-OVERDUE", Plan(framework="wzd", never_decided=True)),
    "evaluation_overdue": (
        "EVALUATION-OVERDUE",
        Plan(framework="wzd", skip_evaluations=True),
    ),
    "afbouw_overdue": ("AFBOUW-OVERDUE", Plan(framework="wzd", afbouw_overdue=True)),
    "extension_without_expert": (
        "EXTENSION-WITHOUT-EXPERT",
        Plan(framework="wzd", extend=True, extension_expert=False),
    ),
    "extension_without_review": (
        "EXTENSION-WITHOUT-REVIEW",
        Plan(framework="wzd", extend=True, extension_review=False),
    ),
    "emergency_overrun": (
        "EMERGENCY-OVERRUN",
        Plan(framework="wzd", emergency=True, emergency_overrun=True),
    ),
    "jeugdwet_open_youth_care": (
        "NO-LEGAL-BASIS",
        Plan(framework="jeugdwet", open_youth_care=True),
    ),
    "jeugdwet_seclusion_under_12": (
        "SECLUSION-UNLAWFUL",
        Plan(framework="jeugdwet", seclusion_under_12=True),
    ),
    "wvggz_without_authorization": (
        "NO-LEGAL-BASIS",
        Plan(framework="wvggz", no_authorization=True),
    ),
    "authorization_too_long": (
        "AUTHORIZATION-TOO-LONG",
        Plan(framework="wvggz", authorization_too_long=True),
    ),
    "authorization_expired": (
        "AUTHORIZATION-EXPIRED",
        Plan(framework="wvggz", authorization_expired=True),
    ),
    "applied_after_end": ("APPLIED-AFTER-END", Plan(framework="wzd", apply_after_end=True)),
    "no_grounds": ("NO-SERIOUS-HARM-GROUNDS", Plan(framework="wzd", no_grounds=True)),
    "category_outside_framework": (
        "NO-LEGAL-BASIS",
        Plan(framework="wzd", foreign_category=True),
    ),
    "term_too_long": ("TERM-TOO-LONG", Plan(framework="wzd", term_too_long=True)),
    "late_registration": ("LATE-REGISTRATION", Plan(late_events=True)),
    # Catalogue 2: Wzd and across the laws
    "physician_consent_missing": (
        "WZD-PHYSICIAN-CONSENT",
        Plan(framework="wzd", category="restrict_movement", skip_physician=True),
    ),
    "emergency_physician_missing": (
        "WZD-EMERGENCY-PHYSICIAN",
        Plan(framework="wzd", emergency=True, category="seclusion", skip_physician=True),
    ),
    "emergency_functionaris_not_informed": (
        "WZD-EMERGENCY-NOTIFY",
        Plan(framework="wzd", emergency=True, skip_functionaris_notice=True),
    ),
    "emergency_planned_too_long": (
        "WZD-EMERGENCY-TERM",
        Plan(framework="wzd", emergency=True, emergency_term_too_long=True),
    ),
    "unregistered_location": (
        "WZD-LOCATION-UNREGISTERED",
        Plan(framework="wzd", unregistered_location=True),
    ),
    "two_admission_titles": ("GEN-TITLE-PRECEDENCE", Plan(framework="wzd", second_title=True)),
    # Catalogue 2: Wvggz and Jeugdwet
    "wvggz_decision_without_gd_agreement": (
        "WVGGZ-DECISION-PSYCH",
        Plan(framework="wvggz", psych_without_agreement=True),
    ),
    "wvggz_nood_gd_not_informed": (
        "WVGGZ-NOOD-GD-NOTIFY",
        Plan(framework="wvggz", nood_gd_uninformed=True),
    ),
    "wvggz_pre_crisis_over_18_hours": (
        "WVGGZ-PRE-CM-18H",
        Plan(framework="wvggz", pre_crisis_too_long=True),
    ),
    "jeugdwet_plan_without_gw_consent": (
        "JW-VBM-GW-CONSENT",
        Plan(framework="jeugdwet", gw_consent_missing=True),
    ),
    "jeugdwet_applied_before_the_plan": (
        "JW-VBM-NOT-IN-PLAN",
        Plan(framework="jeugdwet", not_in_plan=True),
    ),
    "jeugdwet_emergency_past_12_hours": (
        "JW-NOOD-12H-GW",
        Plan(framework="jeugdwet", nood_without_consent=True),
    ),
    "jeugdwet_afbouw_without_advice": (
        "JW-AFBOUW-ONAFH",
        Plan(framework="jeugdwet", afbouw_without_advice=True),
    ),
}

#: problem kind -> rule id, for tests and the demo's "expected alerts" line.
PROBLEM_RULES: dict[str, str] = {kind: rule for kind, (rule, _) in PROBLEMS.items()}

#: Rules a problem also raises as a direct consequence (checked against the rule engine):
#: an emergency that runs on past 2 weeks has, by then, also gone unreviewed.
ALSO_RAISES: dict[str, tuple[str, ...]] = {
    "emergency_overrun": ("REVIEW-OVERDUE",),
    # until the plan is recorded no event names the law (GEN-NO-FRAMEWORK)
    "jeugdwet_applied_before_the_plan": ("NO-LEGAL-BASIS",),
}
