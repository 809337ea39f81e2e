"""load_functions on templates in the style of public SAM applications: the resolved fields users rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.template import Function, Layer, load_functions
from lambda_dap.template.model import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

from .conftest import FIXTURES, WriteTemplate


def functions_of(name: str, template: str = "template.yaml", **kwargs: object) -> dict[str, Function]:
    catalog = load_functions(FIXTURES / name / template, **kwargs)  # type: ignore[arg-type]
    return {function.full_path: function for function in catalog.functions}


def test_hello_world() -> None:
    root = FIXTURES / "hello-world"
    (function,) = functions_of("hello-world").values()

    assert function == Function(
        logical_id="HelloWorldFunction",
        full_path="HelloWorldFunction",
        template_path=root / "template.yaml",
        runtime="python3.13",
        handler="app.lambda_handler",
        code_path=root / "hello_world",
        memory_mb=128,
        timeout_s=3,
        architecture="x86_64",
        logging_config={"LogFormat": "JSON"},
    )


def test_globals_are_merged_into_serverless_functions_only() -> None:
    root = FIXTURES / "globals-heavy"
    functions = functions_of("globals-heavy")
    powertools = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"

    assert list(functions) == ["CreateOrderFunction", "GetOrderFunction", "ReportFunction", "LegacyFunction"]
    create, get, report, legacy = functions.values()

    assert (create.runtime, create.handler, create.timeout_s, create.memory_mb) == (
        "python3.12",
        "app.handler",
        10,
        256,
    )
    assert create.architecture == "arm64"
    assert create.code_path == root / "src" / "create_order"
    assert create.environment == {
        "TABLE_NAME": "orders-table",
        "POWERTOOLS_SERVICE_NAME": "orders",
        "LOG_LEVEL": "DEBUG",
        "QUEUE_URL": "OrdersQueue",
    }
    assert create.layers == (
        Layer(name=powertools, arn=powertools),
        Layer(name="SharedLayer", content_path=root / "layers" / "shared"),
    )
    assert create.logging_config == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"}

    assert (get.handler, get.timeout_s, get.memory_mb, get.architecture) == ("get.handler", 30, 1024, "x86_64")
    assert get.logging_config == {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"}
    assert get.environment["LOG_LEVEL"] == "INFO"
    assert get.layers == ()  # IgnoreGlobals: [Architectures, Layers]

    assert report == Function(  # IgnoreGlobals: "*"
        logical_id="ReportFunction",
        full_path="ReportFunction",
        template_path=root / "template.yaml",
        runtime="python3.13",
        handler="report.handler",
        code_path=root / "src" / "report",
    )

    assert legacy.runtime == "nodejs20.x"
    assert legacy.code_path == root / "src" / "legacy"
    assert (legacy.timeout_s, legacy.memory_mb, legacy.environment, legacy.layers) == (
        DEFAULT_TIMEOUT_S,
        DEFAULT_MEMORY_MB,
        {},
        (),
    )


def test_parameters_conditions_and_mappings() -> None:
    functions = functions_of("parameters")

    assert list(functions) == ["ApiFunction", "WorkerFunction"]  # ProdOnlyFunction's condition is false
    api = functions["ApiFunction"]
    assert api.function_name == "local-api-dev"
    assert (api.memory_mb, api.timeout_s) == (512, 15)
    assert api.environment == {
        "STAGE": "dev",
        "LOG_LEVEL": "DEBUG",
        "DOMAIN": "dev.example.com",
        "ACCOUNT_NAME": "sandbox",
        "FIRST_SUBNET": "subnet-aaa",
        "SUBNETS": "subnet-aaa;subnet-bbb;subnet-ccc",
        "SECOND_GROUP": "sg-222",
        "HOST_PART": "dev",
        "BANNER": "aGVsbG8=",
        "VERBOSE": "yes",
        "ENDPOINT": "https://dev.example.com/dev/${Literal}",
        "URL_SUFFIX": "localhost",
        "PARTITION": "aws",
        "STACK_ID": "arn:aws:cloudformation:us-east-1:123456789012:stack/local/51af3dc0-da77-11e4-872e-1234567db123",
        "WORKER_ARN": "arn:aws:lambda:us-east-1:123456789012:function:worker-dev",
        "WORKER_NAME": "WorkerFunction",
        "SECRET": {"Ref": "ApiKeySecret"},
        "IMPORTED": {"Fn::ImportValue": "shared-vpc-id"},
        "TABLE_ARN": {"Fn::GetAtt": ["Table", "Arn"]},
    }
    assert functions["WorkerFunction"].function_name == "worker-dev"


def test_parameter_overrides_and_region() -> None:
    overrides = {
        "Stage": "prod",
        "EnableDebug": "true",
        "FunctionMemory": "2048",
        "ApiKeySecret": "s3cr3t",
        "AWS::Region": "cn-north-1",
        "Unknown": "ignored",
    }
    functions = functions_of("parameters", parameter_overrides=overrides)

    assert list(functions) == ["ApiFunction", "WorkerFunction", "ProdOnlyFunction"]
    api = functions["ApiFunction"]
    assert (api.memory_mb, api.timeout_s) == (2048, 30)
    environment = api.environment
    assert environment["LOG_LEVEL"] == "WARN"
    assert environment["VERBOSE"] == "yes"
    assert environment["PROD_DEBUG"] == "yes"
    assert environment["SECRET"] == "s3cr3t"
    assert environment["PARTITION"] == "aws-cn"
    assert environment["URL_SUFFIX"] == "localhost"  # as SAM has it in every region
    assert environment["WORKER_ARN"] == "arn:aws-cn:lambda:cn-north-1:123456789012:function:worker-prod"


def test_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")

    api = functions_of("parameters")["ApiFunction"]

    assert api.environment["WORKER_ARN"] == "arn:aws:lambda:eu-west-3:123456789012:function:worker-dev"


def test_json_template() -> None:
    root = FIXTURES / "json-app"
    (function,) = functions_of("json-app", "template.json").values()

    assert function.code_path == root / "greeter"
    assert (function.runtime, function.handler, function.memory_mb, function.timeout_s) == (
        "nodejs20.x",
        "index.handler",
        256,
        20,
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function:GreeterFunction"
    assert function.environment == {
        "GREETING": "Hello",
        "REGION_GREETING": "Hello from us-east-1",
        "SELF_ARN": arn,
        "SELF_ARN_DOTTED": arn,
    }


def test_layers() -> None:
    root = FIXTURES / "layers"
    functions = functions_of("layers")
    insights = "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53"
    tools = "arn:aws:lambda:us-east-1:123456789012:layer:tools:3"

    process = functions["ProcessFunction"]
    assert process.layers == (
        Layer(name=insights, arn=insights),
        Layer(name="DependenciesLayer", content_path=root / "layers" / "dependencies"),
        Layer(name="UtilsLayer", content_path=root / "layers" / "utils.zip"),
        Layer(name=tools, arn=tools),
    )
    assert process.unsupported_reason is None

    published = functions["PublishedLayerFunction"]
    assert published.layers == ()
    assert published.unsupported_reason == (
        'Resources.PublishedLayer.Properties.Content of its layer is {"S3Bucket": "my-bucket", "S3Key": '
        '"layer.zip"}, not a local path'
    )
    assert functions["UnknownLayerFunction"].unsupported_reason == (
        'Resources.UnknownLayerFunction.Properties.Layers[1] {"Fn::ImportValue": "shared-layer-arn"} '
        "cannot be resolved locally"
    )


def test_image_functions() -> None:
    functions = functions_of("image")

    built = functions["BuiltImageFunction"]
    assert (built.package_type, built.image_uri, built.code_path, built.handler) == (
        "Image",
        "builtimagefunction:python3.12-v1",
        None,
        None,
    )
    assert built.image_config == {
        "Command": ["app.lambda_handler"],
        "EntryPoint": ["/lambda-entrypoint.sh"],
        "WorkingDirectory": "/var/task",
    }
    assert (built.architecture, built.memory_mb, built.timeout_s) == ("arm64", 2048, 60)

    unbuilt = functions["UnbuiltImageFunction"]
    assert unbuilt.package_type == "Image"
    assert unbuilt.unsupported_reason == (
        "PackageType is Image but Resources.UnbuiltImageFunction.Properties.ImageUri is missing (run `sam build`)"
    )

    ecr = functions["EcrImageFunction"]
    assert (ecr.package_type, ecr.image_uri, ecr.image_config) == (
        "Image",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest",
        {"Command": ["handler.main"]},
    )
    assert ecr.unsupported_reason is None


def test_lambda_functions_and_code_locations() -> None:
    root = FIXTURES / "lambda-function"
    functions = functions_of("lambda-function")

    inline = functions["InlineFunction"]
    assert inline.inline_code == 'def handler(event, context):\n    return {"statusCode": 200}\n'
    assert (inline.code_path, inline.timeout_s, inline.unsupported_reason) == (None, 5, None)

    packaged = functions["PackagedFunction"]
    assert (packaged.code_path, packaged.function_name, packaged.memory_mb) == (
        root / "build" / "packaged.zip",
        "packaged-fn",
        512,
    )

    assert functions["ServerlessInline"].inline_code == "exports.handler = async () => 'hi';"
    assert functions["S3Function"].unsupported_reason == (
        'Resources.S3Function.Properties.Code is {"S3Bucket": "my-deploy-bucket", "S3Key": "functions/main.zip"}, '
        "not a local path (run `sam build`)"
    )
    assert functions["S3CodeUriFunction"].unsupported_reason == (
        'Resources.S3CodeUriFunction.Properties.CodeUri is "s3://my-bucket/function.zip", not a local path '
        "(run `sam build`)"
    )
    assert functions["S3DictCodeUriFunction"].code_path is None
    assert functions["S3DictCodeUriFunction"].unsupported_reason.startswith(
        "Resources.S3DictCodeUriFunction.Properties.CodeUri is {"
    )


def test_code_paths_start_at_base_dir_when_given(tmp_path: Path) -> None:
    functions = functions_of("globals-heavy", base_dir=tmp_path / "mounted")

    assert functions["CreateOrderFunction"].code_path == tmp_path / "mounted" / "src" / "create_order"
    assert functions["CreateOrderFunction"].layers[1].content_path == tmp_path / "mounted" / "layers" / "shared"


def test_environment_numbers_and_booleans_become_text(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Environment:
                Variables: {PORT: 8080, DEBUG: true, RATIO: 0.5, NAME: x, 42: answer, LIST: [a]}
        """
    )

    (function,) = load_functions(path).functions

    assert function.environment == {
        "PORT": "8080",
        "DEBUG": "true",
        "RATIO": "0.5",
        "NAME": "x",
        "42": "answer",
        "LIST": ["a"],
    }


def test_relative_template_path_gives_absolute_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "hello-world")

    (function,) = load_functions(Path("template.yaml")).functions

    assert function.template_path == FIXTURES / "hello-world" / "template.yaml"
    assert function.code_path == FIXTURES / "hello-world" / "hello_world"
