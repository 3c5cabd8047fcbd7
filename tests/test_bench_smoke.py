"""The look-up benchmark at toy size: it prints its figures and really looked every subject up."""

from __future__ import annotations

import sqlite3

from bench import lookup


def test_lookup_benchmark_measures_real_lookups(tmp_path, capsys):
    options = lookup.parse_args(
        ["--subjects", "500", "--answers", "5000", "--lookups", "100", "--dir", str(tmp_path), "--seed", "7"]
    )
    report = lookup.run(options)
    out = capsys.readouterr().out

    for label in (
        "fill",
        "file",
        "MiB",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "look-ups/s",
        "aiosqlite",
        "sqlite3",
        "500 subjects",
        "264 finalized inspections",
        "5,016 answers",
    ):
        assert label in out, label
    assert len(out.splitlines()) >= 10

    # The truth, read from the file itself rather than from the benchmark's bookkeeping.
    with sqlite3.connect(report.loaded.path) as conn:
        history = dict(
            conn.execute(
                "SELECT s.bin, count(i.id) FROM subjects s"
                " LEFT JOIN inspections i ON i.subject_id = s.id AND i.status = 'finalized' GROUP BY s.id"
            )
        )
        answers = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    conn.close()
    assert len(history) == 500
    assert sum(history.values()) == report.loaded.inspections == 264
    assert answers == report.loaded.answers == 264 * 19

    assert len(report.checks) == 100
    known = [check for check in report.checks if check.bin in history]
    assert len(known) == 90
    for check in report.checks:
        for got in (check.aiosqlite, check.sqlite3):
            if check.bin in history:
                assert got.bin == check.bin
                assert (
                    len(got.history)
                    == min(history[check.bin], report.history_limit)
                    == min(check.expected_history, report.history_limit)
                )
            else:
                assert check.expected_history is None
                assert got.bin is None
    assert any(check.aiosqlite.history for check in known)  # the history query returned rows, not only empties
    for timing in report.timings:
        assert len(timing.nanoseconds) == 100


def test_import_benchmark_imports_what_it_generates(capsys):
    from bench import imports

    imports.main(["--quick"])
    out = capsys.readouterr().out
    assert "subjects          1,000 rows" in out and "{'add': 1000}" in out
    assert "findings-again" in out and "{'unchanged': 1000}" in out


def test_plan_benchmark_ranks_every_subject_and_checks_them_against_one_by_one(tmp_path, capsys):
    from bench import plan

    [figures] = plan.main(["--sizes", "400", "--in-process", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    for label in (
        "400 subjects",
        "all_risks",
        "/plan draw",
        "/deadlines",
        "registry XLSX",
        "peak RSS",
        "all_risks equals subject_risk",
    ):
        assert label in out, label
    assert figures.registry_rows == 400 and figures.ranked > 100 and figures.checked == min(300, figures.ranked)
    assert figures.on_list + figures.left_out > 0  # the list had something to rank


def test_stats_benchmark_gets_the_album_and_the_workbook_through_the_real_bot(monkeypatch, capsys):
    from bench import stats

    monkeypatch.setattr(stats, "WARM_RUNS", 1)  # a cold /stats, one warm, three of a half-year: 5 albums
    stats.main(["--subjects", "600", "--answers", "6000"])
    out = capsys.readouterr().out
    assert "/stats over 600 subjects" in out and "2 approved lists of 500" in out
    assert "plan 1,000" in out  # both approved lists overlap the last 12 months
    sizes = out.split("PNG sizes (KiB): [", 1)[1].split("]", 1)[0].split(", ")
    assert len(sizes) == 4 and all(int(size) > 0 for size in sizes)  # the album's four charts arrived
