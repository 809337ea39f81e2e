"""A function's dependencies without `sam build`: requirements.txt (pip) or package.json (npm) installed for its
runtime and architecture into lambda-dap's cache, mounted read-only beside the untouched code directory.

    manifest.py   which manifest a code directory has, and whether lambda-dap installs it
    cache.py      where installs are kept, keyed by the manifest's content, the runtime and the architecture
    install.py    one install per key: locked, built beside its entry, renamed into place
    pip.py        requirements.txt with the host's pip (wheels for the runtime's Python and Lambda's Linux)
    npm.py        package.json with the host's npm (production dependencies, Linux and the function's CPU)

Nothing is imported here: a function without a manifest costs only `manifest.py`.
"""
