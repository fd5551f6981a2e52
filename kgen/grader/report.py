"""The result of grading one submission: checks with points, messages, hints, diffs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction

PASSED, FAILED, ERROR, SKIPPED, UNAVAILABLE = "passed", "failed", "error", "skipped", "unavailable"


def number(value: Fraction):
    """A Fraction as an int when whole, else a float (JSON and CSV friendly)."""
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


@dataclass
class CheckResult:
    name: str
    description: str
    status: str
    points: Fraction  # what the check is worth
    score: Fraction  # what the submission earned
    required: bool = False
    message: str = ""
    hint: str = ""
    diff: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def counted(self) -> bool:
        """Unavailable checks (kgen cannot run them yet) count towards no maximum."""
        return self.status != UNAVAILABLE

    def to_dict(self) -> dict:
        d = asdict(self)
        d["points"] = number(self.points) if self.counted else 0
        d["score"] = number(self.score)
        return d


@dataclass
class Report:
    exercise: str
    submission: str
    checks: list
    elapsed: float = 0.0
    outcome: str = "done"
    notes: list = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    title: str = ""

    @property
    def score(self) -> Fraction:
        return sum((c.score for c in self.checks), Fraction(0))

    @property
    def max_score(self) -> Fraction:
        return sum((c.points for c in self.checks if c.counted), Fraction(0))

    @property
    def required_failed(self) -> list:
        return [c for c in self.checks if c.required and c.counted and not c.passed]

    @property
    def ok(self) -> bool:
        """All required checks passed (the exit code of `kgen check`)."""
        return not self.required_failed

    @property
    def full_marks(self) -> bool:
        return all(c.passed for c in self.checks if c.counted)

    @property
    def verdict(self) -> str:
        if self.full_marks:
            return "all checks pass"
        failed = [c for c in self.checks if c.counted and not c.passed and c.status != SKIPPED]
        first = (self.required_failed or failed or [None])[0]
        if first is None:
            return "some checks were skipped"
        kind = "required check" if first.required else "check"
        line = first.message.splitlines()[0] if first.message else first.description
        if len(line) > 110:
            line = line[:107] + "..."
        return f"{kind} '{first.name}' {first.status}: {line}"

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise,
            "title": self.title,
            "submission": self.submission,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "ok": self.ok,
            "verdict": self.verdict,
            "outcome": self.outcome,
            "elapsed": round(self.elapsed, 3),
            "notes": self.notes,
            "checks": [c.to_dict() for c in self.checks],
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
