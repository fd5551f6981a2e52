"""The lessons as data: they load, their code fits the screen, they reference what exists.

This is the content lint (STYLE.md habit 13): a broken `uses=`, an exercise without hints, a
code line wider than the terminal, or a computed number typed into the prose fails here.
"""

import re

import pytest

from kgen import lessons

INDEX = lessons.load_index()
CODE_WIDTH = lessons.MAX_WIDTH - 4  # code is shown indented by four columns


def test_lessons_are_numbered_one_to_seven():
    assert [i.number for i in INDEX] == list(range(1, 8))
    assert len({i.slug for i in INDEX}) == 7


@pytest.mark.parametrize("info", INDEX, ids=lambda i: f"lesson{i.number}")
def test_lesson_loads_with_sections_code_and_templates(info):
    lesson = lessons.load_lesson(info.number)
    assert len(lesson.sections) >= 3
    assert all(s.title for s in lesson.sections)
    blocks = [b for _, b in lesson.blocks()]
    assert any(b.runnable for b in blocks), "a lesson runs code"
    assert any("template" in b.attrs for b in blocks), "a lesson shows generated code"
    ids = [b.id for b in blocks if b.id]
    assert len(ids) == len(set(ids)), "block ids are unique within a lesson"
    for b in blocks:
        for uid in b.uses:
            lesson.block(uid)  # raises when missing


@pytest.mark.parametrize("info", INDEX, ids=lambda i: f"lesson{i.number}")
def test_code_fits_the_terminal(info):
    lesson = lessons.load_lesson(info.number)
    for section, block in lesson.blocks():
        for line in lessons.block_code(block).splitlines():
            assert len(line) <= CODE_WIDTH, (
                f"lesson {info.number} line {block.line}: {len(line)} columns: {line!r}")


@pytest.mark.parametrize("info", INDEX, ids=lambda i: f"lesson{i.number}")
def test_prose_types_no_computed_numbers(info):
    """Results like 0.9746 or 2.2473 must come from running code, not from the text."""
    lesson = lessons.load_lesson(info.number)
    for section in lesson.sections:
        for part in section.parts:
            text = part if isinstance(part, str) else (part.code if part.lang != "python" else "")
            found = re.findall(r"(?<![\w.])\d+\.\d{2,}", text)
            assert not found, f"lesson {info.number} section {section.number} types {found}"


@pytest.mark.parametrize("info", INDEX, ids=lambda i: f"lesson{i.number}")
def test_every_lesson_has_an_exercise_with_hints(info):
    lesson = lessons.load_lesson(info.number)
    assert lesson.exercise is not None and lesson.exercise.id == info.exercise
    spec = lessons.grader_exercise(info.exercise)
    if spec is None:
        pytest.skip(f"the checker does not ship {info.exercise!r} yet (issue 7)")
    assert spec.lesson in (None, info.number)
    assert lesson.exercise.file == spec.filename
    assert lesson.exercise.prompt and len(lesson.exercise.hints) >= 2


def test_requirements_name_who_delivers_them():
    table = lessons.index_data()["requirements"]
    assert "training" in table and "layers" in table
    for name, entry in table.items():
        assert entry.get("by"), name
    missing = lessons.missing_requirements(["layers.NoSuchLayer", "training-that-is-not-a-name"])
    assert missing[0].by == table["layers"]["by"]
    assert "a later kgen issue" in missing[1].by
    assert lessons.missing_requirements(["layers.Dense", "backend.dot", "module:numpy"]) == []


def test_parser_reports_bad_blocks():
    with pytest.raises(lessons.LessonError, match="unknown code block flag"):
        lessons.parse_markdown("## S\n\n```python nosuchflag\nx = 1\n```\n")
    with pytest.raises(lessons.LessonError, match="never closed"):
        lessons.parse_markdown("## S\n\n```python\nx = 1\n")
    with pytest.raises(lessons.LessonError, match="before the first"):
        lessons.parse_markdown("text first\n## S\n")
    with pytest.raises(lessons.LessonError, match="template block has no body"):
        lessons.parse_markdown("## S\n\n```python template=merge-model\nx = 1\n```\n")
    sections = lessons.parse_markdown(
        "# T\n## One\nprose\n```python id=a requires=layers.X,training raises=ValueError\n"
        "x = 1\n```\n## Two\n```python template=merge-model op=dot\n```\n")
    a = sections[0].parts[1]
    assert a.id == "a" and a.requires == ["layers.X", "training"] and a.attrs["raises"] == "ValueError"
    t = sections[1].parts[0]
    assert t.attrs["template"] == "merge-model" and t.params == {"op": "dot"}
