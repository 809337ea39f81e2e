"""Facts about Lambda runtime identifiers: their family, their official image, their source file suffix."""

from __future__ import annotations

import re

from lambda_dap.errors import OptionError

IMAGE_REPOSITORY = "public.ecr.aws/lambda"

_PATTERNS = (
    ("python", re.compile(r"^python(?P<tag>\d+\.\d+)$"), ".py"),
    ("nodejs", re.compile(r"^nodejs(?P<tag>\d+)\.x$"), ".mjs"),
    ("java", re.compile(r"^java(?P<tag>\d+(\.al2(023)?)?)$"), ".java"),
    ("dotnet", re.compile(r"^dotnet(?P<tag>\d+)$"), ".cs"),
    ("ruby", re.compile(r"^ruby(?P<tag>\d+\.\d+)$"), ".rb"),
    ("provided", re.compile(r"^provided(\.(?P<tag>al2(023)?))?$"), ""),
    ("go", re.compile(r"^go(?P<tag>1)\.x$"), ".go"),
)

# Runtimes published for x86_64 only: their image tags carry no architecture suffix.
_SINGLE_ARCH = {"provided", "go1.x", "java8", "nodejs12.x", "python3.7"}


def runtime_family(runtime: str) -> str:
    """'python3.12' -> 'python', 'provided.al2023' -> 'provided'; raises for an unknown identifier."""
    for family, pattern, _ in _PATTERNS:
        if pattern.match(runtime):
            return family
    raise OptionError(
        f"Unknown runtime '{runtime}': expected a Lambda runtime such as python3.12, nodejs20.x, java21, "
        "dotnet8, ruby3.3 or provided.al2023"
    )


def default_image(runtime: str, architecture: str = "x86_64") -> str:
    """The official image Lambda's managed runtime runs in, e.g. public.ecr.aws/lambda/python:3.12-x86_64."""
    for family, pattern, _ in _PATTERNS:
        match = pattern.match(runtime)
        if match:
            tag = match["tag"] or "alami"
            if runtime not in _SINGLE_ARCH:
                tag = f"{tag}-{architecture}"
            return f"{IMAGE_REPOSITORY}/{family}:{tag}"
    runtime_family(runtime)  # raises
    raise AssertionError("unreachable")


def source_suffix(runtime: str) -> str:
    """The file suffix of inline code for a runtime ('.py' for Python)."""
    for _, pattern, suffix in _PATTERNS:
        if pattern.match(runtime):
            return suffix
    return ""


_IMAGE_RUNTIME = re.compile(r"lambda/(?P<family>python|nodejs|java|dotnet|ruby|provided)[:](?P<tag>[\w.]+?)(-|$)")


def runtime_of_image(image: str) -> str | None:
    """'public.ecr.aws/lambda/python:3.12-x86_64' -> 'python3.12' (an image function's runtime, for debugging)."""
    match = _IMAGE_RUNTIME.search(image)
    if match is None:
        return None
    family, tag = match["family"], match["tag"]
    return {"nodejs": f"nodejs{tag}.x", "provided": f"provided.{tag}"}.get(family, f"{family}{tag}")
