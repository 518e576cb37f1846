"""Acts as data: the built-in table, a user's newer one, and "N months after the act, whichever is later"."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import USER_EXAMPLE, acts_in_force
from hypothesis import given
from hypothesis import strategies as st

from batterypass import ActsTable, InvalidInputError, load_acts, obligations, parse_build_data
from batterypass.cli.main import main
from batterypass.law.acts import BUILT_IN, Timetable, parse_acts, start_of


def test_acts_json_prints_the_builtin_table_in_the_shape_acts_takes(runner, tmp_path):
    result = runner.invoke(main, ["acts", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert set(body) == {"acts"}
    for act in body["acts"]:
        assert set(act) == {"id", "title", "articles", "kind", "entryIntoForce"}
        assert act["kind"] in ("delegated", "implementing", "regulation") and act["entryIntoForce"] is None
    assert {"7(1)", "7(2)", "8(1)"} <= {article for act in body["acts"] for article in act["articles"]}
    path = tmp_path / "acts.json"
    path.write_text(result.output)
    assert load_acts(path) == BUILT_IN


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda t: t["acts"][0].update(entryIntoForce="2027-13-01"), "$.acts[0].entryIntoForce"),
        (lambda t: t["acts"][0].update(kind="directive"), "$.acts[0].kind"),
        (lambda t: t["acts"][0].update(adopted=True), "$.acts[0].adopted"),
        (lambda t: t["acts"].pop(0), "$.acts"),
        (lambda t: t["acts"].append(dict(t["acts"][1])), "$.acts[7].id"),
        (lambda t: t.update(acts=[t["acts"][0]] * 500), "$.acts"),
    ],
)
def test_a_bad_acts_file_is_refused_at_its_path(runner, tmp_path, change, where):
    table = acts_in_force("2026-01-01")
    change(table)
    path = tmp_path / "acts.json"
    path.write_text(json.dumps(table))
    with pytest.raises(InvalidInputError) as info:
        load_acts(path)
    assert any(p.path == where for p in info.value.problems), info.value.problems
    result = runner.invoke(main, ["obligations", str(USER_EXAMPLE), "--acts", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output and where in result.output


def test_declaration_applies_12_months_after_the_later_act():
    build = parse_build_data(json.loads(USER_EXAMPLE.read_text()))  # EV, placed 2027-04-15
    table = acts_in_force("2025-01-01")
    table["acts"][1]["entryIntoForce"] = "2026-05-01"  # the implementing act, later: 2027-05-01
    footprint = {o.key: o for o in obligations(build, acts=parse_acts(table))}["carbon-footprint"]
    assert footprint.state == "not-applicable" and "2027-05-01" in footprint.reason
    table["acts"][1]["entryIntoForce"] = "2026-04-15"
    footprint = {o.key: o for o in obligations(build, acts=parse_acts(table))}["carbon-footprint"]
    assert footprint.state == "applies" and footprint.met is True


def test_pending_says_when_it_would_apply_were_the_acts_in_force_today():
    build = parse_build_data(json.loads(USER_EXAMPLE.read_text()))
    found = {o.key: o for o in obligations(build, today=date(2030, 3, 31))}
    assert found["carbon-footprint"].state == "pending"
    assert found["carbon-footprint"].would_apply_from == date(2031, 3, 31)
    assert found["carbon-footprint-class"].would_apply_from == date(2031, 9, 30)  # 18 months, end of month


_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))


@given(floor=_dates, first=st.none() | _dates, second=st.none() | _dates, months=st.integers(0, 36), today=_dates)
def test_start_is_the_latest_of_floor_and_each_act_plus_months(floor, first, second, months, today):
    table = json.loads(json.dumps(BUILT_IN.to_dict()))
    table["acts"][0]["entryIntoForce"] = first and first.isoformat()
    table["acts"][1]["entryIntoForce"] = second and second.isoformat()
    acts = (table["acts"][0]["id"], table["acts"][1]["id"])
    start = start_of(Timetable(floor, acts, months), ActsTable.model_validate(table), today)
    assert start.pending == tuple(a for a, d in zip(acts, (first, second)) if d is None)
    assert start.date >= floor
    for entered in (first or today, second or today):
        assert start.date > entered or months == 0 and start.date >= entered
    assert start.date in {floor} | {
        _plus_months(d, months) for d in (first or today, second or today)
    }


def _plus_months(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def test_validate_notes_what_is_pending(runner):
    result = runner.invoke(main, ["validate", str(USER_EXAMPLE)])
    assert result.exit_code == 0
    assert "note: pending: Carbon-footprint declaration (Art. 7(1))" in result.output
