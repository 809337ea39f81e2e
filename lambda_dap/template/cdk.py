"""What SAM reads from the Metadata `cdk synth` writes: function and stack IDs from construct paths, image assets.

SAM's `ResourceMetadataNormalizer` gives every resource an ID: `Metadata.SamResourceId` when set, else the
construct ID from `Metadata.aws:cdk:path` (`MyStack/Handler/Resource` -> `Handler`, a nested stack's
`MyStack/Orders.NestedStack/Orders.NestedStackResource` -> `Orders`; paths of other lengths keep the logical ID).
A function's full path is built from those IDs, and `sam local invoke Handler` finds it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lambda_dap.template.model import Function
from lambda_dap.template.paths import display_path

CDK_PATH = "aws:cdk:path"
SAM_RESOURCE_ID = "SamResourceId"
SAM_NORMALIZED = "SamNormalized"  # `sam build` wrote the asset paths in already
ASSET_PATH = "aws:asset:path"
ASSET_PROPERTY = "aws:asset:property"
ASSET_DOCKERFILE = "aws:asset:dockerfile-path"
IMAGE_ASSET_PROPERTY = "Code.ImageUri"
_NESTED_STACK_SUFFIX = ".NestedStack"
_CFN_STACK = "AWS::CloudFormation::Stack"


def metadata_of(resource: Any) -> dict[str, Any]:
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def resource_id(resource: Any, logical_id: str) -> str:
    """The ID SAM knows a resource by: SamResourceId, else the construct ID of its aws:cdk:path, else logical ID."""
    metadata = metadata_of(resource)
    custom = metadata.get(SAM_RESOURCE_ID)
    if isinstance(custom, str) and custom:
        return custom
    path = metadata.get(CDK_PATH)
    if not isinstance(path, str) or not path:
        return logical_id
    parts = path.split("/")
    if not 2 <= len(parts) <= 3:  # SAM only reads {stack}/{construct}[/Resource]
        return logical_id
    is_stack = resource.get("Type") == _CFN_STACK
    if parts[-1] == "Resource" or (is_stack and parts[-2].endswith(_NESTED_STACK_SUFFIX)):
        construct = parts[-2]
    else:
        construct = parts[-1]
    if is_stack:
        construct = construct.removesuffix(_NESTED_STACK_SUFFIX)
    return construct


def identified(function: Function, resource: Any, prefix: str) -> Function:
    """`function` with SAM's function ID (its full path is built on it) and its construct path; a CDK Docker
    image asset that `sam build` has not built is refused with what to do."""
    function_id = resource_id(resource, function.logical_id)
    metadata = metadata_of(resource)
    cdk_path = metadata.get(CDK_PATH)
    changes: dict[str, Any] = {
        "full_path": prefix + function_id,
        "function_id": function_id if function_id != function.logical_id else None,
        "cdk_path": cdk_path if isinstance(cdk_path, str) and cdk_path else None,
    }
    problem = _unbuilt_image_asset(metadata, function)
    if problem:
        changes.update(image_uri=None, unsupported_reason=problem)
    return dataclasses.replace(function, **changes)


def _unbuilt_image_asset(metadata: dict[str, Any], function: Function) -> str | None:
    """Why a Docker image asset of cdk.out cannot run as it is: CDK builds and pushes it only on deploy, and the
    template names the ECR repository it would be pushed to."""
    asset = metadata.get(ASSET_PATH)
    if metadata.get(ASSET_PROPERTY) != IMAGE_ASSET_PROPERTY or metadata.get(SAM_NORMALIZED) or not asset:
        return None
    dockerfile = metadata.get(ASSET_DOCKERFILE)
    context = function.template_path.parent / str(asset)
    recipe = context / (dockerfile if isinstance(dockerfile, str) and dockerfile else "Dockerfile")
    return (
        f"Code.ImageUri is a CDK Docker image asset ({display_path(recipe)}) that CDK builds only when it deploys; "
        f"build it first with `sam build -t {display_path(function.template_path)}` and invoke "
        ".aws-sam/build/template.yaml"
    )
