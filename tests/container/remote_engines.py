"""The local Docker engine reached the ways a remote one is: over TLS (mutual certificates) and over ssh.

`TlsEngine` is a TLS server on loopback that asks for a client certificate and passes every byte on to the local
engine's socket, as a dockerd started with `--tlsverify` would answer. `SshEngine` is a real OpenSSH server on
loopback with its own host key and an authorized key for the test, so `ssh://root@127.0.0.1:PORT` runs
`docker system dial-stdio` there, as it would on a build box.
"""

from __future__ import annotations

import datetime
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

from tests.remote.tls_front import pump

LOCAL_SOCKET = "/var/run/docker.sock"


def write_certificates(directory: Path, *, host: str = "127.0.0.1") -> None:
    """ca.pem, a server certificate for `host` (server-*.pem) and a client one (cert.pem, key.pem), as
    `docker` documents for protecting the daemon socket."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def write_key(key, path: Path) -> None:
        encoding, private = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
        path.write_bytes(key.private_bytes(encoding, private, serialization.NoEncryption()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("lambda-dap test CA"))
        .issuer_name(name("lambda-dap test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def issue(common: str, usage, extra=None):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if extra is not None:
            builder = builder.add_extension(extra, critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    server_key, server = issue(
        "docker-engine",
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
    )
    (directory / "server-cert.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    write_key(server_key, directory / "server-key.pem")
    client_key, client = issue("lambda-dap client", ExtendedKeyUsageOID.CLIENT_AUTH)
    (directory / "cert.pem").write_bytes(client.public_bytes(serialization.Encoding.PEM))
    write_key(client_key, directory / "key.pem")


class TlsEngine:
    """A mutual-TLS front of the local engine on 127.0.0.1; `connections` counts the clients it served."""

    def __init__(self, certificates: Path) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificates / "server-cert.pem", certificates / "server-key.pem")
        self._context.load_verify_locations(certificates / "ca.pem")
        self._context.verify_mode = ssl.CERT_REQUIRED
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self.refused = 0
        self._closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(raw,), daemon=True).start()

    def _relay(self, raw: socket.socket) -> None:
        try:
            client = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.refused += 1
            raw.close()
            return
        self.connections += 1
        engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            engine.connect(LOCAL_SOCKET)
        except OSError:
            client.close()
            return
        threading.Thread(target=pump, args=(engine, client), daemon=True).start()
        pump(client, engine)

    def close(self) -> None:
        self._closed = True
        self._listener.close()


class SshEngine:
    """An OpenSSH server on 127.0.0.1 for the test's key only; `ssh_command` is what LAMBDA_DAP_SSH_COMMAND gets."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory / "host_key"], check=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory / "id_test"], check=True)
        (directory / "authorized_keys").write_bytes((directory / "id_test.pub").read_bytes())
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (directory / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {directory / 'host_key'}\n"
            f"PidFile {directory / 'sshd.pid'}\nAuthorizedKeysFile {directory / 'authorized_keys'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "UsePAM no\nStrictModes no\n"
        )
        host_key = (directory / "host_key.pub").read_text().split()
        (directory / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key[0]} {host_key[1]}\n")
        (directory / "ssh_config").write_text(
            f"Host 127.0.0.1\n  IdentityFile {directory / 'id_test'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {directory / 'known_hosts'}\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
        )
        self.ssh_command = f"ssh -F {directory / 'ssh_config'}"
        with open(directory / "sshd.log", "wb") as log:
            self._process = subprocess.Popen([sshd, "-D", "-e", "-f", directory / "sshd_config"], stderr=log)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sshd did not start: {(directory / 'sshd.log').read_text()}") from None
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"ssh://root@127.0.0.1:{self.port}"

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
