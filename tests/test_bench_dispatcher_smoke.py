"""The dispatcher benchmark at toy size: it prints its figures and really drove whole inspections.

Two timed inspections (plus the warm-up one and those whose PDFs are measured) must end finalized in the
database with the score of the benchmark's mix, and the echo bot must have answered every update it was fed,
so the benchmark cannot silently measure nothing. No timing is asserted.
"""

from __future__ import annotations

import sqlite3

from bench import dispatcher

# The mix: item 1 (significant) and item 4 (minor) violated, item 6 not applicable, the rest comply.
# 1 of 8 significant: 8.75; 1 of 1 minor (item 6 left out): 30.00; SP = 38.75 (as in test_e2e_inspection).
INDICATOR = "38.75"
# per inspection: /new, 9 header values, "skip" the location, a comment, a reason; 19 answers, 3 "Next"
TEXTS, BUTTONS = 13, 22


def test_dispatcher_benchmark_drives_real_inspections(tmp_path, capsys):
    options = dispatcher.parse_args(
        ["--inspections", "2", "--renders", "1", "--finish-pdf", "1", "--dir", str(tmp_path), "--no-pin"]
    )
    report = dispatcher.run(options)
    out = capsys.readouterr().out

    for label in (
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "updates/s",
        "ours / echo",
        "finish update",
        "with its PDF render",
        "PDF document reused",
        "targets",
        "MET",
        "peak RSS",
        "70 timed updates",
    ):
        assert label in out, label

    # The truth, read from the database file itself rather than from the benchmark's bookkeeping.
    with sqlite3.connect(tmp_path / "ours.sqlite3") as conn:
        inspections = conn.execute("SELECT id, status, indicator FROM inspections ORDER BY id").fetchall()
        pdfs = conn.execute("SELECT inspection_id FROM check_sheet_pdfs ORDER BY inspection_id").fetchall()
        answers = conn.execute(
            "SELECT inspection_id, item, answer, comment FROM answers ORDER BY inspection_id, item"
        ).fetchall()
    conn.close()
    rendered = dispatcher.PDF_WARMUPS + 1  # a sheet of its own per render: a stored PDF is never rendered again
    timed_and_others = dispatcher.WARMUP_INSPECTIONS + 2 + rendered  # warm-up, the two timed, the PDFs'
    assert [(status, indicator) for _, status, indicator in inspections] == [
        ("finalized", INDICATOR)
    ] * timed_and_others
    assert set(report.ours.inspection_ids) <= {row[0] for row in inspections}
    # Each measured render made and stored the PDF of a sheet that had none (the last ones in the file); the
    # finishes before them got the benchmark's stand-in document, so only the first finish stored one too.
    measured = [row[0] for row in inspections[-rendered:]]
    assert [row[0] for row in pdfs][-rendered:] == measured and report.pdf.inspection_id == measured[-1]
    assert len(report.ours.inspection_ids) == 2
    by_inspection: dict[int, dict[int, tuple[str, str | None]]] = {}
    for inspection_id, item, answer, comment in answers:
        by_inspection.setdefault(inspection_id, {})[item] = (answer, comment)
    for inspection_id, *_ in inspections:
        stored = by_inspection[inspection_id]
        assert sorted(stored) == list(range(1, 20))
        assert stored[1] == ("violated", dispatcher.COMMENTS[1])
        assert stored[6][0] == "violated" and stored[4] == ("not_applicable", dispatcher.COMMENTS[4])
        assert all(stored[item][0] == "complies" for item in stored if item not in (1, 4, 6))

    ours, echo = report.ours, report.echo
    assert len(ours.texts.nanoseconds) == 2 * TEXTS and len(ours.buttons.nanoseconds) == 2 * BUTTONS
    assert ours.unanswered == 0
    assert len(ours.finish_with_pdf.nanoseconds) + len(ours.finish_reused.nanoseconds) == 2
    # The echo bot got the same updates and answered each: texts echoed back, buttons answered and edited.
    assert echo.fed == len(ours.fed) == 2 * (TEXTS + BUTTONS)
    assert echo.echoed_texts == len(echo.texts.nanoseconds) == 2 * TEXTS
    assert echo.answered_buttons == len(echo.buttons.nanoseconds) == 2 * BUTTONS
    assert [kind for kind, _ in ours.fed].count("text") == 2 * TEXTS

    assert report.pdf.images == 1 and len(report.pdf.seconds) == 1 and report.pdf.size > 1000
    assert report.finalized.count == timed_and_others and report.finalized.drafts == 0
