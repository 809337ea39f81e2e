"""--parameter-overrides in every form SAM accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.config.overrides import parse_parameter_overrides
from lambda_dap.errors import ParameterOverrideError

EXPECTED = "expected ParameterKey=K,ParameterValue=V or K=V"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["ParameterKey=Stage,ParameterValue=dev"], {"Stage": "dev"}),
        (
            ["ParameterKey=Stage,ParameterValue=dev ParameterKey=Size,ParameterValue=2"],
            {"Stage": "dev", "Size": "2"},
        ),
        (["ParameterKey=Msg,ParameterValue='hello world'"], {"Msg": "hello world"}),
        (["Stage=dev Size=2"], {"Stage": "dev", "Size": "2"}),
        (['Msg="v w" Other=x'], {"Msg": "v w", "Other": "x"}),
        (["Msg='single quoted'"], {"Msg": "single quoted"}),
        ([r"Msg=a\ b"], {"Msg": "a b"}),
        ([r'Msg="say \"hi\""'], {"Msg": 'say "hi"'}),
        (["Url=a=b,c=d"], {"Url": "a=b,c=d"}),
        ([r"Path=C:\dir\x"], {"Path": r"C:\dir\x"}),
        (["Empty="], {"Empty": ""}),
        (['"Quoted"=x'], {"Quoted": "x"}),
        (("Stage=dev", "Size=2"), {"Stage": "dev", "Size": "2"}),  # click nargs
        (["Stage=dev", "Stage=prod"], {"Stage": "prod"}),  # later wins
        ("Stage=dev Size=2", {"Stage": "dev", "Size": "2"}),  # samconfig string
        (["  Stage=dev  "], {"Stage": "dev"}),
        ([], {}),
        ([""], {}),
        (None, {}),
        (["ParameterKey=A,ParameterValue=1", "B=2"], {"A": "1", "B": "2"}),
    ],
)
def test_forms(values, expected, tmp_path: Path) -> None:
    assert parse_parameter_overrides(values, tmp_path) == expected


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        (["garbage"], "garbage"),
        (["Stage=dev junk"], "junk"),
        (["ParameterKey=Stage"], "ParameterKey=Stage"),
        (["ParameterKey=Stage,ParameterValue"], "ParameterKey=Stage,ParameterValue"),
        (["=value"], "=value"),
        (["AWS::Region=eu-west-1"], "AWS::Region=eu-west-1"),
    ],
)
def test_bad_input(values, bad, tmp_path: Path) -> None:
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(values, tmp_path)
    assert str(raised.value) == f"Invalid --parameter-overrides '{bad}': {EXPECTED}"


def test_unterminated_quote(tmp_path: Path) -> None:
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(['A="open'], tmp_path)
    assert str(raised.value) == """Invalid --parameter-overrides 'A="open': unterminated " quote"""


def test_toml_file_relative_to_base_dir(tmp_path: Path) -> None:
    text = 'Stage = "dev"\nSubnets = ["a", " b ", ""]\nDebug = true\nSize = 3\n'
    (tmp_path / "params.toml").write_text(text)
    assert parse_parameter_overrides(["file://params.toml"], tmp_path) == {
        "Stage": "dev",
        "Subnets": "a,b",
        "Debug": "true",
        "Size": "3",
    }


def test_yaml_file_with_null_and_list(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text("Stage: prod\nCleared: null\nIds:\n  - 1\n  - 2\nFlag: false\nOff: yes\n")
    assert parse_parameter_overrides("file://p.yml", tmp_path) == {
        "Stage": "prod",
        "Cleared": "",
        "Ids": "1,2",
        "Flag": "false",
        "Off": "yes",  # YAML 1.2 booleans, as SAM's ruamel reads them
    }


def test_file_then_inline_later_wins(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("Stage: prod\nSize: 1\n")
    values = ["file://p.yaml", "Stage=dev"]
    assert parse_parameter_overrides(values, tmp_path) == {"Stage": "dev", "Size": "1"}


def test_include_is_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "base.yaml").write_text("Stage: base\nSize: 1\n")
    (tmp_path / "conf" / "main.toml").write_text('"$include" = "file://base.yaml"\nStage = "main"\n')
    assert parse_parameter_overrides(["file://conf/main.toml"], tmp_path) == {"Stage": "main", "Size": "1"}


def test_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("$include: file://b.yaml\n")
    (tmp_path / "b.yaml").write_text("$include: file://a.yaml\n")
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(["file://a.yaml"], tmp_path)
    assert str(raised.value) == (
        f"Invalid --parameter-overrides 'file://a.yaml': {(tmp_path / 'a.yaml').resolve()} includes itself"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(["file://nope.yaml"], tmp_path)
    path = (tmp_path / "nope.yaml").resolve()
    assert str(raised.value) == (
        f"Invalid --parameter-overrides 'file://nope.yaml': cannot read {path}: No such file or directory"
    )


def test_json_file_is_not_supported(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text("{}")
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(["file://p.json"], tmp_path)
    assert str(raised.value) == (
        "Invalid --parameter-overrides 'file://p.json': only .toml, .yaml and .yml files are supported"
    )


def test_malformed_file_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text("A = 1\nB =\n")
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(["file://p.toml"], tmp_path)
    path = (tmp_path / "p.toml").resolve()
    assert str(raised.value) == (
        f"Invalid --parameter-overrides 'file://p.toml': {path}: Invalid value (at line 2, column 4)"
    )


def test_nested_mapping_value_in_file(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("A:\n  b: 1\n")
    with pytest.raises(ParameterOverrideError) as raised:
        parse_parameter_overrides(["file://p.yaml"], tmp_path)
    assert str(raised.value) == (
        "Invalid --parameter-overrides 'A: {'b': 1}': the value of A must be a string, number, boolean or list"
    )


def test_samconfig_mapping_form(tmp_path: Path) -> None:
    assert parse_parameter_overrides({"Stage": "dev", "N": 2}, tmp_path) == {"Stage": "dev", "N": "2"}
