"""The ``[evaluate]`` section of crossline.toml: what each programme costs, for the cost per harm event avoided.

The matching and bootstrap settings of the what-works evaluation stay in
``[risk]`` (what_works_*); these are the commissioner's figures. A cost of 0
means "not given": the export and the report then leave the cost per harm
avoided blank and say why, rather than guess a price.
"""

from __future__ import annotations

from crossline.settings.declare import Section, setting


class EvaluateSettings(Section):
    mentoring_cost: float = setting(0.0, "Cost of one young person's one-to-one mentoring (pounds per participant; 0: not given).")
    sport_cost: float = setting(0.0, "Cost of one young person's place on the sport programme (pounds per participant; 0: not given).")
    education_cost: float = setting(0.0, "Cost of one young person's education and awareness sessions (pounds per participant; 0: not given).")
    family_support_cost: float = setting(0.0, "Cost of one family's support (pounds per participant; 0: not given).")
    min_recorded_outcomes: int = setting(
        30, "Fewest participants with an outcome recorded by a partner (refer outcome), and as many matched comparisons with one, "
        "for the evaluation to estimate an effect on partner-recorded outcomes; below it the row says not assessable and why.",
    )

    def cost_of(self, programme: str) -> float | None:
        """The cost per participant of ``programme``, None when not given (0) or not a programme this section prices."""
        value = getattr(self, f"{programme}_cost", None)
        return float(value) if isinstance(value, float) and value > 0 else None
