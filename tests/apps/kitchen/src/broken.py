import module_that_does_not_exist  # noqa: F401  (the import fails at init: Runtime.ImportModuleError)


def handler(event, context):
    return "unreachable"
