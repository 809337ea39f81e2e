#!/bin/sh
# DebugClient spawns `runtime executable` (one argument): this script runs the adapter command line given in
# LAMBDA_DAP_ADAPTER (e.g. "python3 -m lambda_dap --stdio") in its place, so the adapter is DebugClient's child.
[ -n "$LAMBDA_DAP_ADAPTER" ] || { echo "adapter.sh: set LAMBDA_DAP_ADAPTER to the adapter's command" >&2; exit 2; }
eval "exec $LAMBDA_DAP_ADAPTER"
