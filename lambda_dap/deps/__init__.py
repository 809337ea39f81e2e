"""A function's dependencies without `sam build`: requirements.txt (pip) or package.json (npm) installed for its
runtime and architecture into lambda-dap's cache, mounted read-only beside the untouched code directory."""

from lambda_dap.deps.cache import cache_key, cache_root
from lambda_dap.deps.install import InstalledDependencies, install_dependencies
from lambda_dap.deps.manifest import Manifest, find_manifest

__all__ = ["InstalledDependencies", "Manifest", "cache_key", "cache_root", "find_manifest", "install_dependencies"]
