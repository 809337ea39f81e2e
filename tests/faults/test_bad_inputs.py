# ruff: noqa: E501 - a table of whole messages
"""The bad-input catalogue: each bad input gets one `Error:` line naming the file or option, the field and what is
expected, with exit code 1 (a bad file or value lambda-dap reads) or 2 (a bad command-line option value); or, where
`sam local invoke` accepts the input, one `Warning:` line (file, field) and the invoke still runs (exit 0).

Each case writes its files into a fresh project (template.yaml with one Python function `Fn`, its code in src/),
runs the real `lambda-dap invoke` and matches the whole line with a regex in which `{dir}` is the project
directory. Cases that must run the function need the Docker engine and the test image; the others fail before
any container starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faults.conftest import APP, TEMPLATE


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...] = ()
    code: int = 1
    error: str | None = None  # regex for the whole text after "Error: "
    warning: str | None = None  # regex for the whole text after "Warning: " of one warning line (then code 0)
    files: dict[str, str] = field(default_factory=dict)  # written into the project; "template.yaml" replaces it
    env: dict[str, str] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()  # directories to create in the project


def props(*lines: str, parameters: str = "", extra: str = "") -> str:
    """The standard template with `lines` added to Fn's Properties (a line given without a value replaces it)."""
    text = TEMPLATE
    for line in lines:
        key = line.strip().split(":")[0]
        text = re.sub(rf"^      {key}:.*\n", "", text, flags=re.M)
    text += "".join(f"      {line}\n" for line in lines)
    if parameters:
        text = f"Parameters:\n{parameters}" + text
    return text + extra


def env_props(**variables: str) -> str:
    return props("Environment:", "  Variables:", *(f"    {name}: {value}" for name, value in variables.items()))


PORT_RANGE = r"is not between 1 and 65535 \(or 0: any free port\)"
RUNTIMES = r"expected one such as python3\.12, nodejs20\.x, java21, dotnet8, ruby3\.3 or provided\.al2023"
FN = r"template\.yaml: Resources\.Fn\.Properties"
ENV = FN + r"\.Environment\.Variables"
PARAMS = """  Count:
    Type: Number
    Default: 3
    MinValue: 1
  Color:
    Type: String
    AllowedValues: [red, blue]
    Default: red
  Code:
    Type: String
    Default: ab12
    AllowedPattern: "[a-z]+[0-9]+"
    MaxLength: 6
"""
LONG_DIR = "d" * 125  # with "/app.handler", a Handler of 137 characters that imports
PARAMETERS_TEMPLATE = props("Environment:", "  Variables:", "    A: !Ref Color", parameters=PARAMS)

ERRORS = [
    # --- command-line option values: usage errors, exit 2 ---
    Case("debug-port-too-big", ("-d", "99999"), 2, rf"--debug-port: port 99999 {PORT_RANGE}"),
    Case("debug-port-65536", ("-d", "65536"), 2, rf"--debug-port: port 65536 {PORT_RANGE}"),
    Case("debug-port-negative", ("-d", "-1"), 2, rf"--debug-port: port -1 {PORT_RANGE}"),
    Case(
        "debug-port-not-a-number",
        ("-d", "abc"),
        2,
        r"Invalid value for '-d' / '--debug-port': 'abc' is not a valid integer\.",
    ),
    Case(
        "debug-port-twice",
        ("-d", "5996", "-d", "5996"),
        2,
        r"--debug-port: each port may be given once, not 5996, 5996",
    ),
    Case(
        "sam-debug-port-too-big", (), 2, rf"\$SAM_DEBUG_PORT: port 70000 {PORT_RANGE}", env={"SAM_DEBUG_PORT": "70000"}
    ),
    Case("sam-debug-port-text", (), 2, r"\$SAM_DEBUG_PORT: 'x1' is not a port number", env={"SAM_DEBUG_PORT": "x1"}),
    Case(
        "sam-force-image-build-maybe",
        (),
        2,
        r"\$SAM_FORCE_IMAGE_BUILD: expected true or false, not 'maybe'",
        env={"SAM_FORCE_IMAGE_BUILD": "maybe"},
    ),
    Case(
        "layer-cache-basedir-is-a-file",
        ("--layer-cache-basedir", "template.yaml"),
        2,
        r"--layer-cache-basedir: 'template\.yaml' is a file; expected a directory \(or a new path\)",
    ),
    Case(
        "sam-layer-cache-basedir-is-a-file",
        (),
        2,
        r"\$SAM_LAYER_CACHE_BASEDIR: 'src/app\.py' is a file; expected a directory \(or a new path\)",
        env={"SAM_LAYER_CACHE_BASEDIR": "src/app.py"},
    ),
    Case(
        "container-dns-not-an-ip",
        ("--container-dns", "notanip"),
        2,
        r"--container-dns: 'notanip' is not an IP address \(expected one such as 127\.0\.0\.1\)",
    ),
    Case(
        "container-dns-second-bad",
        ("--container-dns", "8.8.8.8", "--container-dns", "1.1.1"),
        2,
        r"--container-dns: '1\.1\.1' is not an IP address \(expected one such as 127\.0\.0\.1\)",
    ),
    Case(
        "host-interface-not-an-ip",
        ("--container-host-interface", "localhost"),
        2,
        r"--container-host-interface: 'localhost' is not an IP address \(expected one such as 127\.0\.0\.1\)",
    ),
    Case(
        "add-host-without-ip",
        ("--add-host", "db"),
        2,
        r"--add-host: 'db' is not HOST:IP \(expected e\.g\. db\.local:10\.0\.0\.5\)",
    ),
    Case(
        "add-host-bad-ip",
        ("--add-host", "db:300.1.1.1"),
        2,
        r"--add-host: '300\.1\.1\.1' in 'db:300\.1\.1\.1' is not an IP address \(or host-gateway\)",
    ),
    Case(
        "runtime-python2.0",
        ("--runtime", "python2.0"),
        2,
        rf"--runtime: 'python2\.0' is not a Lambda runtime; {RUNTIMES}",
    ),
    Case(
        "runtime-unknown-family",
        ("--runtime", "cobol85"),
        2,
        rf"--runtime: 'cobol85' is not a Lambda runtime; {RUNTIMES}",
    ),
    Case(
        "region-with-space",
        ("--region", "eu west"),
        2,
        r"--region: 'eu west' is not a region name \(expected one such as us-east-1\)",
    ),
    Case(
        "debug-args-without-port",
        ("--debug-args", "-v"),
        2,
        r"--debug-args: --debugger-path and --debug-args need --debug-port",
    ),
    Case(
        "debugger-path-without-port",
        ("--debugger-path", "src"),
        2,
        r"--debugger-path: --debugger-path and --debug-args need --debug-port",
    ),
    Case(
        "override-without-equals",
        ("--parameter-overrides", "Color"),
        2,
        r"Invalid --parameter-overrides 'Color': expected ParameterKey=K,ParameterValue=V or K=V",
    ),
    Case(
        "override-unterminated-quote",
        ("--parameter-overrides", "Color='red"),
        2,
        r"Invalid --parameter-overrides 'Color='red': unterminated ' quote",
    ),
    Case("unknown-option", ("--debug-prot", "5"), 2, r"No such option:? '?--debug-prot'?\.?( \(.*\))?"),
    Case(
        "tenant-id-bad-character",
        ("--tenant-id", "acme#1"),
        2,
        r"--tenant-id: contains invalid characters\. Allowed characters are a-z, A-Z, numbers, spaces, and the characters _ \. : / = \+ - @",
    ),
    Case("tenant-id-too-long", ("--tenant-id", "t" * 257), 2, r"--tenant-id: must be between 1 and 256 characters"),
    Case("tenant-id-blank", ("--tenant-id", "   "), 2, r"--tenant-id: cannot be empty or contain only whitespace"),
    Case(
        "container-host-not-a-host",
        ("--container-host", "http://localhost"),
        2,
        r"--container-host: 'http://localhost' is not a host name or IP address \(expected e\.g\. localhost or host\.docker\.internal\)",
    ),
    Case(
        "container-host-unresolvable",
        ("--container-host", "nowhere.invalid", "-d", "5990"),
        2,
        r"--container-host: 'nowhere\.invalid' cannot be resolved \(.+\)",
    ),
    Case("skip-prepare-infra-alone", ("--skip-prepare-infra",), 2, r"--skip-prepare-infra: Missing option --hook-name"),
    Case(
        "terraform-plan-file-alone",
        ("--terraform-plan-file", "plan.json"),
        2,
        r"--terraform-plan-file: Missing option --hook-name",
    ),
    Case(
        "hook-name-unknown",
        ("--hook-name", "cdk"),
        2,
        r"--hook-name: cdk is not a valid hook name\. valid package ids: \['terraform'\]",
    ),
    Case(
        "hook-name-with-template",
        ("--hook-name", "terraform", "-t", "template.yaml"),
        2,
        r"Parameters hook-name, and t,template-file,template,parameter-overrides cannot be used together",
    ),
    # --- what the options name: exit 1 ---
    Case(
        "invoke-image-no-such-function",
        ("--invoke-image", "Nope=IMG"),
        1,
        r"--invoke-image Nope=IMG: no function Nope in template\.yaml \(functions: Fn\); give IMAGE alone for every function",
    ),
    Case("function-not-found", ("Nope",), 1, r"Function 'Nope' not found in template: template\.yaml\. Functions: Fn"),
    Case("event-is-a-directory", ("-e", "src"), 1, r"--event src: expected a JSON file, got a directory"),
    Case("event-missing", ("-e", "gone.json"), 1, r"Cannot read event file gone\.json: No such file or directory"),
    Case(
        "event-not-json",
        ("-e", "bad.json"),
        1,
        r"Event from bad\.json is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 \(char 1\)",
        files={"bad.json": "{oops"},
    ),
    Case("template-is-a-directory", ("-t", "src"), 1, r"src: expected a template file, got a directory"),
    Case("template-missing", ("-t", "nope.yaml"), 1, r"Template file not found: nope\.yaml"),
    Case(
        "env-vars-is-a-directory",
        ("-n", "src"),
        1,
        r"--env-vars file {dir}/src: expected a JSON or \.env file, got a directory",
    ),
    Case("env-vars-missing", ("-n", "gone.json"), 1, r"--env-vars file {dir}/gone\.json does not exist"),
    Case(
        "env-vars-not-json",
        ("-n", "env.json"),
        1,
        r"--env-vars file {dir}/env\.json:1:2: invalid JSON: Expecting property name enclosed in double quotes",
        files={"env.json": "{x"},
    ),
    Case(
        "env-vars-block-not-object",
        ("-n", "env.json"),
        1,
        r"--env-vars file {dir}/env\.json: the value of 'Fn' must be an object of variable names to values \(e\.g\. \{\"Fn\": \{\"NAME\": \"value\"\}\}\), not a string",
        files={"env.json": '{"Fn": "A=1"}'},
    ),
    Case(
        "env-vars-top-level-list",
        ("-n", "env.json"),
        1,
        r"--env-vars file {dir}/env\.json must hold a JSON object like \{\"Parameters\": \{\"NAME\": \"value\"\}\}",
        files={"env.json": "[1]"},
    ),
    Case(
        "container-env-vars-object-value",
        ("--container-env-vars", "c.json"),
        1,
        r"--container-env-vars file {dir}/c\.json: the value of 'A' must be a string, number or boolean, not an object",
        files={"c.json": '{"A": {"b": 1}}'},
    ),
    Case(
        "log-file-in-missing-dir",
        ("-l", "no/such/dir/log.txt"),
        1,
        r"Cannot open --log-file {dir}/no/such/dir/log\.txt: No such file or directory",
    ),
    Case(
        "debugger-path-is-a-file",
        ("-d", "5996", "--debugger-path", "template.yaml"),
        1,
        r"--debugger-path 'template\.yaml' is not a directory",
    ),
    Case(
        "override-file-missing",
        ("--parameter-overrides", "file://gone.toml"),
        1,
        r"Invalid --parameter-overrides 'file://gone\.toml': cannot read {dir}/gone\.toml: No such file or directory",
    ),
    Case("config-file-missing", ("--config-file", "gone.toml"), 1, r"Config file {dir}/gone\.toml does not exist"),
    Case(
        "config-env-missing",
        ("--config-env", "prod"),
        1,
        r"Config environment 'prod' not found in {dir}/samconfig\.toml \(environments present: default\)",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\nregion = 'eu-west-1'\n"},
    ),
    # --- LAMBDA_DAP_* settings: exit 1 ---
    Case(
        "debugger-timeout-text",
        (),
        1,
        r"\$LAMBDA_DAP_DEBUGGER_TIMEOUT: expected a positive number of seconds such as 30 or 2\.5, got 'abc'",
        env={"LAMBDA_DAP_DEBUGGER_TIMEOUT": "abc"},
    ),
    Case(
        "debugger-timeout-negative",
        (),
        1,
        r"\$LAMBDA_DAP_DEBUGGER_TIMEOUT: expected a positive number of seconds such as 30 or 2\.5, got '-5'",
        env={"LAMBDA_DAP_DEBUGGER_TIMEOUT": "-5"},
    ),
    Case(
        "debugger-timeout-zero",
        (),
        1,
        r"\$LAMBDA_DAP_DEBUGGER_TIMEOUT: expected a positive number of seconds such as 30 or 2\.5, got '0'",
        env={"LAMBDA_DAP_DEBUGGER_TIMEOUT": "0"},
    ),
    Case(
        "extension-init-timeout-inf",
        (),
        1,
        r"\$LAMBDA_DAP_EXTENSION_INIT_TIMEOUT: expected a positive number of seconds such as 30 or 2\.5, got 'inf'",
        env={"LAMBDA_DAP_EXTENSION_INIT_TIMEOUT": "inf"},
    ),
    Case(
        "extension-init-timeout-nan",
        (),
        1,
        r"\$LAMBDA_DAP_EXTENSION_INIT_TIMEOUT: expected a positive number of seconds such as 30 or 2\.5, got 'nan'",
        env={"LAMBDA_DAP_EXTENSION_INIT_TIMEOUT": "nan"},
    ),
    # --- the new options of SAM 1.170: exit 1 ---
    Case(
        "tenant-id-missing",
        (),
        1,
        rf"{FN}\.TenancyConfig: The invoked function is enabled with tenancy configuration\. Add a valid tenant ID in your request and try again \(--tenant-id\)\.",
        files={"template.yaml": props("TenancyConfig:", "  TenantIsolationMode: PER_TENANT")},
    ),
    Case(
        "tenant-id-for-a-single-tenant-function",
        ("--tenant-id", "acme"),
        1,
        r"--tenant-id acme: The invoked function is not enabled with tenancy configuration\. Remove the tenant ID from your request and try again \(Fn has no TenancyConfig\)\.",
    ),
    Case(
        "hook-name-terraform-unprepared",
        ("--hook-name", "terraform"),
        1,
        r"--hook-name terraform: lambda-dap does not run Terraform \(SAM's prepare hook\); run `sam build --hook-name terraform` first, then invoke again \(it uses \.aws-sam/build/template\.yaml\)",
    ),
    Case(
        "durable-execution-name-for-a-durable-function",
        ("--durable-execution-name", "order-1"),
        1,
        rf"--durable-execution-name order-1: {FN}\.DurableConfig makes it a durable function; lambda-dap does not emulate durable executions \(SAM runs them in its durable execution emulator\)",
        files={"template.yaml": props("DurableConfig:", "  ExecutionTimeout: 900")},
    ),
    Case(
        "save-params-into-yaml",
        ("--save-params", "--region", "us-east-1"),
        1,
        r"--save-params: lambda-dap writes TOML config files only, not {dir}/samconfig\.yaml",
        files={"samconfig.yaml": "version: 0.1\n"},
    ),
    Case(
        "samconfig-tenant-id-bad-character",
        (),
        1,
        r"{dir}/samconfig\.toml: tenant_id: contains invalid characters\. .+",
        files={"samconfig.toml": 'version = 0.1\n[default.local_invoke.parameters]\ntenant_id = "a#b"\n'},
    ),
    Case(
        "samconfig-mount-symlinks-maybe",
        (),
        1,
        r"{dir}/samconfig\.toml: mount_symlinks: expected true or false, not 'maybe'",
        files={"samconfig.toml": 'version = 0.1\n[default.local_invoke.parameters]\nmount_symlinks = "maybe"\n'},
    ),
    Case(
        "samconfig-skip-prepare-infra-without-hook",
        (),
        1,
        r"{dir}/samconfig\.toml: skip_prepare_infra: Missing option --hook-name",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\nskip_prepare_infra = true\n"},
    ),
    # --- samconfig: exit 1 ---
    Case(
        "samconfig-version-text",
        (),
        1,
        r"Invalid config file {dir}/samconfig\.toml: version: expected a number such as 0\.1, got 'abc'",
        files={"samconfig.toml": 'version = "abc"\n'},
    ),
    Case(
        "samconfig-not-toml",
        (),
        1,
        r"Invalid config file {dir}/samconfig\.toml: Expected '=' after a key in a key/value pair \(at line 1, column \d+\)",
        files={"samconfig.toml": "what is this\n"},
    ),
    Case(
        "samconfig-debug-port-text",
        (),
        1,
        r"{dir}/samconfig\.toml: debug_port: 'abc' is not a port number",
        files={"samconfig.toml": 'version = 0.1\n[default.local_invoke.parameters]\ndebug_port = "abc"\n'},
    ),
    Case(
        "samconfig-debug-port-too-big",
        (),
        1,
        rf"{{dir}}/samconfig\.toml: debug_port: port 99999 {PORT_RANGE}",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\ndebug_port = 99999\n"},
    ),
    Case(
        "samconfig-parameters-not-a-table",
        (),
        1,
        r"Invalid config file {dir}/samconfig\.toml: \[default\.local_invoke\.parameters\] must be a table of options",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke]\nparameters = 3\n"},
    ),
    Case(
        "samconfig-dns-not-an-ip",
        (),
        1,
        r"{dir}/samconfig\.toml: container_dns: 'dns\.google' is not an IP address \(expected one such as 127\.0\.0\.1\)",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\ncontainer_dns = 'dns.google'\n"},
    ),
    # --- the template: exit 1 ---
    Case(
        "runtime-python2.0-with-invoke-image",
        (),
        1,
        rf"{FN}\.Runtime: 'python2\.0' is not a Lambda runtime; {RUNTIMES}",
        files={"template.yaml": props("Runtime: python2.0")},
    ),
    Case(
        "no-runtime-with-invoke-image",
        (),
        1,
        rf"{FN}\.Runtime: a Zip function needs a Runtime such as python3\.12 \(or pass --runtime\)",
        files={"template.yaml": TEMPLATE.replace("      Runtime: python3.11\n", "")},
    ),
    Case(
        "runtime-nodejs8",
        (),
        1,
        rf"{FN}\.Runtime: 'nodejs8\.x' is not a Lambda runtime; {RUNTIMES}",
        files={"template.yaml": props("Runtime: nodejs8.x")},
    ),
    Case(
        "runtime-not-a-string",
        (),
        1,
        rf"{FN}\.Runtime: expected a runtime name such as python3\.12, got \[\"python3\.11\"\]",
        files={"template.yaml": props("Runtime: [python3.11]")},
    ),
    Case(
        "memory-zero",
        (),
        1,
        rf"{FN}\.MemorySize: expected a positive whole number of megabytes, got 0",
        files={"template.yaml": props("MemorySize: 0")},
    ),
    Case(
        "memory-text",
        (),
        1,
        rf"{FN}\.MemorySize: expected a positive whole number of megabytes, got \"lots\"",
        files={"template.yaml": props("MemorySize: lots")},
    ),
    Case(
        "timeout-negative",
        (),
        1,
        rf"{FN}\.Timeout: expected a positive whole number of seconds, got -1",
        files={"template.yaml": props("Timeout: -1")},
    ),
    Case(
        "timeout-unresolvable",
        (),
        1,
        rf"{FN}\.Timeout: expected a positive whole number of seconds, got \{{\"Ref\": \"Nope\"\}}, which cannot be resolved locally \(give its parameter a value\)",
        files={"template.yaml": props("Timeout: !Ref Nope")},
    ),
    Case(
        "architecture-unknown",
        (),
        1,
        rf"{FN}\.Architectures: expected a one-element list, \[x86_64\] or \[arm64\], got \[\"sparc\"\]",
        files={"template.yaml": props("Architectures: [sparc]")},
    ),
    Case(
        "package-type-unknown",
        (),
        1,
        rf"{FN}\.PackageType: expected Zip or Image, got \"Jar\"",
        files={"template.yaml": props("PackageType: Jar")},
    ),
    Case(
        "code-uri-missing",
        (),
        1,
        r"template\.yaml: Resources\.Fn\.Properties\.CodeUri: '{dir}/gone' does not exist \(expected a directory, \.zip or \.jar\)",
        files={"template.yaml": props("CodeUri: gone/")},
    ),
    Case(
        "environment-variables-a-list",
        (),
        1,
        rf"{ENV}: expected a mapping of variable names to values, got \[\"A=1\"\]",
        files={"template.yaml": props("Environment:", "  Variables: [A=1]")},
    ),
    Case(
        "layer-ref-to-nothing",
        (),
        1,
        r"Function 'Fn' in template\.yaml cannot run locally: Resources\.Fn\.Properties\.Layers\[0\] \{\"Ref\": \"Nope\"\} cannot be resolved locally",
        files={"template.yaml": props("Layers: [!Ref Nope]")},
    ),
    Case(
        "yaml-syntax",
        (),
        1,
        r"template\.yaml:5: (did not find expected|expected) ',' or '\]'.* \(while parsing a flow sequence\)",
        files={"template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n"},
    ),
    Case(
        "template-empty",
        (),
        1,
        r"template\.yaml: expected a CloudFormation template \(a mapping\), got an empty file",
        files={"template.yaml": ""},
    ),
    Case(
        "template-a-list",
        (),
        1,
        r"template\.yaml: expected a CloudFormation template \(a mapping\), got a list",
        files={"template.yaml": "- Resources\n"},
    ),
    Case(
        "template-without-resources",
        (),
        1,
        r"template\.yaml: Resources: missing; a template needs a Resources section",
        files={"template.yaml": "Parameters: {}\n"},
    ),
    Case(
        "template-not-utf8",
        (),
        1,
        r"template\.yaml: expected UTF-8 text \(invalid start byte at byte 11\)",
        files={"template.yaml": "Resources:\n\xff"},
    ),
    Case(
        "template-json-invalid",
        ("-t", "template.json"),
        1,
        r"template\.json:1: invalid JSON: Expecting property name enclosed in double quotes",
        files={"template.json": "{Resources"},
    ),
    Case(
        "globals-not-a-mapping",
        (),
        1,
        r"template\.yaml: Globals: expected a mapping such as \{Function: \{Timeout: 10\}\}",
        files={"template.yaml": "Globals: [Function]\n" + TEMPLATE},
    ),
    Case(
        "two-functions-no-identifier",
        (),
        1,
        r"template\.yaml has 2 functions; name one of: Fn, Other",
        files={
            "template.yaml": TEMPLATE
            + "  Other:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.11}\n"
        },
    ),
    Case(
        "nested-stack-missing",
        (),
        1,
        r"Template file not found: child/template\.yaml \(from Resources\.Child\.Properties\.Location in template\.yaml\)",
        files={
            "template.yaml": TEMPLATE
            + "  Child:\n    Type: AWS::Serverless::Application\n    Properties: {Location: child/template.yaml}\n"
        },
    ),
]

WARNINGS = [
    Case(
        "durable-execution-name-for-another-function",
        ("--durable-execution-name", "order-1"),
        0,
        warning=r"--durable-execution-name order-1: Fn has no DurableConfig \(the name is for durable functions only\); ignored, as SAM does",
    ),
    Case(
        "event-and-no-event",
        ("-e", "event.json", "--no-event"),
        0,
        warning=r"--no-event wins over --event event\.json: the event is \{\}",
        files={"event.json": '{"a": 1}'},
    ),
    Case(
        "memory-above-lambda",
        (),
        0,
        warning=rf"{FN}\.MemorySize: 100000 MB is outside Lambda's 128-10240 MB, so Lambda would refuse it; running with 100000 MB",
        files={"template.yaml": props("MemorySize: 100000")},
    ),
    Case(
        "memory-below-lambda",
        (),
        0,
        warning=rf"{FN}\.MemorySize: 64 MB is outside Lambda's 128-10240 MB, so Lambda would refuse it; running with 64 MB",
        files={"template.yaml": props("MemorySize: 64")},
    ),
    Case(
        "handler-longer-than-lambda-allows",
        (),
        0,
        warning=rf"{FN}\.Handler: 137 characters is beyond Lambda's 128-character limit, so Lambda would refuse it; running it as given",
        files={"template.yaml": props(f"Handler: {LONG_DIR}/app.handler"), f"src/{LONG_DIR}/app.py": APP},
    ),
    Case(
        "handler-with-a-space",
        (),
        0,
        warning=rf"{FN}\.Handler: 'my app\.handler' contains whitespace, so Lambda would refuse it; running it as given",
        files={"template.yaml": props("Handler: my app.handler"), "src/my app.py": APP},
    ),
    Case(
        "timeout-above-lambda",
        (),
        0,
        warning=rf"{FN}\.Timeout: 901 seconds is beyond Lambda's 900-second limit, so Lambda would refuse it; running with 901 seconds",
        files={"template.yaml": props("Timeout: 901")},
    ),
    Case(
        "number-parameter-text",
        ("--parameter-overrides", "Count=abc"),
        0,
        warning=r"template\.yaml: Parameters\.Count: 'abc' is not a number, as Type Number requires \(from --parameter-overrides\); used as it is, as SAM does",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "number-parameter-below-min",
        ("--parameter-overrides", "Count=0"),
        0,
        warning=r"template\.yaml: Parameters\.Count: '0' is below its MinValue of 1 \(from --parameter-overrides\); used as it is, as SAM does",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "value-outside-allowed-values",
        ("--parameter-overrides", "Color=green"),
        0,
        warning=r"template\.yaml: Parameters\.Color: 'green' is not one of its AllowedValues \(red, blue\) \(from --parameter-overrides\); used as it is, as SAM does",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "value-outside-allowed-pattern",
        ("--parameter-overrides", "Code=12ab"),
        0,
        warning=r"template\.yaml: Parameters\.Code: '12ab' does not match its AllowedPattern \[a-z\]\+\[0-9\]\+ \(from --parameter-overrides\); used as it is, as SAM does",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "value-too-long",
        ("--parameter-overrides", "Code=abcdef123"),
        0,
        warning=r"template\.yaml: Parameters\.Code: 'abcdef123' is above its MaxLength of 6 characters \(from --parameter-overrides\); used as it is, as SAM does",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "default-outside-allowed-values",
        (),
        0,
        warning=r"template\.yaml: Parameters\.Size: 'L' is not one of its AllowedValues \(S, M\) \(its Default\); used as it is, as SAM does",
        files={
            "template.yaml": props(parameters="  Size:\n    Type: String\n    Default: L\n    AllowedValues: [S, M]\n")
        },
    ),
    Case(
        "required-parameter-without-value",
        (),
        0,
        warning=r"template\.yaml: Parameters\.Stage: no value \(no Default, and no Stage=VALUE in --parameter-overrides\); !Ref Stage stays unresolved",
        files={"template.yaml": props(parameters="  Stage:\n    Type: String\n")},
    ),
    Case(
        "override-of-no-parameter",
        ("--parameter-overrides", "Colour=red"),
        0,
        warning=r"--parameter-overrides: template\.yaml has no parameter Colour \(parameters: Count, Color, Code\); ignored",
        files={"template.yaml": PARAMETERS_TEMPLATE},
    ),
    Case(
        "samconfig-unknown-key",
        (),
        0,
        warning=r"{dir}/samconfig\.toml: \[default\.local_invoke\.parameters\]: debug_prot: not an option of `invoke`; ignored",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\ndebug_prot = 5\n"},
    ),
    Case(
        "samconfig-dashed-key",
        (),
        0,
        warning=r"{dir}/samconfig\.toml: \[default\.local_invoke\.parameters\]: skip-pull-image: not an option of `invoke` \(did you mean skip_pull_image\?\); ignored",
        files={"samconfig.toml": "version = 0.1\n[default.local_invoke.parameters]\nskip-pull-image = true\n"},
    ),
    Case(
        "duplicate-yaml-key",
        (),
        0,
        warning=r"template\.yaml:8: duplicate key 'Handler' \(first at line 6\); the last one is used, as SAM reads it",
        files={
            "template.yaml": props().replace(
                "Runtime: python3.11\n", "Runtime: python3.11\n      Handler: app.handler\n"
            )
        },
    ),
    Case(
        "unknown-tag",
        (),
        0,
        warning=r"template\.yaml:10: !Foo is not a CloudFormation intrinsic function; its value is kept as written \(Fn::Foo\)",
        files={"template.yaml": env_props(A="!Foo bar")},
    ),
    Case(
        "unknown-tag-in-environment",
        (),
        0,
        warning=rf"{ENV}\.A: !Foo is not a CloudFormation intrinsic function; A is set to an empty string",
        files={"template.yaml": env_props(A="!Foo bar")},
    ),
    Case(
        "unresolvable-ref",
        (),
        0,
        warning=rf"{ENV}\.A: !Ref Nope names no parameter with a value, pseudo parameter or resource; A is set to an empty string",
        files={"template.yaml": env_props(A="!Ref Nope")},
    ),
    Case(
        "unresolvable-getatt",
        (),
        0,
        warning=rf"{ENV}\.A: !GetAtt Fn\.Foo cannot be resolved locally \(only a function's Arn can\); A is set to an empty string",
        files={"template.yaml": env_props(A="!GetAtt Fn.Foo")},
    ),
    Case(
        "unresolvable-sub",
        (),
        0,
        warning=rf"{ENV}\.A: !Sub \"\$\{{Nope\}}-x\" cannot be resolved locally; A is set to an empty string",
        files={"template.yaml": env_props(A="!Sub '${Nope}-x'")},
    ),
    Case(
        "import-value",
        (),
        0,
        warning=rf"{ENV}\.A: !ImportValue \"shared-table\" cannot be resolved locally; A is set to an empty string",
        files={"template.yaml": env_props(A="!ImportValue shared-table")},
    ),
    Case(
        "environment-value-a-mapping",
        (),
        0,
        warning=rf"{ENV}\.A: expected a string, number or boolean, got an object \{{\"x\": 1, \"y\": 2\}}; A is set to an empty string",
        files={"template.yaml": env_props(A="{x: 1, y: 2}")},
    ),
    Case(
        "env-vars-value-an-object",
        ("-n", "env.json"),
        0,
        warning=r"env\.json: Fn\.A: expected a string, number or boolean, got an object; A is set to an empty string",
        files={"env.json": '{"Fn": {"A": {"x": 1}}}'},
    ),
    Case(
        "env-vars-value-a-list",
        ("-n", "env.json"),
        0,
        warning=r"env\.json: Parameters\.A: expected a string, number or boolean, got a list; A is set to an empty string",
        files={"env.json": '{"Parameters": {"A": [1, 2]}}'},
    ),
]


def _expand(pattern: str, project: Path) -> str:
    return pattern.replace("{dir}", re.escape(str(project)))


def _write(case: Case, project: Path) -> None:
    for name in case.dirs:
        (project / name).mkdir(parents=True, exist_ok=True)
    for name, text in case.files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())


def _lines(stderr: str, prefix: str) -> list[str]:
    return [line[len(prefix) :] for line in stderr.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("case", ERRORS, ids=lambda case: case.id)
def test_a_bad_input_is_one_error_line(case: Case, project: Path, bad_invoke):
    _write(case, project)
    run = bad_invoke(*case.args, case=case.id, env=case.env)
    assert "Traceback" not in run.stderr, run.stderr
    errors = _lines(run.stderr, "Error: ")
    assert len(errors) == 1, run.stderr
    assert re.fullmatch(_expand(case.error or "", project), errors[0]), errors[0]
    assert (run.code, run.stdout) == (case.code, b""), run.stderr


@pytest.mark.docker
@pytest.mark.parametrize("case", WARNINGS, ids=lambda case: case.id)
def test_an_input_sam_accepts_is_one_warning_line_and_the_invoke_runs(case: Case, project: Path, bad_invoke):
    _write(case, project)
    run = bad_invoke(*case.args, case=case.id, env=case.env, docker=True)
    assert "Traceback" not in run.stderr and not _lines(run.stderr, "Error: "), run.stderr
    assert run.code == 0, run.stderr
    assert run.json["event"] == {}  # the function ran
    pattern = _expand(case.warning or "", project)
    assert any(re.fullmatch(pattern, line) for line in _lines(run.stderr, "Warning: ")), run.stderr


@pytest.mark.docker
def test_an_env_vars_file_with_a_bom_is_read_as_json(project: Path, bad_invoke):
    (project / "env.json").write_bytes(b'\xef\xbb\xbf{"Parameters": {"A": "from-bom-file"}}')
    (project / "template.yaml").write_text(env_props(A="from-template"))
    run = bad_invoke("-n", "env.json", case="env-vars-with-bom", docker=True)
    assert (run.code, _lines(run.stderr, "Warning: "), _lines(run.stderr, "Error: ")) == (0, [], []), run.stderr
    assert run.json["A"] == "from-bom-file"


@pytest.mark.docker
def test_an_event_file_with_a_bom_is_sent(project: Path, bad_invoke):
    (project / "event.json").write_bytes(b'\xef\xbb\xbf{"a": 1}')
    run = bad_invoke("-e", "event.json", case="event-with-bom", docker=True)
    assert run.code == 0, run.stderr
    assert run.json["event"] == {"a": 1}


@pytest.mark.docker
def test_debug_port_0_names_the_port_it_picked(project: Path, bad_invoke):
    run = bad_invoke("-d", "0", case="debug-port-0", env={"LAMBDA_DAP_DEBUGGER_TIMEOUT": "1"}, docker=True)
    waiting = re.search(r"waiting for a client on 127\.0\.0\.1:(\d+);.*\"port\": (\d+)", run.stderr)
    assert waiting is not None, run.stderr
    port = waiting.group(1)
    assert waiting.group(2) == port and port != "0"
    assert _lines(run.stderr, "Error: ") == [
        f"No debugger attached to 127.0.0.1:{port} within 1 s (set LAMBDA_DAP_DEBUGGER_TIMEOUT to wait longer); "
        "the function container was removed"
    ]
    assert run.code == 1


def test_the_catalogue_is_large_enough():
    assert len(ERRORS) + len(WARNINGS) >= 60
    assert len({case.id for case in ERRORS + WARNINGS}) == len(ERRORS) + len(WARNINGS)
