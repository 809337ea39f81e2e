"""A function's Layers: published ARNs, and layers defined in the same template with local content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_dap.template.location import show
from lambda_dap.template.model import Layer
from lambda_dap.template.scope import Properties, StackScope

# Layer resource type -> the property holding its content.
LAYER_CONTENT_PROPERTIES = {
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Lambda::LayerVersion": "Content",
}


class UnsupportedLayer(Exception):
    """A layer that cannot be used locally; the message says why."""


def function_layers(properties: Properties, scope: StackScope) -> tuple[Layer, ...]:
    """The function's layers in order. Raises UnsupportedLayer for one that cannot be had locally."""
    value = properties.resolved("Layers")
    if value is None:
        return ()
    where = properties.where.child("Layers")
    if not isinstance(value, list):
        raise where.error(f"expected a list of layer ARNs or !Ref to layers, got {show(value)}")
    return tuple(_layer(item, index, properties, scope) for index, item in enumerate(value))


def _layer(item: Any, index: int, properties: Properties, scope: StackScope) -> Layer:
    if not isinstance(item, str):
        where = properties.where.child("Layers").child(index)
        raise UnsupportedLayer(f"{where.path} {show(item)} cannot be resolved locally")
    if item.startswith("arn:"):
        return Layer(name=item, arn=item)
    resource = scope.resources.get(item)
    layer_type = resource.get("Type") if isinstance(resource, dict) else None
    if layer_type not in LAYER_CONTENT_PROPERTIES:
        where = properties.where.child("Layers").child(index)
        raise where.error(f"expected a layer ARN or a !Ref to a layer of this template, got {show(item)}")
    return Layer(name=item, content_path=_content_path(item, resource, layer_type, scope))


def _content_path(logical_id: str, resource: dict[str, Any], layer_type: str, scope: StackScope) -> Path:
    key = LAYER_CONTENT_PROPERTIES[layer_type]
    raw = resource.get("Properties")
    content = scope.resolver.resolve(raw.get(key)) if isinstance(raw, dict) else None
    if isinstance(content, str) and "://" not in content:
        return scope.local_path(content)
    field = f"Resources.{logical_id}.Properties.{key}"
    if content is None:
        raise UnsupportedLayer(f"its layer {logical_id} has no {field}")
    raise UnsupportedLayer(f"{field} of its layer is {show(content)}, not a local path")
