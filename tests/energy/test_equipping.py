"""GB 17167 check (jiliang.energy.equipping): rates and accuracy verdicts, by hand."""

from __future__ import annotations

import pytest

from jiliang.energy.equipping import (
    EquippingError,
    Meter,
    Node,
    Tree,
    check,
    class_meets,
    edition_rules,
    is_main,
    tree_from_dict,
)

ED = "GB 17167-2006"


def meter(point: str, variety: str = "electricity", cls: str = "0.5S", **kw: object) -> Meter:
    return Meter(point=point, variety=variety, instrument=f"I-{point}", accuracy_class=cls, **kw)  # type: ignore[arg-type]


def plant(category: str = "II") -> Tree:
    """Boundary with electricity (0.5S) and gas; four workshops that must meter electricity,
    three of which have a meter; two main machines, one metered."""
    nodes = [
        Node(
            "B",
            1,
            "厂区",
            varieties=("electricity", "natural_gas"),
            meters=(meter("E-IN"), meter("GAS", "natural_gas", "1.5")),
        ),
        Node("W1", 2, varieties=("electricity",), meters=(meter("E-W1"),)),
        Node("W2", 2, varieties=("electricity",), meters=(meter("E-W2"),)),
        Node("W3", 2, varieties=("electricity",), meters=(meter("E-W3"),)),
        Node("W4", 2, "四车间", varieties=("electricity",)),
        Node("M1", 3, varieties=("electricity",), meters=(meter("E-M1"),)),
        Node("M2", 3, varieties=("electricity",), meters=(Meter("E-M2", "electricity"),)),
    ]
    return Tree("T-01", tuple(nodes), category)


def row(report: dict, level: int, variety: str) -> dict:
    found = [r for r in report["levels"][level - 1]["rows"] if r["variety"] == variety]
    assert len(found) == 1
    return found[0]


def test_three_of_four_secondary_units_is_75_percent_and_fails() -> None:
    report = check(plant(), ED)
    assert report["edition"] == ED and report["confirmed"] is False
    secondary = row(report, 2, "electricity")
    # 3 of 4 workshops metered: 75 % < 100 % (Table 3, secondary column)
    assert (secondary["required"], secondary["equipped"]) == (4, 3)
    assert secondary["rate"] == 75.0 and secondary["required_rate"] == 100.0
    assert secondary["pass"] is False and secondary["missing"] == ["W4"]
    # 1 of 2 machines: 50 % < 95 %; M2's point has no registered instrument
    equipment = row(report, 3, "electricity")
    assert (equipment["rate"], equipment["required_rate"], equipment["pass"]) == (50.0, 95.0, False)
    reasons = {(m["node"], m["reason"]) for m in report["missing"]}
    assert reasons == {("W4", "no_meter"), ("M2", "unregistered")}
    boundary = row(report, 1, "electricity")
    assert (boundary["rate"], boundary["pass"]) == (100.0, True)
    assert report["pass"] is False


def test_nineteen_of_twenty_machines_meets_95_percent_exactly() -> None:
    machines = [
        Node(f"M{i:02d}", 3, varieties=("electricity",), meters=(meter(f"E{i}"),) if i else ())
        for i in range(20)
    ]
    report = check(Tree("T", tuple(machines), "II"), ED)
    equipment = row(report, 3, "electricity")
    assert (equipment["required"], equipment["equipped"], equipment["rate"]) == (20, 19, 95.0)
    assert equipment["pass"] is True


def test_class_one_where_half_s_is_required_is_too_coarse() -> None:
    tree = plant("II")  # category II: class 0.5S at the boundary
    coarse = Node("B", 1, varieties=("electricity",), meters=(meter("E-IN", cls="1.0"),))
    report = check(Tree("T", (coarse, *tree.nodes[1:]), "II"), ED)
    verdict = report["accuracy"][0]
    assert (verdict["point"], verdict["required"], verdict["class"]) == ("E-IN", "0.5S", "1.0")
    assert verdict["verdict"] == "fail"
    assert [r["point"] for r in report["too_coarse"]] == ["E-IN"]


def test_class_order_and_mpe_rule() -> None:
    assert class_meets("0.2S", "0.5S") is True
    assert class_meets("0.5S", "0.5S") is True
    assert class_meets("0.5", "0.5S") is False  # same number, no S: coarser
    assert class_meets("0.5S", "0.5") is True
    assert class_meets("1.0", "0.5S") is False
    assert class_meets("", "0.5S") is None
    report = check(plant(), ED)
    gas = next(r for r in report["accuracy"] if r["point"] == "GAS")
    # natural gas: MPE 2.0 % at the boundary; a class 1.5 meter is within
    assert (gas["basis"], gas["required"], gas["verdict"]) == ("mpe_percent", 2.0, "pass")
    # only the boundary's points are judged (accuracy_levels: [1]); the others are listed
    judged = {r["point"] for r in report["accuracy"] if r["verdict"] not in ("no_rule", "no_meter")}
    assert judged == {"E-IN", "GAS"}
    w1 = next(r for r in report["accuracy"] if r["point"] == "E-W1")
    assert w1["verdict"] == "no_rule" and "levels [1]" in w1["reason"]
    m2 = next(r for r in report["accuracy"] if r["point"] == "E-M2")
    assert m2["verdict"] == "no_meter"


def test_category_decides_the_electricity_class_and_missing_category_is_unknown() -> None:
    assert check(plant("IV"), ED)["accuracy"][0]["required"] == "1.0"
    unknown = check(plant(""), ED)["accuracy"][0]
    assert unknown["verdict"] == "unknown" and "category" in unknown["reason"]


def test_out_of_service_meter_is_not_equipped_and_not_main_nodes_are_outside() -> None:
    nodes = (
        Node("B", 1, meters=(meter("E-IN", installed=False),)),
        Node("AUX", 3, varieties=("electricity",), main=False),
    )
    report = check(Tree("T", nodes, "III"), ED)
    assert report["missing"] == [
        {"node": "B", "name": "", "level": 1, "variety": "electricity", "reason": "not_installed"}
    ]
    assert report["outside"] == ["AUX"] and report["levels"][2]["rows"] == []


def test_boundary_defaults_to_every_variety_in_the_tree() -> None:
    nodes = (
        Node("B", 1, meters=(meter("E-IN"),)),
        Node("K", 2, meters=(meter("STEAM", "steam_low_pressure", "2.5"),)),
    )
    report = check(Tree("T", nodes, "II"), ED)
    steam = row(report, 1, "steam_low_pressure")
    assert (steam["required"], steam["equipped"], steam["pass"]) == (1, 0, False)
    assert row(report, 2, "steam_low_pressure")["required_rate"] == 80.0


def test_edition_is_explicit_and_2025_is_refused_until_its_tables_are_shipped() -> None:
    with pytest.raises(EquippingError, match=r"GB 17167-2025.*no tables"):
        check(plant(), "GB 17167-2025")
    with pytest.raises(EquippingError, match="unknown"):
        check(plant(), "GB 17167-1997")
    assert edition_rules(ED)["main_thresholds"]["confirmed"] is False


def test_main_thresholds() -> None:
    assert is_main(2, {"electricity": 10.0}) is True
    assert is_main(2, {"electricity": 9.9}) is False
    assert is_main(3, {"electricity": 50.0, "natural_gas": 120.0}) is True
    assert is_main(1, {}) is True


def test_tree_from_dict_names_the_field() -> None:
    tree = tree_from_dict(
        {
            "user": "T",
            "category": "II",
            "nodes": [
                {"code": "B", "level": 1, "meters": [{"point": "E", "variety": "electricity"}]}
            ],
        }
    )
    assert tree.nodes[0].meters[0].instrument == ""
    with pytest.raises(EquippingError, match="missing field 'level'"):
        tree_from_dict({"nodes": [{"code": "B"}]})
    with pytest.raises(EquippingError, match="category"):
        check(Tree("T", (), "VI"), ED)
    with pytest.raises(EquippingError, match="nodes: W: varieties: unknown 'electricty'"):
        check(Tree("T", (Node("W", 2, varieties=("electricty",)),)), ED)
