"""Small pieces of the engine: deadlines, output lines, REPORT lines, error codes, runtime names, CLI helpers."""

from __future__ import annotations

import time

import pytest

from lambda_dap import errors
from lambda_dap.cli.options import gather_nargs_option
from lambda_dap.invoke.build import parse_invoke_images
from lambda_dap.invoke.runtimes import default_image, runtime_family
from lambda_dap.runtime import report
from lambda_dap.runtime.deadline import Deadline
from lambda_dap.runtime.output import LineAssembler


def test_paused_time_does_not_count_against_the_deadline():
    deadline = Deadline(0.2)
    assert deadline.pause() and not deadline.pause()
    time.sleep(0.3)
    assert deadline.remaining_s() > 0.15
    assert deadline.resume() and not deadline.resume()
    time.sleep(0.25)
    assert deadline.remaining_s() <= 0


def test_a_paused_deadline_stands_still():
    deadline = Deadline(5.0)
    deadline.pause()
    first = deadline.remaining_s()
    time.sleep(0.05)
    assert deadline.remaining_s() == first


def test_line_assembler_splits_chunks_and_carriage_returns():
    lines: list[str] = []
    assembler = LineAssembler(lines.append)
    assembler.feed(b"first li")
    assembler.feed(b"ne\n[ERROR] Boom\rTraceback\r  File x\nhalf \xe2\x9c")
    assembler.feed(b"\x93 done")
    assembler.flush()
    assert lines == ["first line", "[ERROR] Boom", "Traceback", "  File x", "half ✓ done"]


def test_report_line_has_lambdas_shape():
    line = report.report_line(
        "id-1", duration_ms=12.345, memory_size_mb=128, max_memory_used_mb=40, init_duration_ms=250.5
    )
    assert line == (
        "REPORT RequestId: id-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\tInit Duration: 250.50 ms\t"
    )


def test_every_error_has_its_own_code():
    seen: dict[int, type] = {}

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            assert "code" in sub.__dict__, sub
            assert sub.code not in seen, (sub, seen.get(sub.code))
            seen[sub.code] = sub
            walk(sub)

    walk(errors.LambdaDapError)
    assert len(seen) > 20
    with pytest.raises(TypeError):
        type("Twin", (errors.LambdaDapError,), {"code": errors.TemplateError.code})


@pytest.mark.parametrize(
    "runtime, arch, image",
    [
        ("python3.12", "x86_64", "public.ecr.aws/lambda/python:3.12-x86_64"),
        ("nodejs20.x", "arm64", "public.ecr.aws/lambda/nodejs:20-arm64"),
        ("java21", "x86_64", "public.ecr.aws/lambda/java:21-x86_64"),
        ("java8.al2", "x86_64", "public.ecr.aws/lambda/java:8.al2-x86_64"),
        ("provided.al2023", "arm64", "public.ecr.aws/lambda/provided:al2023-arm64"),
        ("dotnet8", "x86_64", "public.ecr.aws/lambda/dotnet:8-x86_64"),
        ("ruby3.3", "x86_64", "public.ecr.aws/lambda/ruby:3.3-x86_64"),
    ],
)
def test_default_image_per_runtime(runtime, arch, image):
    assert default_image(runtime, arch) == image


def test_unknown_runtime_is_a_clear_error():
    with pytest.raises(errors.OptionError, match="Unknown runtime 'cobol1'"):
        runtime_family("cobol1")


def test_parameter_overrides_may_span_several_tokens():
    args = ["invoke", "--parameter-overrides", "A=1", "B=two words", "Fn", "-e", "x.json"]
    assert gather_nargs_option(args, "--parameter-overrides") == [
        "invoke",
        "--parameter-overrides",
        "A=1 'B=two words'",
        "Fn",
        "-e",
        "x.json",
    ]
    assert gather_nargs_option(["--parameter-overrides", "A=1 B=2"], "--parameter-overrides") == [
        "--parameter-overrides",
        "A=1 B=2",
    ]


def test_invoke_image_global_and_per_function():
    assert parse_invoke_images(("repo/img:1", "Fn=other:2")) == {None: "repo/img:1", "Fn": "other:2"}


def test_only_containers_of_dead_processes_on_this_host_are_orphans():
    import os
    import subprocess

    from lambda_dap.container.reaper import OWNER_LABEL, orphans

    finished = subprocess.Popen(["true"])
    finished.wait()
    containers = [
        {"Id": "dead", "Labels": {OWNER_LABEL: f"here:{finished.pid}"}},
        {"Id": "alive", "Labels": {OWNER_LABEL: f"here:{os.getpid()}"}},
        {"Id": "elsewhere", "Labels": {OWNER_LABEL: f"there:{finished.pid}"}},
        {"Id": "unowned", "Labels": {"lambda-dap": "1"}},
    ]
    assert orphans(containers, "here") == ["dead"]


def test_temporary_directories_of_gone_processes_are_removed(tmp_path):
    import os
    import subprocess

    from lambda_dap.container.reaper import reap_temp_dirs

    finished = subprocess.Popen(["true"])
    finished.wait()
    stale = tmp_path / f"lambda-dap-run-{finished.pid}-abc"
    live = tmp_path / f"lambda-dap-code-{os.getpid()}-def"
    other = tmp_path / "lambda-dap-test-images.lock"
    for path in (stale, live):
        path.mkdir()
        (path / "file").write_text("x")
    other.write_text("")
    assert reap_temp_dirs(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()
