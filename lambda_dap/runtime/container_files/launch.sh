#!/bin/sh
# lambda-dap's entrypoint inside a function container (mounted read-only at /var/lambda-dap).
#
#   launch.sh                        the runtime, found the way Lambda finds it: /var/task/bootstrap, /opt/bootstrap,
#                                    /var/runtime/bootstrap; images with none get lambda-dap's Python runtime client
#   launch.sh --python ARGS...       a Python runtime under `python ARGS... SCRIPT` (a debugger such as debugpy),
#                                    SCRIPT being the image's /var/runtime/bootstrap.py or lambda-dap's client
#   launch.sh --wrap ARGS...         the runtime's bootstrap under `ARGS... BOOTSTRAP` (e.g. `dlv ... exec`)
#   launch.sh COMMAND...             COMMAND itself (an image function's own ENTRYPOINT and CMD)
#
# AWS_LAMBDA_EXEC_WRAPPER: the managed runtimes' bootstraps apply it themselves; lambda-dap applies it where it
# replaces them (its own client, the --python form), as Lambda does, and never to custom bootstraps.

CLIENT=/var/lambda-dap/runtime_client.py

find_python() {
  for candidate in /var/lang/bin/python3 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return 0; fi
  done
  return 1
}

find_bootstrap() {
  for candidate in /var/task/bootstrap /opt/bootstrap /var/runtime/bootstrap; do
    if [ -f "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

fail() {
  echo "lambda-dap: $*" >&2
  exit 127
}

wrapped() {
  if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then exec "$AWS_LAMBDA_EXEC_WRAPPER" "$@"; fi
  exec "$@"
}

case "$1" in
  --python)
    shift
    python=$(find_python) || fail "no python3 in this image to run the debugger"
    if [ -f /var/runtime/bootstrap.py ]; then script=/var/runtime/bootstrap.py; else script=$CLIENT; fi
    wrapped "$python" "$@" "$script"
    ;;
  --wrap)
    shift
    bootstrap=$(find_bootstrap) || fail "no bootstrap (/var/task/bootstrap, /opt/bootstrap) to run under $1"
    exec "$@" "$bootstrap"
    ;;
  "")
    if bootstrap=$(find_bootstrap); then exec "$bootstrap"; fi
    python=$(find_python) || fail "this image has no Lambda bootstrap (/var/runtime/bootstrap) and no python3 for lambda-dap's runtime client"
    wrapped "$python" "$CLIENT"
    ;;
  *)
    exec "$@"
    ;;
esac
