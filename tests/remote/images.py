"""Images the remote engine makes from the loaded test images (for the tests and bench/engines.py)."""

from __future__ import annotations

# Run in the provided test image to make it like Lambda's provided.al2023: no python3 (no node, it never had one).
STRIP_INTERPRETERS = "rm -rf /usr/bin/python3* /usr/lib/python3* /usr/local/bin/python3* && ! command -v python3 node"


def agentless_image(client, provided: str, labels: dict[str, str]) -> str:
    """tests/images/provided (`provided`, a tag on `client`'s engine) without python3 nor node, as Lambda's provided
    images are: made there once, under a tag naming the provided image's id (kept for the next runs); its tag.
    `labels`: the throwaway container's."""
    import docker.errors

    base = client.images.get(provided)
    repository, version = "lambda-dap-test/provided-agentless", base.id.partition(":")[2][:12]
    tag = f"{repository}:{version}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    container = client.containers.run(
        base.id, entrypoint=["/bin/sh", "-c", STRIP_INTERPRETERS], labels=labels, detach=True
    )
    try:
        status = container.wait(timeout=60)["StatusCode"]
        if status != 0:
            raise RuntimeError(f"stripping python3 from {provided} failed: {container.logs().decode()}")
        changes = ['ENTRYPOINT ["/lambda-entrypoint.sh"]', 'CMD ["bootstrap"]', "LABEL lambda-dap.test=1"]
        container.commit(repository, version, changes=changes)
    finally:
        container.remove(force=True)
    return tag
