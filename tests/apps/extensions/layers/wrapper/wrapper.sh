#!/bin/sh
# An AWS_LAMBDA_EXEC_WRAPPER script (the function sets AWS_LAMBDA_EXEC_WRAPPER=/opt/wrapper.sh): the runtime's
# bootstrap runs it with the runtime's command line as arguments; it adds a variable and runs that command.
export WRAPPED_BY=wrapper.sh
echo "wrapper.sh: starting the runtime"
exec "$@"
