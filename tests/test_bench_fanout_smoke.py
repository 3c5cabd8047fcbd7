"""The fan-out benchmark at toy size: everyone got exactly one reminder and the inspectors were measured."""

from __future__ import annotations

from bench import fanout


async def test_fanout_benchmark_delivers_each_reminder_once_while_inspectors_tap(tmp_path, capsys):
    result = await fanout.run(recipients=40, inspectors=2, baseline=1.5, workdir=tmp_path)
    assert (result["once"], result["lost"], result["twice"]) == (40, 0, 0)
    assert result["outbox"] == {"sent": 40} and result["unhandled_429"] == 0
    assert result["quiet"] and result["loaded"]
    assert result["duration"] >= 40 / 30 * 0.9  # paced: it cannot beat the limit
    fanout.report(result)
    out = capsys.readouterr().out
    for label in ("fan-out", "delivered once     40", "p99", "ratio p99"):
        assert label in out, label
