"""The summary's stops: a heart-rate safety stop is one (S13), a refusal is not."""

from ui.session.summary import SummarySink


def test_a_safety_stop_counts_as_a_stop_and_a_refusal_does_not():
    summary = SummarySink(0.0)
    summary.on_event({"t": 10.0, "event": "refused", "command": "start", "reason": "key out"})
    summary.on_event({"t": 65.0, "event": "safety_stop", "cause": "heart_rate",
                      "reason": "heart rate 195 bpm at or above the limit of 185 bpm for 5 s: stopped"})
    stops = summary.as_dict()["stops"]
    assert [s["kind"] for s in stops] == ["safety_stop"] and "heart rate 195" in stops[0]["reason"]
    assert "safety_stop" in summary.text()
