"""Critical raw materials (data point 15): the EU list's names, from the composition, above 0.1 % w/w."""

from __future__ import annotations

from conftest import FIXTURES, USER_EXAMPLE, load
from hypothesis import given
from hypothesis import strategies as st

from batterypass import build_passport
from batterypass.law.critical_raw_materials import critical_raw_materials


def test_the_users_example_names_materials_not_compounds():
    passport = build_passport(load(USER_EXAMPLE))
    # NMC811 cathode and natural graphite anode; LiPF6 adds nothing new
    assert passport.materialComposition.criticalRawMaterials == ["cobalt", "lithium", "manganese", "natural graphite", "nickel"]


def test_synthetic_graphite_is_not_natural_graphite():
    assert "natural graphite" not in build_passport(load(FIXTURES / "lmt-ebike.json")).materialComposition.criticalRawMaterials


def test_lfp_lists_phosphorus_and_no_cobalt_or_nickel():
    found = build_passport(load(FIXTURES / "industrial-stationary.json")).materialComposition.criticalRawMaterials
    assert found == ["lithium", "natural graphite", "phosphorus"]


def test_the_threshold_is_strictly_above_a_thousandth_of_the_battery():
    assert critical_raw_materials([("Cobalt oxide", 0.1)], 100.0) == []
    assert critical_raw_materials([("Cobalt oxide", 0.1001)], 100.0) == ["cobalt"]


@given(
    names=st.lists(st.sampled_from(["Lithium nickel manganese cobalt oxide", "Natural graphite", "Copper foil",
                                    "Lithium hexafluorophosphate", "Synthetic graphite", "Steel casing", "Silicon dioxide"]),
                   min_size=1, max_size=7),
    masses=st.lists(st.floats(0.0001, 100), min_size=7, max_size=7),
    battery_mass=st.floats(1, 1000),
)
def test_only_entries_above_the_threshold_count_and_the_result_is_from_the_list(names, masses, battery_mass):
    composition = list(zip(names, masses))
    found = critical_raw_materials(composition, battery_mass)
    assert found == sorted(set(found))
    heavy = [(n, m) for n, m in composition if m > battery_mass / 1000]
    assert found == critical_raw_materials(heavy, battery_mass)
    assert set(found) <= {"cobalt", "lithium", "manganese", "nickel", "natural graphite", "copper"}
