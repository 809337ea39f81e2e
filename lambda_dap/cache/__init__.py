"""What lambda-dap keeps between runs, and its clean-up: installed dependencies (~/.cache/lambda-dap/deps) and the
engine's content volumes of remote mode (`lambda-dap-cache-<sha>`). `lambda-dap cache list|prune`."""
