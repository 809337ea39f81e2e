#!/bin/sh
# lambda-dap's entrypoint inside a function container (mounted read-only at /var/lambda-dap).
#
# With arguments, it runs them: an image function's own ENTRYPOINT and CMD, or a debugger command line.
# Without, it runs the runtime the way Lambda finds it: /var/task/bootstrap, /opt/bootstrap,
# /var/runtime/bootstrap, and for images that have none, lambda-dap's own stdlib-only Python runtime client.
# AWS_LAMBDA_EXEC_WRAPPER wraps the managed runtimes, as Lambda does (not custom bootstraps).

custom=""
if [ "$#" -eq 0 ]; then
  for candidate in /var/task/bootstrap /opt/bootstrap; do
    if [ -f "$candidate" ]; then set -- "$candidate"; custom=1; break; fi
  done
fi
if [ "$#" -eq 0 ] && [ -f /var/runtime/bootstrap ]; then
  set -- /var/runtime/bootstrap
fi
if [ "$#" -eq 0 ]; then
  for python in /var/lang/bin/python3 python3 python; do
    if command -v "$python" >/dev/null 2>&1; then
      set -- "$python" /var/lambda-dap/runtime_client.py
      break
    fi
  done
fi
if [ "$#" -eq 0 ]; then
  echo "lambda-dap: this image has no Lambda bootstrap (/var/runtime/bootstrap) and no python3 for lambda-dap's runtime client" >&2
  exit 127
fi
if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ] && [ -z "$custom" ]; then
  exec "$AWS_LAMBDA_EXEC_WRAPPER" "$@"
fi
exec "$@"
