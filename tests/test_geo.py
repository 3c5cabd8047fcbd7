"""The distance between where the phone was and the registry's coordinates (haversine, pure)."""

import pytest

from bot.geo import haversine_m, valid_point
from bot.pdf.check_sheet import format_distance


def test_the_same_point_is_zero_metres_away():
    assert haversine_m(51.128207, 71.430411, 51.128207, 71.430411) == 0


def test_a_thousandth_of_a_degree_of_latitude_is_about_111_metres():
    assert haversine_m(51.0, 71.0, 51.001, 71.0) == pytest.approx(111.2, abs=0.2)


def test_astana_to_almaty_is_about_970_km():
    # Bayterek tower to Almaty's Republic Square: about 970 km along the great circle.
    assert haversine_m(51.128207, 71.430411, 43.238949, 76.945465) == pytest.approx(970_000, rel=0.01)


def test_the_distance_is_symmetric_and_crosses_the_antimeridian_the_short_way():
    assert haversine_m(10, 179.9, 10, -179.9) == pytest.approx(haversine_m(10, -179.9, 10, 179.9))
    assert haversine_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, rel=0.001)


def test_points_outside_the_globes_ranges_are_not_valid():
    assert valid_point(90, 180) and valid_point(-90, -180)
    assert not valid_point(90.1, 0) and not valid_point(0, -180.5)


def test_distances_print_in_metres_below_a_kilometre_then_in_kilometres():
    assert format_distance(99.6, "ru") == "100 м"
    assert format_distance(1449, "kk") == "1,4 км"
