from __future__ import annotations

from fractions import Fraction

import pytest

from clusterviz.quantity import bytes_of, cpu_millicores, parse_quantity


@pytest.mark.parametrize(
    ("quantity", "millicores"),
    [
        ("100m", 100),
        ("0m", 0),
        ("2", 2000),
        ("0.5", 500),
        ("1.5", 1500),
        ("0.1", 100),
        ("0.0001", 1),  # rounded up, like Quantity.MilliValue()
        ("1k", 1_000_000),
        ("1e3", 1_000_000),
        ("1E-3", 1),
        ("250000u", 250),
        ("500000000n", 500),
        ("1.", 1000),
        (".5", 500),
        ("+2", 2000),
        ("-1", -1000),
        ("2000m", 2000),
    ],
)
def test_cpu_millicores(quantity: str, millicores: int) -> None:
    assert cpu_millicores(quantity) == millicores


@pytest.mark.parametrize(
    ("quantity", "value"),
    [
        ("0", 0),
        ("128974848", 128974848),
        ("129e6", 129_000_000),
        ("129M", 129_000_000),
        ("123Mi", 123 * 1024**2),
        ("1Ki", 1024),
        ("1.5Gi", 1536 * 1024**2),
        ("2Ti", 2 * 1024**4),
        ("1Pi", 1024**5),
        ("1Ei", 1024**6),
        ("1k", 1000),
        ("1G", 10**9),
        ("1T", 10**12),
        ("1P", 10**15),
        ("1E", 10**18),
        ("1e3", 1000),
        ("0.5", 1),  # rounded up, like Quantity.Value()
        ("110", 110),
        ("500m", 1),
        ("-1Ki", -1024),
    ],
)
def test_bytes_of(quantity: str, value: int) -> None:
    assert bytes_of(quantity) == value


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "1Gb",
        "1 Gi",
        " 1",
        "1Ki ",
        "Mi",
        "1.2.3",
        "--1",
        "1e",
        "1ee3",
        "0x10",
        "1e99",
        "1" * 100,
        "\uff11\uff12",
        "\u0661\u0662",
    ],
)
def test_bad_quantities_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="quantit"):
        bytes_of(bad)
    with pytest.raises(ValueError, match="quantit"):
        cpu_millicores(bad)


@pytest.mark.parametrize("bad", [None, 5, 1.5, ["1"], {"a": 1}])
def test_non_strings_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        bytes_of(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a string"):
        cpu_millicores(bad)  # type: ignore[arg-type]


def test_error_message_names_the_input() -> None:
    with pytest.raises(ValueError, match=r"'12 cores'"):
        cpu_millicores("12 cores")


def test_parse_quantity_is_exact() -> None:
    assert parse_quantity("1.5Gi") == Fraction(3 * 1024**3, 2)
    assert parse_quantity("100m") == Fraction(1, 10)
    assert parse_quantity("-2.5e-1") == Fraction(-1, 4)
