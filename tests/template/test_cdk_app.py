"""A cdk.out tree as `cdk synth` writes it, read as SAM CLI 1.170 reads it: function IDs from `aws:cdk:path`
(full paths built on them, nested CDK stacks named by their construct ID), lookups by logical ID, function ID or
construct path, asset directories for code and layers, Docker image assets refused with what to do."""

from __future__ import annotations

import pytest

from lambda_dap.errors import FunctionNotFound, UnsupportedFunction
from lambda_dap.template import Layer, load_functions

from .conftest import FIXTURES, WriteTemplate

CDK_OUT = FIXTURES / "cdk-app" / "cdk.out"
TEMPLATE = CDK_OUT / "MyStack.template.json"
HELLO_ASSET = CDK_OUT / "asset.2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
LAYER_ASSET = CDK_OUT / "asset.dac1d7cfa95021764849fd102524e141488c5e3a90f861dbb5a12d9ac8584f85"
ORDERS_ASSET = CDK_OUT / "asset.1c168adb00d208e42f93314529f1fa9c0427eb63233ceda95a5db52b7012a719"
IMAGE_ASSET = "asset.6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d"


def test_functions_are_listed_by_sams_full_paths() -> None:
    catalog = load_functions(TEMPLATE)

    assert catalog.full_paths == ["Hello", "Thumbnailer", "Orders/ProcessOrder5E6F7A8B"]
    hello = catalog.find("Hello")
    assert (hello.logical_id, hello.function_id, hello.cdk_path) == ("Hello4A628BD4", "Hello", "MyStack/Hello/Resource")
    assert (hello.code_path, hello.handler, hello.runtime) == (HELLO_ASSET, "index.handler", "python3.12")
    assert (hello.memory_mb, hello.timeout_s) == (256, 10)
    assert hello.layers == (Layer(name="SharedLayerC5A4F2E1", content_path=LAYER_ASSET),)
    assert hello.environment == {"GREETING": "hello from cdk", "TABLE_NAME": "GreetingsTableB2D3E4F5"}
    nested = catalog.find("Orders/ProcessOrder5E6F7A8B")  # its aws:cdk:path has 4 parts: SAM keeps the logical ID
    assert (nested.code_path, nested.function_id) == (ORDERS_ASSET, None)
    assert nested.environment == {"STAGE": "orders"}


@pytest.mark.parametrize(
    ("identifier", "full_path"),
    [
        ("Hello", "Hello"),  # the construct ID, as SAM's documentation shows it
        ("Hello4A628BD4", "Hello"),  # the logical ID
        ("MyStack/Hello", "Hello"),  # the construct path (lambda-dap; SAM does not take it)
        ("MyStack/Hello/Resource", "Hello"),  # aws:cdk:path as written
        ("ProcessOrder5E6F7A8B", "Orders/ProcessOrder5E6F7A8B"),
        ("Orders/ProcessOrder5E6F7A8B", "Orders/ProcessOrder5E6F7A8B"),
        ("MyStack/Orders/ProcessOrder", "Orders/ProcessOrder5E6F7A8B"),
        ("arn:aws:lambda:us-east-1:123456789012:function:Hello", "Hello"),
    ],
)
def test_a_cdk_function_is_found_by_any_of_its_names(identifier: str, full_path: str) -> None:
    assert load_functions(TEMPLATE).find(identifier).full_path == full_path


def test_an_unknown_name_lists_the_full_paths() -> None:
    with pytest.raises(FunctionNotFound) as error:
        load_functions(TEMPLATE).find("MyStack/Goodbye")

    assert str(error.value).endswith("Functions: Hello, Thumbnailer, Orders/ProcessOrder5E6F7A8B")


def test_an_unbuilt_docker_image_asset_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CDK_OUT.parent)
    catalog = load_functions(TEMPLATE)

    with pytest.raises(UnsupportedFunction) as error:
        catalog.find("MyStack/Thumbnailer")

    assert str(error.value) == (
        "Function 'Thumbnailer' in cdk.out/MyStack.template.json cannot run locally: Code.ImageUri is a CDK Docker "
        f"image asset (cdk.out/{IMAGE_ASSET}/Dockerfile) that CDK builds only when it deploys; build it first "
        "with `sam build -t cdk.out/MyStack.template.json` and invoke .aws-sam/build/template.yaml"
    )


def test_sam_resource_id_and_construct_paths_sam_does_not_read(write_template: WriteTemplate) -> None:
    write_template(
        """
        Resources:
          InnerFnAB12:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12}
            Metadata: {aws:cdk:path: Top/Inner/InnerFn/Resource}
        """,
        name="inner.yaml",
    )
    template = write_template(
        """
        Resources:
          CustomFn1234:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12}
            Metadata: {SamResourceId: Custom, aws:cdk:path: Top/Ignored/Resource}
          DeepFnCD34:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12}
            Metadata: {aws:cdk:path: Top/Group/Deep/Resource}
          PlainPathEF56:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12}
            Metadata: {aws:cdk:path: Top/PlainPath}
          InnerNestedStackInnerNestedStackResource77:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: inner.yaml}
            Metadata: {aws:cdk:path: Top/Inner.NestedStack/Inner.NestedStackResource}
        """
    )
    catalog = load_functions(template)

    assert catalog.full_paths == ["Custom", "DeepFnCD34", "PlainPath", "Inner/InnerFnAB12"]
    assert catalog.find("Top/Group/Deep").logical_id == "DeepFnCD34"
    assert catalog.find("Top/Inner/InnerFn").full_path == "Inner/InnerFnAB12"
    assert catalog.find("Inner/InnerFnAB12").logical_id == "InnerFnAB12"
    assert catalog.find("Custom").logical_id == "CustomFn1234"
