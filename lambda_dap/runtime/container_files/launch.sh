#!/bin/sh
# lambda-dap's entrypoint inside a function container (in the run directory mounted at /var/lambda-dap).
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
#
# Extensions: every executable file directly in /opt/extensions starts first, in name order, with the function's environment
# less the runtime's own variables; its output goes to lambda-dap through $RUN. The runtime starts once lambda-dap
# says every extension registered (a line on the FIFO $RUN/go), as Lambda's init does.
#
# Output: the runtime's stdout and stderr go to the FIFOs $RUN/stdout and $RUN/stderr when lambda-dap made them
# (it reads them itself: every byte before the answer is in by then); else to the container's own streams.

CLIENT=/var/lambda-dap/runtime_client.py
CLOCK=/var/lambda-dap/lambda_dap_clock.py
RUN=/var/lambda-dap

start_extensions() {
  [ -d /opt/extensions ] && [ -d "$RUN" ] || return 0
  names=""
  for extension in /opt/extensions/*; do
    [ -f "$extension" ] && [ -x "$extension" ] && names="$names${extension##*/}
"
  done
  [ -n "$names" ] || return 0
  printf '%s' "$names" > "$RUN/extensions"
  for extension in /opt/extensions/*; do
    [ -f "$extension" ] && [ -x "$extension" ] || continue
    name=${extension##*/}
    mkfifo "$RUN/started-$name"
    (
      env -u _HANDLER -u LAMBDA_TASK_ROOT -u LAMBDA_RUNTIME_DIR -u AWS_EXECUTION_ENV -u AWS_LAMBDA_LOG_GROUP_NAME \
        -u AWS_LAMBDA_LOG_STREAM_NAME -u AWS_XRAY_CONTEXT_MISSING -u AWS_XRAY_DAEMON_ADDRESS \
        -u _AWS_XRAY_DAEMON_ADDRESS -u _AWS_XRAY_DAEMON_PORT "$extension" >>"$RUN/ext-$name.log" 2>&1 </dev/null &
      echo started > "$RUN/started-$name"
      wait $!
      echo "$?" > "$RUN/ext-$name.exit"
    ) &
    read -r _ < "$RUN/started-$name"  # one at a time: they start in name order
  done
  read -r _ < "$RUN/go"
}

start_extensions

if [ -p "$RUN/stdout" ] && [ -p "$RUN/stderr" ]; then
  exec >"$RUN/stdout" 2>"$RUN/stderr"
fi

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
    wrapped "$python" "$@" "$CLOCK" "$script"
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
