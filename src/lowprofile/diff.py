"""What changed between two scans: new exposures, resolved ones, unchanged ones.

Findings are compared by their stable key (checker + listing URL, breach name + email, photo
path). A finding missing from the newer scan is only "resolved" when that newer scan really asked
the same source and got an answer; if the source was blocked or failed this time, the finding is
"unverified": we cannot say it is gone. A mention (a news item or alert) that left its feed is
"earlier": feeds carry only their latest items, so leaving one says nothing about the article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowprofile.results import CheckResult, Finding, Kind, ScanReport


def source_of(result: CheckResult) -> tuple[str, str]:
    """Which source answered: the broker or service inside a checker, else the target."""
    return result.checker, result.source or result.target


@dataclass
class ScanDiff:
    new: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    unchanged: list[Finding] = field(default_factory=list)
    unverified: list[Finding] = field(default_factory=list)
    earlier: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": [f.to_dict() for f in self.new],
            "resolved": [f.to_dict() for f in self.resolved],
            "unchanged": [f.to_dict() for f in self.unchanged],
            "unverified": [f.to_dict() for f in self.unverified],
            "earlier": [f.to_dict() for f in self.earlier],
        }


def diff_reports(old: ScanReport, new: ScanReport) -> ScanDiff:
    old_findings = {f.key: (source_of(r), f) for r in old.results for f in r.findings}
    new_findings = {f.key: f for r in new.results for f in r.findings}
    answered = {source_of(r) for r in new.results if r.status.is_answer}
    result = ScanDiff()
    for key, finding in new_findings.items():
        (result.unchanged if key in old_findings else result.new).append(finding)
    for key, (source, finding) in old_findings.items():
        if key in new_findings:
            continue
        if finding.kind == Kind.MENTION:
            result.earlier.append(finding)
            continue
        (result.resolved if source in answered else result.unverified).append(finding)
    return result
