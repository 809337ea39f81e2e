from pathlib import Path

import pytest

from lambda_dap.template import default_template_path


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ([], "template.yaml"),
        (["template.json"], "template.json"),
        (["template.yml", "template.json"], "template.yml"),
        (["template.yaml", "template.yml"], "template.yaml"),
        (["template.yaml", ".aws-sam/build/template.yaml"], ".aws-sam/build/template.yaml"),
    ],
)
def test_default_template_path_prefers_built_then_yaml_yml_json(
    tmp_path: Path, present: list[str], expected: str
) -> None:
    for name in present:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Resources: {}\n")

    assert default_template_path(tmp_path) == tmp_path / expected


def test_default_template_path_ignores_a_directory_named_like_a_template(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").mkdir()
    (tmp_path / "template.json").write_text("{}")

    assert default_template_path(tmp_path) == tmp_path / "template.json"
