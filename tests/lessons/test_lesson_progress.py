"""The progress store: per user (XDG), atomic, resettable, and it survives a corrupt file."""

import json

from kgen import progress


def test_fresh_store_is_empty_and_lives_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("KGEN_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert progress.progress_file() == tmp_path / "xdg" / "kgen" / "progress.json"
    p = progress.load()
    assert p.lessons == {} and p.last_lesson is None


def test_sections_hints_and_exercises_are_remembered():
    progress.mark_section_read(3, 1, "my-layer")
    progress.mark_section_read(3, 2, "my-layer")
    assert progress.reveal_hint(3, 2) == 1
    assert progress.reveal_hint(3, 2) == 2
    assert progress.reveal_hint(3, 2) == 2  # no more hints than there are
    assert progress.current_exercise() == "my-layer"
    progress.record_exercise("my-layer", passed=True)
    p = progress.load()
    assert p.lesson(3).sections_read == {1, 2}
    assert p.lesson(3).hints_shown == 2 and p.lesson(3).exercise_passed
    assert p.last_lesson == 3


def test_an_exercise_graded_without_opening_its_lesson_still_counts():
    progress.record_exercise("cosine-similarity", passed=True)
    assert progress.load().lesson(6).exercise_passed
    progress.record_exercise("no-such-exercise", passed=True)  # ignored, no crash


def test_corrupt_file_is_moved_aside_with_a_warning(capsys):
    path = progress.progress_file()
    path.parent.mkdir(parents=True)
    path.write_text("{ this is not json", encoding="utf-8")
    p = progress.load()
    assert p.lessons == {}
    assert "could not be read" in capsys.readouterr().err
    assert path.with_name("progress.json.corrupt").exists()
    progress.mark_section_read(1, 1)
    assert progress.load().lesson(1).sections_read == {1}


def test_wrong_shape_and_version_count_as_corrupt(capsys):
    path = progress.progress_file()
    path.parent.mkdir(parents=True)
    for text in ['{"version": 99, "lessons": {}}', '[1, 2]',
                 '{"version": 1, "lessons": {"x": 1}}']:
        path.write_text(text, encoding="utf-8")
        assert progress.load().lessons == {}
    assert capsys.readouterr().err.count("starting afresh") == 3


def test_save_is_atomic_and_reset_forgets():
    progress.mark_section_read(2, 4)
    path = progress.progress_file()
    assert json.loads(path.read_text())["lessons"]["2"]["sections_read"] == [4]
    assert [f.name for f in path.parent.iterdir()] == ["progress.json"]  # no temp files left
    progress.reset()
    assert not path.exists() and progress.load().lessons == {}
    progress.reset()  # resetting twice is fine


def test_unwritable_store_warns_but_does_not_crash(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("KGEN_DATA_DIR", str(blocker / "sub"))
    progress.mark_section_read(1, 1)
    assert "could not save progress" in capsys.readouterr().err
