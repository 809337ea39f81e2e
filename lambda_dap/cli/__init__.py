"""The command line. Importing it makes an early Ctrl-C end the process quietly (see `signals`)."""

import threading

if threading.current_thread() is threading.main_thread():
    from lambda_dap.cli.signals import quiet_exit_until_guarded

    quiet_exit_until_guarded()
