"""One `AWS::Serverless::Function` or `AWS::Lambda::Function` resource to a `Function`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dap.template.intrinsics import text_of
from lambda_dap.template.layers import UnsupportedLayer, function_layers
from lambda_dap.template.location import FieldPath, show
from lambda_dap.template.model import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Function
from lambda_dap.template.scope import Properties, StackScope

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
# The Metadata `cdk synth` writes on a resource whose code is a local asset (an `asset.<hash>` directory of cdk.out).
ASSET_PATH = "aws:asset:path"
ASSET_PROPERTY = "aws:asset:property"
IMAGE_ASSET_PROPERTY = "Code.ImageUri"  # a Docker image asset: built by `sam build`, not located here
ARCHITECTURES = ("x86_64", "arm64")
PACKAGE_TYPES = ("Zip", "Image")


@dataclass(frozen=True)
class _Code:
    """Where a function's code comes from, or why it cannot be had locally."""

    path: Path | None = None
    inline: str | None = None
    image_uri: str | None = None
    unsupported: str | None = None


def build_function(logical_id: str, resource_type: str, raw: dict[str, Any], scope: StackScope) -> Function:
    """The Function a resource describes; `raw` holds its Properties with Globals already merged."""
    where = scope.where.child("Resources").child(logical_id).child("Properties")
    properties = Properties(raw, scope.resolver, where)
    package_type = _package_type(properties)
    read_code = _serverless_code if resource_type == SERVERLESS_FUNCTION else _lambda_code
    code = read_code(properties, package_type, scope)
    try:
        layers, layer_problem = function_layers(properties, scope), None
    except UnsupportedLayer as problem:
        layers, layer_problem = (), str(problem)
    function_name = properties.resolved("FunctionName")
    return Function(
        logical_id=logical_id,
        full_path=scope.prefix + logical_id,
        template_path=scope.template_path,
        package_type="Image" if code.image_uri or package_type == "Image" else "Zip",
        function_name=function_name if isinstance(function_name, str) else None,
        runtime=properties.string("Runtime", "a runtime name such as python3.12"),
        handler=properties.string("Handler", "a handler such as app.lambda_handler"),
        code_path=code.path,
        inline_code=code.inline,
        image_uri=code.image_uri,
        image_config=properties.mapping("ImageConfig", "a mapping with EntryPoint, Command, ..."),
        memory_mb=properties.integer("MemorySize", DEFAULT_MEMORY_MB, "megabytes"),
        timeout_s=properties.integer("Timeout", DEFAULT_TIMEOUT_S, "seconds"),
        environment=_environment(properties),
        layers=layers,
        architecture=_architecture(properties),
        logging_config=properties.mapping("LoggingConfig", "a mapping such as {LogFormat: JSON}"),
        tenancy_config=properties.resolved("TenancyConfig"),
        durable_config=properties.resolved("DurableConfig"),
        unsupported_reason=code.unsupported or layer_problem,
    )


def _package_type(properties: Properties) -> str:
    package_type = properties.string("PackageType", "Zip or Image") or "Zip"
    if package_type not in PACKAGE_TYPES:
        raise properties.where.child("PackageType").error(f"expected Zip or Image, got {show(package_type)}")
    return package_type


def _serverless_code(properties: Properties, package_type: str, scope: StackScope) -> _Code:
    where = properties.where
    if package_type == "Image":
        return _image(properties.resolved("ImageUri"), where.child("ImageUri"))
    if "InlineCode" in properties.raw:
        return _inline(properties.resolved("InlineCode"), where.child("InlineCode"))
    code_uri = properties.resolved("CodeUri")
    if code_uri is None:
        return _Code(path=scope.local_path("."))
    return _code_location(code_uri, where.child("CodeUri"), scope)


def _lambda_code(properties: Properties, package_type: str, scope: StackScope) -> _Code:
    where = properties.where.child("Code")
    code = properties.resolved("Code")
    if isinstance(code, dict) and (package_type == "Image" or "ImageUri" in code):
        return _image(code.get("ImageUri"), where.child("ImageUri"))
    if isinstance(code, dict) and "ZipFile" in code:
        return _inline(code["ZipFile"], where.child("ZipFile"))
    if code is None:
        return _Code(path=scope.local_path("."))  # SAM's default, as for a Serverless function without CodeUri
    return _code_location(code, where, scope)


def _image(image_uri: Any, where: FieldPath) -> _Code:
    if isinstance(image_uri, str) and image_uri:
        return _Code(image_uri=image_uri)
    if image_uri is None:
        return _Code(unsupported=f"PackageType is Image but {where.path} is missing (run `sam build`)")
    return _Code(unsupported=f"{where.path} {show(image_uri)} cannot be resolved locally")


def _inline(code: Any, where: FieldPath) -> _Code:
    if isinstance(code, str):
        return _Code(inline=code)
    return _Code(unsupported=f"{where.path} {show(code)} cannot be resolved locally")


def _code_location(location: Any, where: FieldPath, scope: StackScope) -> _Code:
    """A local path string becomes the code path; S3 locations and unresolved values cannot run locally."""
    if isinstance(location, str) and "://" not in location:
        return _Code(path=scope.local_path(location))
    if isinstance(location, str) or _is_s3_location(location):
        return _Code(unsupported=f"{where.path} is {show(location)}, not a local path (run `sam build`)")
    return _Code(unsupported=f"{where.path} {show(location)} cannot be resolved locally")


def _is_s3_location(location: Any) -> bool:
    return isinstance(location, dict) and bool({"Bucket", "Key", "S3Bucket", "S3Key"} & location.keys())


def with_asset_paths(resources: dict[Any, Any]) -> dict[Any, Any]:
    """The resources with each CDK asset path put where its `aws:asset:property` says, as SAM does first.

    SAM's `ResourceMetadataNormalizer` replaces the property (`Code`, `CodeUri`, `Content`, ...) with
    `Metadata.aws:asset:path`, so the local asset wins over the S3 location CDK synthesized; the path is then
    relative to the template's directory (cdk.out) like any local code path. Image assets are left alone.
    """
    return {key: _with_asset_path(resource) for key, resource in resources.items()}


def _with_asset_path(resource: Any) -> Any:
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    if not isinstance(metadata, dict):
        return resource
    path, key = metadata.get(ASSET_PATH), metadata.get(ASSET_PROPERTY)
    if not (isinstance(path, str) and path and isinstance(key, str) and key) or key == IMAGE_ASSET_PROPERTY:
        return resource
    if metadata.get("SamNormalized"):  # `sam build` put its own path there already
        return resource
    properties = resource.get("Properties")
    replaced = dict(properties) if isinstance(properties, dict) else {}
    *parents, last = key.split(".")
    target = replaced
    for parent in parents:
        child = target.get(parent)
        target[parent] = dict(child) if isinstance(child, dict) else {}
        target = target[parent]
    target[last] = path
    return {**resource, "Properties": replaced}


def _environment(properties: Properties) -> dict[str, Any]:
    environment = properties.mapping("Environment", "a mapping with Variables")
    variables = environment.get("Variables")
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        where = properties.where.child("Environment").child("Variables")
        raise where.error(f"expected a mapping of variable names to values, got {show(variables)}")
    return {str(name): _as_text(value) for name, value in variables.items()}


def _as_text(value: Any) -> Any:
    """Numbers and booleans as CloudFormation passes them to Lambda (`true`, `8080`); the rest unchanged."""
    return text_of(value) if isinstance(value, bool | int | float) else value


def _architecture(properties: Properties) -> str:
    value = properties.resolved("Architectures")
    if value is None:
        return ARCHITECTURES[0]
    if isinstance(value, list) and len(value) == 1 and value[0] in ARCHITECTURES:
        return value[0]
    hint = (
        " (Globals lists are added to the function's; see IgnoreGlobals)"
        if isinstance(value, list) and len(value) > 1
        else ""
    )
    where = properties.where.child("Architectures")
    raise where.error(f"expected a one-element list, [x86_64] or [arm64], got {show(value)}{hint}")
