"""`--tenant-id` on a multi-tenant project: the tenant reaches the handler as `context.tenant_id`."""

from __future__ import annotations

import pytest

from tests.invoke.conftest import APPS

pytestmark = pytest.mark.docker

TENANTS = APPS / "tenants"


@pytest.mark.parametrize("image", ["python", "plain"])  # real awslambdaric, and lambda-dap's own runtime client
def test_the_tenant_reaches_the_handler(invoke_cli, lambda_images, image, event_file):
    run = invoke_cli(
        "OrdersFunction",
        "--tenant-id",
        "acme corp:eu/1",
        "-e",
        event_file({"orders": [42]}),
        image=lambda_images[image],
        cwd=TENANTS,
    )
    assert run.code == 0, run.stderr
    assert run.json == {"tenant": "acme corp:eu/1", "orders": [42]}


@pytest.mark.parametrize("image", ["python", "plain"])
def test_a_function_without_tenancy_sees_no_tenant(invoke_cli, lambda_images, image):
    run = invoke_cli("StatusFunction", image=lambda_images[image], cwd=TENANTS)
    assert run.code == 0, run.stderr
    assert run.json == {"status": "ok", "tenant": None}


def test_a_lambda_function_resource_with_tenancy_config_gets_its_tenant(invoke_cli):
    run = invoke_cli("ReportFunction", "--tenant-id", "globex", cwd=TENANTS)
    assert run.code == 0, run.stderr
    assert run.json["tenant"] == "globex"


def test_a_multi_tenant_function_without_a_tenant_fails_before_any_container(invoke_cli, docker_client):
    run = invoke_cli("OrdersFunction", cwd=TENANTS)
    assert run.code == 1
    assert run.stdout == b""
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: template.yaml: Resources.OrdersFunction.Properties.TenancyConfig: The invoked function is enabled "
        "with tenancy configuration. Add a valid tenant ID in your request and try again (--tenant-id)."
    )


def test_a_tenant_for_a_single_tenant_function_is_refused(invoke_cli):
    run = invoke_cli("StatusFunction", "--tenant-id", "acme", cwd=TENANTS)
    assert run.code == 1
    assert "Error: --tenant-id acme: The invoked function is not enabled with tenancy configuration." in run.stderr


def test_a_malformed_tenant_id_is_a_usage_error(invoke_cli):
    run = invoke_cli("OrdersFunction", "--tenant-id", "acme#1", cwd=TENANTS)
    assert run.code == 2
    assert "Error: --tenant-id: contains invalid characters." in run.stderr
