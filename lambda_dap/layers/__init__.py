"""Function layers as one directory to mount at /opt: local dirs and zips, published ARNs, merged in order."""

from lambda_dap.layers.opt import default_layer_cache_dir, prepare_opt_dir, print_to_stderr

__all__ = ["default_layer_cache_dir", "prepare_opt_dir", "print_to_stderr"]
