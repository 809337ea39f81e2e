"""Published layer version ARNs: parsing and the cache directory name SAM uses for them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from lambda_dap.errors import LayerError

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
    r":layer:(?P<name>[A-Za-z0-9_-]{1,140}):(?P<version>[1-9]\d*)"
)


@dataclass(frozen=True)
class LayerArn:
    """`arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`, split."""

    arn: str
    partition: str
    region: str
    account: str
    name: str
    version: int

    @classmethod
    def parse(cls, arn: str) -> LayerArn:
        match = _ARN.fullmatch(arn.strip())
        if not match:
            raise LayerError(
                f"'{arn}' is an Invalid Layer Arn. Expected arn:aws:lambda:<region>:<account>:layer:<name>:<version>"
            )
        return cls(arn.strip(), **{**match.groupdict(), "version": int(match["version"])})

    @property
    def layer_arn(self) -> str:
        """The ARN without the version (the `LayerName` of GetLayerVersion)."""
        return self.arn.rsplit(":", 1)[0]

    @property
    def cache_name(self) -> str:
        """`<name>-<version>-<sha256(arn)[:10]>`, the directory name SAM gives the layer in its cache."""
        digest = hashlib.sha256(self.arn.encode("utf-8")).hexdigest()[:10]
        return f"{self.name}-{self.version}-{digest}"
