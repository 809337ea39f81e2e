// Fails at init: imports a package that is not there (Runtime.ImportModuleError).
import "package-that-does-not-exist";

export const handler = async () => "unreachable";
