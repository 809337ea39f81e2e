"""What a template says about its functions, resolved as far as it can be locally."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


@dataclass(frozen=True)
class Layer:
    """A layer of a function: a local one (`content_path`) or a published one (`arn`)."""

    name: str  # the logical ID of a template layer, or the ARN
    arn: str | None = None
    content_path: Path | None = None  # absolute directory or .zip of a template-defined layer


@dataclass(frozen=True)
class Function:
    """One Lambda function of a (possibly nested) stack."""

    logical_id: str
    full_path: str  # "Child/Func" inside nested stacks, else the function ID
    template_path: Path  # the template that defines it (absolute)
    package_type: str = "Zip"  # "Zip" | "Image"
    function_name: str | None = None  # the FunctionName property, when it resolved to a string
    runtime: str | None = None
    handler: str | None = None
    code_path: Path | None = None  # absolute directory, .zip or .jar; None for InlineCode and images
    inline_code: str | None = None
    image_uri: str | None = None
    image_config: dict[str, Any] = field(default_factory=dict)  # EntryPoint, Command, WorkingDirectory
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: int = DEFAULT_TIMEOUT_S
    environment: dict[str, Any] = field(default_factory=dict)  # Environment.Variables, resolved if possible
    layers: tuple[Layer, ...] = ()
    architecture: str = "x86_64"  # "x86_64" | "arm64"
    logging_config: dict[str, Any] = field(default_factory=dict)
    tenancy_config: Any = None  # TenancyConfig as written (a non-empty mapping: a multi-tenant function, as SAM)
    durable_config: Any = None  # DurableConfig as written
    unsupported_reason: str | None = None  # why find() refuses it (S3 code, ...)
    function_id: str | None = None  # SAM's function ID (Metadata SamResourceId or from aws:cdk:path); None: logical ID
    cdk_path: str | None = None  # Metadata aws:cdk:path, the CDK construct path (MyStack/Handler/Resource)
