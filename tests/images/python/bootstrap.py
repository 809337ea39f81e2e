"""/var/runtime/bootstrap.py of the lambda-dap test image.

Does what the official public.ecr.aws/lambda/python images do before handing over to awslambdaric:
put the function code (LAMBDA_TASK_ROOT) and the layer directories under /opt/python first on
sys.path, then run awslambdaric's bootstrap loop with the handler from _HANDLER (or argv[1])
against the Runtime API at AWS_LAMBDA_RUNTIME_API.
"""

import os
import site
import sys


def _set_sys_path(task_root):
    version = "{}.{}".format(*sys.version_info[:2])
    first = [task_root, f"/opt/python/lib/python{version}/site-packages", "/opt/python"]
    for path in reversed(first):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)
    for path in first:
        site.addsitedir(path)  # .pth files of the function and its layers


def main():
    handler = os.environ.get("_HANDLER") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not handler:
        sys.exit("bootstrap.py: no handler: set _HANDLER or pass it as the first argument")
    if not os.environ.get("AWS_LAMBDA_RUNTIME_API"):
        sys.exit("bootstrap.py: AWS_LAMBDA_RUNTIME_API is not set")
    _set_sys_path(os.environ.setdefault("LAMBDA_TASK_ROOT", "/var/task"))

    from awslambdaric import bootstrap
    from awslambdaric.lambda_config import LambdaConfigProvider
    from awslambdaric.lambda_runtime_client import LambdaRuntimeClient

    # As awslambdaric.__main__.main does in standard (not multi-concurrent) mode.
    config = LambdaConfigProvider([sys.argv[0], handler])
    client = LambdaRuntimeClient(config.api_address, config.use_thread_polling)
    bootstrap.run(handler, client)


if __name__ == "__main__":
    main()
