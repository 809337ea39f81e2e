"""Where `AWS::Lambda::Function` code and CDK assets are found, as SAM 1.170 finds them.

SAM runs a Lambda function without `Code` from its template's directory, takes a `Code` string as a path relative to
the template, and puts a CDK asset (`Metadata.aws:asset:path` + `aws:asset:property`) in place of the S3 location
`cdk synth` wrote, relative to the template in cdk.out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_dap.errors import UnsupportedFunction
from lambda_dap.template import Layer, load_functions
from tests.invoke import conftest as invoke_conftest

from .conftest import FIXTURES, WriteTemplate

CDK_OUT = FIXTURES / "cdk" / "cdk.out"
MIXED = FIXTURES / "lambda-mixed"
invoke_cli = invoke_conftest.invoke_cli  # the fixture `lambda-dap invoke` runs through, for the end-to-end test


def functions_in(template: Path, **kwargs: object) -> dict:
    return {function.full_path: function for function in load_functions(template, **kwargs)}  # type: ignore[arg-type]


def test_a_cdk_asset_takes_the_place_of_the_synthesized_s3_code() -> None:
    functions = functions_in(CDK_OUT / "MyStack.template.json")

    assert list(functions) == ["Handler", "SamFunction"]  # SAM's full paths: construct IDs of aws:cdk:path
    handler = functions["Handler"]
    assert (handler.logical_id, handler.function_id) == ("Handler886CB40B", "Handler")
    assert handler.unsupported_reason is None
    assert handler.code_path == CDK_OUT / "asset.abc123"
    assert (handler.code_path / "index.py").is_file()
    assert (handler.handler, handler.runtime, handler.timeout_s) == ("index.handler", "python3.11", 10)
    assert handler.function_name == "my-stack-handler"
    assert handler.environment == {"TABLE_NAME": "orders"}
    assert handler.layers == (Layer(name="SharedLayer3E1B2C1D", content_path=CDK_OUT / "asset.def456"),)


def test_a_cdk_serverless_function_gets_its_asset_as_code_uri() -> None:
    sam = functions_in(CDK_OUT / "MyStack.template.json")["SamFunction"]

    assert (sam.code_path, sam.unsupported_reason) == (CDK_OUT / "asset.sam789", None)


def test_cdk_functions_are_found_by_logical_id_and_function_name() -> None:
    catalog = load_functions(CDK_OUT / "MyStack.template.json")

    assert catalog.find("my-stack-handler").logical_id == "Handler886CB40B"
    assert catalog.find("Handler886CB40B").code_path == CDK_OUT / "asset.abc123"


def test_asset_metadata_with_only_one_key_changes_nothing(write_template: WriteTemplate) -> None:
    template = write_template(
        """
        Resources:
          OnlyPath:
            Type: AWS::Lambda::Function
            Properties:
              Handler: index.handler
              Runtime: python3.12
              Code: {S3Bucket: bucket, S3Key: key.zip}
            Metadata:
              aws:asset:path: asset.0001
          OnlyProperty:
            Type: AWS::Lambda::Function
            Properties:
              Handler: index.handler
              Runtime: python3.12
              Code: handlers/
            Metadata:
              aws:asset:property: Code
        """
    )
    functions = functions_in(template)

    assert functions["OnlyPath"].code_path is None
    assert functions["OnlyPath"].unsupported_reason.startswith("Resources.OnlyPath.Properties.Code is {")
    assert functions["OnlyProperty"].code_path == template.parent / "handlers"


def test_a_cdk_image_asset_is_not_taken_for_a_code_directory(write_template: WriteTemplate) -> None:
    template = write_template(
        """
        Resources:
          ImageFunction:
            Type: AWS::Lambda::Function
            Properties:
              PackageType: Image
              Code:
                ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds:abc
            Metadata:
              aws:asset:path: asset.0002
              aws:asset:property: Code.ImageUri
        """
    )
    catalog = load_functions(template)
    (function,) = catalog

    assert (function.package_type, function.code_path, function.image_uri) == ("Image", None, None)
    with pytest.raises(UnsupportedFunction) as refused:
        catalog.find("ImageFunction")
    assert str(refused.value) == (
        "Function 'ImageFunction' in template.yaml cannot run locally: Code.ImageUri is a CDK Docker image asset "
        "(asset.0002/Dockerfile) that CDK builds only when it deploys; build it first with "
        "`sam build -t template.yaml` and invoke .aws-sam/build/template.yaml"
    )


def test_a_template_sam_build_wrote_keeps_its_image_and_code(write_template: WriteTemplate) -> None:
    template = write_template(
        """
        Resources:
          ImageFunction:
            Type: AWS::Lambda::Function
            Properties:
              PackageType: Image
              Code: {ImageUri: "imagefunction:latest"}
            Metadata:
              aws:asset:path: asset.0002
              aws:asset:property: Code.ImageUri
              SamNormalized: true
          ZipFunction:
            Type: AWS::Lambda::Function
            Properties:
              Code: ZipFunction
              Handler: index.handler
              Runtime: python3.12
            Metadata:
              aws:asset:path: asset.0003
              aws:asset:property: Code
              SamNormalized: true
        """
    )
    functions = functions_in(template)

    assert (functions["ImageFunction"].image_uri, functions["ImageFunction"].unsupported_reason) == (
        "imagefunction:latest",
        None,
    )
    assert functions["ZipFunction"].code_path == template.parent / "ZipFunction"  # the built code, not the asset


def test_asset_paths_start_at_base_dir_when_given(tmp_path: Path) -> None:
    handler = functions_in(CDK_OUT / "MyStack.template.json", base_dir=tmp_path)["Handler"]

    assert handler.code_path == tmp_path / "asset.abc123"


def test_lambda_functions_next_to_serverless_ones() -> None:
    functions = functions_in(MIXED / "template.yaml", parameter_overrides={"Stage": "qa"})

    assert list(functions) == [
        "ApiFunction",
        "CronFunction",
        "WorkerFunction",
        "SubApp/Function",
        "SubApp/PackedFunction",
    ]
    api = functions["ApiFunction"]
    assert (api.code_path, api.timeout_s) == (MIXED / "src", 8)

    cron = functions["CronFunction"]  # no Code: the template's directory
    assert (cron.code_path, cron.unsupported_reason) == (MIXED, None)
    assert cron.timeout_s == 3  # Globals are for Serverless functions only

    worker = functions["WorkerFunction"]
    assert (worker.code_path, worker.function_name, worker.memory_mb) == (MIXED / "src", "qa-worker", 256)

    nested = functions["SubApp/Function"]  # the nested template's directory, not the parent's
    assert (nested.code_path, nested.function_name) == (MIXED / "sub-app", "qa-sub-function")
    assert functions["SubApp/PackedFunction"].code_path == MIXED / "sub-app" / "src"


def test_lambda_functions_are_found_by_path_and_function_name() -> None:
    catalog = load_functions(MIXED / "template.yaml")

    assert catalog.find("CronFunction").code_path == MIXED
    assert catalog.find("dev-worker").logical_id == "WorkerFunction"
    assert catalog.find("SubApp/Function").code_path == MIXED / "sub-app"
    assert catalog.find("dev-sub-function").full_path == "SubApp/Function"
    assert catalog.find("SubApp/dev-sub-function").full_path == "SubApp/Function"


@pytest.mark.docker
def test_lambda_dap_invoke_runs_the_cdk_asset(invoke_cli, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"order": 7}), encoding="utf-8")

    run = invoke_cli("Handler886CB40B", "-t", "MyStack.template.json", "-e", str(event), cwd=CDK_OUT)

    assert run.code == 0, run.stderr
    assert run.json["statusCode"] == 200
    assert json.loads(run.json["body"]) == {"from": "cdk asset", "event": {"order": 7}, "table": "orders"}
