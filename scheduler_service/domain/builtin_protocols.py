"""The protocols every fresh install starts with (DOMAIN.md); clinics may edit them afterwards."""

from __future__ import annotations

from .protocols import Phase, Protocol, Spacing, Visit

KETAMINE_INSTRUCTIONS = (
    "No solid food for 6 hours before your appointment; clear liquids until 2 hours before. "
    "Arrive 15 minutes early. An adult must drive you home: do not drive until the next day."
)
SPRAVATO_INSTRUCTIONS = (
    "No food for 2 hours and no liquids for 30 minutes before your appointment. "
    "Take nasal steroids or decongestants at least 1 hour before. "
    "Do not drive until the next day, after a restful sleep: arrange a ride home."
)
CONSULT_INSTRUCTIONS = "Bring a list of your current medications and any recent medical records."

MAINTENANCE = Spacing(21, 28, 35)

BUILTIN_PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(
        key="iv-ketamine-depression",
        name="IV ketamine for depression",
        visit=Visit(prep_minutes=15, treatment_minutes=40, monitoring_minutes=45),
        phases=(
            Phase("induction", 6, Spacing(2, 2, 5), window_days=21),
            Phase("maintenance", None, MAINTENANCE),
        ),
        required_tags=frozenset({"iv"}),
        instructions=KETAMINE_INSTRUCTIONS,
    ),
    Protocol(
        key="spravato-trd",
        name="Spravato (esketamine) for treatment-resistant depression",
        visit=Visit(prep_minutes=15, treatment_minutes=15, monitoring_minutes=120),
        phases=(
            Phase("weeks 1-4", 8, Spacing(2, 3, 5), window_days=27),
            Phase("weeks 5-8", 4, Spacing(6, 7, 9)),
            Phase("maintenance", None, Spacing(6, 14, 16)),
        ),
        required_tags=frozenset({"spravato"}),
        instructions=SPRAVATO_INSTRUCTIONS,
    ),
    Protocol(
        key="iv-ketamine-pain",
        name="IV ketamine for chronic pain",
        visit=Visit(prep_minutes=15, treatment_minutes=240, monitoring_minutes=30),
        phases=(
            Phase("induction", 5, Spacing(1, 1, 1, unit="clinic_days")),
            Phase("maintenance", None, MAINTENANCE),
        ),
        required_tags=frozenset({"iv"}),
        instructions=KETAMINE_INSTRUCTIONS,
    ),
    Protocol(
        key="consult",
        name="Consultation",
        visit=Visit(prep_minutes=0, treatment_minutes=45, monitoring_minutes=0),
        phases=(Phase("consultation", 1, Spacing(1, 1, 1)),),
        required_tags=frozenset({"consult"}),
        instructions=CONSULT_INSTRUCTIONS,
        uses_nurse=False,
    ),
)
