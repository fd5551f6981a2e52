"""Reports in four formats: text (rich), json, gradescope (results.json), junit (XML)."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

from kgen.grader.report import ERROR, FAILED, PASSED, SKIPPED, UNAVAILABLE, Report, number

LABEL = {PASSED: "pass", FAILED: "FAIL", ERROR: "ERROR", SKIPPED: "skip", UNAVAILABLE: "n/a"}
STYLE = {PASSED: "green", FAILED: "bold red", ERROR: "bold red", SKIPPED: "yellow",
         UNAVAILABLE: "dim"}
FORMATS = ("text", "json", "gradescope", "junit")


def _pts(c) -> str:
    if c.status == UNAVAILABLE:
        return "-"
    return f"{number(c.score)}/{number(c.points)}"


def render_text(report: Report, console=None, verbose=False) -> None:
    """Print the report with rich: one row per check, then hint/diff under failures."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    title = f"kgen check · {report.exercise}"
    if report.title:
        title += f" · {report.title}"
    console.print(Text(title, style="bold"))
    console.print(Text(f"submission: {report.submission}", style="dim"))
    table = Table(box=None, show_header=True, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("pts", justify="right", no_wrap=True)
    table.add_column("result", overflow="fold")
    for c in report.checks:
        body = Text(c.message or c.description)
        if c.hint and c.status in (FAILED, ERROR):
            body.append("\nhint: ", style="cyan")
            body.append(c.hint)
        name = c.name + (" *" if c.required else "")
        table.add_row(Text(LABEL[c.status], style=STYLE[c.status]), name, _pts(c), body)
    console.print(table)
    if any(c.required for c in report.checks):
        console.print(Text("* required: kgen check succeeds only when these pass", style="dim"))
    for note in report.notes:
        console.print(Text("note: " + note, style="yellow"))
    if verbose and report.stdout.strip():
        console.print(Text("your code printed:", style="dim"))
        console.print(Text(report.stdout[-2000:]))
    style = "bold green" if report.full_marks else ("bold yellow" if report.ok else "bold red")
    console.print(Text(f"score {number(report.score)}/{number(report.max_score)} — "
                       f"{report.verdict}", style=style))


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)


def _check_output(c) -> str:
    text = c.message
    if c.hint and c.status in (FAILED, ERROR):
        text += f"\nHint: {c.hint}"
    return text


def to_gradescope(report: Report) -> str:
    """Gradescope's results.json: score, max_score, execution_time, tests[...]."""
    tests = []
    for c in report.checks:
        tests.append({
            "name": f"{c.name}: {c.description}",
            "score": number(c.score),
            "max_score": number(c.points) if c.counted else 0,
            "status": "passed" if c.passed or not c.counted else "failed",
            "output": _check_output(c) if c.counted else c.message,
            "visibility": "visible",
        })
    output = f"{report.exercise}: {report.verdict}"
    if report.notes:
        output += "\n" + "\n".join(report.notes)
    return json.dumps({
        "score": number(report.score),
        "max_score": number(report.max_score),
        "execution_time": round(report.elapsed, 3),
        "output": output,
        "tests": tests,
    }, indent=2)


def to_junit(report: Report) -> str:
    """JUnit XML: one testsuite, one testcase per check (failures/errors/skipped)."""
    cases = report.checks
    suite = ET.Element("testsuite", {
        "name": f"kgen.{report.exercise}",
        "tests": str(len(cases)),
        "failures": str(sum(c.status == FAILED for c in cases)),
        "errors": str(sum(c.status == ERROR for c in cases)),
        "skipped": str(sum(c.status in (SKIPPED, UNAVAILABLE) for c in cases)),
        "time": f"{report.elapsed:.3f}",
    })
    props = ET.SubElement(suite, "properties")
    for k, v in (("submission", report.submission), ("score", number(report.score)),
                 ("max_score", number(report.max_score))):
        ET.SubElement(props, "property", {"name": k, "value": str(v)})
    for c in cases:
        tc = ET.SubElement(suite, "testcase", {"classname": f"kgen.{report.exercise}",
                                               "name": c.name})
        if c.status == FAILED:
            ET.SubElement(tc, "failure", {"message": c.message.splitlines()[0] if c.message
                                          else ""}).text = _check_output(c)
        elif c.status == ERROR:
            ET.SubElement(tc, "error", {"message": c.message.splitlines()[0] if c.message
                                        else ""}).text = _check_output(c)
        elif c.status in (SKIPPED, UNAVAILABLE):
            ET.SubElement(tc, "skipped", {"message": c.message})
    if report.stdout:
        ET.SubElement(suite, "system-out").text = report.stdout
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def format_report(report: Report, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "gradescope":
        return to_gradescope(report)
    if fmt == "junit":
        return to_junit(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}. Received: {fmt!r}")


def gradebook_rows(reports) -> tuple[list, list]:
    names = []
    for r in reports:
        for c in r.checks:
            if c.name not in names:
                names.append(c.name)
    header = ["submission", "score", "max_score", "percent", "ok", "verdict", "seconds"] + names
    rows = []
    for r in reports:
        by = {c.name: number(c.score) if c.counted else "" for c in r.checks}
        pct = (100 * r.score / r.max_score) if r.max_score else 0
        rows.append([r.submission, number(r.score), number(r.max_score), f"{float(pct):.1f}",
                     r.ok, r.verdict, f"{r.elapsed:.2f}"] + [by.get(n, "") for n in names])
    return header, rows


def gradebook_csv(reports) -> str:
    header, rows = gradebook_rows(reports)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def gradebook_json(reports) -> str:
    return json.dumps([r.to_dict() for r in reports], indent=2)
