"""`retrotread plan check|show|next`: output and refusals (one line per error, exit 2)."""

from __future__ import annotations

from plan_support import REPO_ROOT

SHIPPED = sorted((REPO_ROOT / "config" / "plans").glob("*.toml"))

PLAN = """name = "Small"
weeks = 2
[[sessions]]
program = "short.toml"
backward_speed_kmh = [1.0, 1.4]
backward_min = [0.5, 1]
"""


def test_check_passes_the_shipped_plans_with_their_figures(cli):
    ran = cli("plan", "check", *SHIPPED)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert len(lines) == 2 and all(line.startswith("ok: ") for line in lines)
    beginner = next(line for line in lines if "retro-walking-beginner" in line)
    assert "6 weeks x 3 sessions (18)" in beginner and "backward 4-10 min at up to 1.6-2.1 km/h" in beginner


def test_check_reports_every_broken_week_one_line_each(make_plan, cli):
    good = make_plan(PLAN, name="good.toml")
    bad = make_plan(PLAN.replace("[1.0, 1.4]", "[2.6, 2.7]").replace("[0.5, 1]", "[0.5, 300]"), name="bad.toml")
    ran = cli("plan", "check", good, bad)
    assert ran.code == 2
    assert ran.out.startswith(f"ok: {good}: 'Small'")
    lines = ran.err_lines
    assert all(line.startswith(f"retrotread: {bad}: sessions[0].") for line in lines), lines
    fields = {line.split(": ")[2] for line in lines}
    assert fields == {"sessions[0].backward_speed_kmh[0]", "sessions[0].backward_speed_kmh[1]",
                      "sessions[0].backward_min[1]"}, lines


def test_check_refuses_an_unknown_profile_naming_the_flag(make_plan, cli):
    ran = cli("plan", "check", make_plan(PLAN), "--profile", "gym")
    assert ran.code == 2 and ran.err_lines == ["retrotread: --profile: unknown profile 'gym' (known: rehab, "
                                               "fitness, athlete)"]


def test_show_lists_every_session(make_plan, cli):
    ran = cli("plan", "show", make_plan(PLAN))
    assert ran.code == 0
    lines = ran.out.splitlines()
    assert lines[0].startswith("Small (") and "2 weeks, 1 sessions a week" in lines[0]
    assert lines[1].strip().startswith("week 1 session 1: short.toml") and "backward 0.5 min at up to 1 km/h" in lines[1]
    assert "backward 1 min at up to 1.4 km/h" in lines[2]


def test_next_for_someone_new_is_the_first_session_without_making_a_store(make_plan, cli, tmp_path):
    data = tmp_path / "data"
    ran = cli("plan", "next", "--person", "p5", "--data-dir", data, make_plan(PLAN))
    assert ran.code == 0 and "p5: next: week 1 session 1 of 'Small' (the plan's first session)" in ran.out
    assert "--allow-reverse" in ran.out
    assert not data.exists()


def test_next_refuses_a_bad_person_code_and_a_foreign_database(make_plan, cli, tmp_path):
    plan = make_plan(PLAN)
    ran = cli("plan", "next", "--person", "Anna Maria", "--data-dir", tmp_path, plan)
    assert ran.code == 2 and len(ran.err_lines) == 1 and "pseudonym" in ran.err
    (tmp_path / "sessions.db").write_bytes(b"not a database" * 20)
    ran = cli("plan", "next", "--person", "p1", "--data-dir", tmp_path, plan)
    assert ran.code == 2 and len(ran.err_lines) == 1 and "not a retrotread sessions database" in ran.err


def test_a_missing_or_unknown_verb_is_one_line(cli):
    for args, words in ((("plan",), "check|show|next"), (("plan", "frob"), "invalid choice")):
        ran = cli(*args)
        assert ran.code == 2 and len(ran.err_lines) == 1 and words in ran.err, ran.err
