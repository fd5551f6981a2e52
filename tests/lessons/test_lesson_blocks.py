"""Every code block of every lesson runs on the engine (or is skipped naming what delivers it)."""

import pytest

from kgen import lessons


def _cases():
    for info in lessons.load_index():
        lesson = lessons.load_lesson(info.number)
        for k, (section, block) in enumerate(lesson.blocks(), 1):
            if block.runnable:
                name = f"lesson{info.number}-{block.id or f's{section.number}b{k}'}"
                yield pytest.param(info.number, block.line, id=name,
                                   marks=getattr(pytest.mark, f"lesson{info.number}"))


@pytest.mark.parametrize("number,line", list(_cases()))
def test_block_runs(number, line):
    lesson = lessons.load_lesson(number)
    block = next(b for _, b in lesson.blocks() if b.line == line)
    result = lessons.run_block(lesson, block)
    if result.status == "skipped":
        pytest.skip(result.error)
    assert result.status in ("ok", "raised"), result.error
    if block.attrs.get("raises"):
        assert result.error.startswith(block.attrs["raises"])
    if block.attrs.get("tree"):
        assert result.tree.startswith("model ")


def test_runs_are_repeatable():
    """Fresh session and seed per block: the same block prints the same numbers twice."""
    lesson = lessons.load_lesson(1)
    block = lesson.sections[0].parts[1]
    first, second = lessons.run_block(lesson, block), lessons.run_block(lesson, block)
    assert first.status == "ok" and first.output == second.output
    assert "dense_2 (Dense)" in first.output  # names restart at every block


def test_unexpected_error_is_shown_not_raised():
    lesson = lessons.Lesson(lessons.lesson_info(1), lessons.parse_markdown(
        "## S\n```python\nfrom kgen import keras\nkeras.layers.Dense(-1)(keras.Input((2,)))\n```\n"))
    block = lesson.sections[0].parts[0]
    result = lessons.run_block(lesson, block)
    assert result.status == "error" and result.failed
    assert "<lesson 1 line" in result.error  # the traceback shows the lesson's own lines


def test_missing_requirement_skips_with_who_delivers_it():
    lesson = lessons.Lesson(lessons.lesson_info(7), lessons.parse_markdown(
        "## S\n```python requires=layers.NotYetThere\nraise SystemExit('must not run')\n```\n"))
    result = lessons.run_block(lesson, lesson.sections[0].parts[0])
    assert result.status == "skipped"
    assert "layers.NotYetThere" in result.error and "issue 4" in result.error
