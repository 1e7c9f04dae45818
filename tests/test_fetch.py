"""Fetching an article from a link: a real HTTP(S) server on 127.0.0.1, and no packet
beyond it.

Every test here runs under ``guard``: a socket that tries to connect anywhere but
127.0.0.1 is stopped (and recorded), and names resolve only from the test's own
table (``localhost`` and numeric hosts as the system resolves them, without DNS).
So "refused before any connection" is checked by what reached the socket layer.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from index import Article, FetchError, FetchPolicy, load_url
from index.documents import DOCX_TYPE
from index.errors import ArticleError
from index.fetch import fetch
from tests.test_documents import BODY, TITLE, assert_article

PAGES = Path(__file__).parent / "data" / "pages"
PUBLIC = "93.184.215.14"  # a public address; the guard stops any connection to it
HTML = "text/html; charset=utf-8"

# --- the guard: nothing leaves 127.0.0.1 ---------------------------------------------


@dataclass
class Guard:
    """What reached the socket layer: every connect and every name looked up."""

    connects: list[tuple[str, int]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    names: dict[str, list[list[str]]] = field(default_factory=dict)  # name -> answers, one per lookup

    def resolve(self, name: str, *answers: list[str]) -> None:
        """``name`` resolves to ``answers[0]`` first, then ``answers[1]``... (the last repeats)."""
        self.names[name] = list(answers)


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    g = Guard()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        host, port = str(address[0]), int(address[1])
        g.connects.append((host, port))
        if host != "127.0.0.1":
            raise ConnectionRefusedError(f"the test guard stopped a connection to {host}")
        real_connect(sock, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        g.lookups.append(name)
        if name in g.names:
            answers = g.names[name]
            ips = answers.pop(0) if len(answers) > 1 else answers[0]
            return [_info(ip, int(port)) for ip in ips]
        if name == "localhost" or _numeric(name):
            return real_getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (test resolver)")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield g
    # Whatever a test asserts, no connection may ever have gone for a non-public address
    # other than the fixture servers' own.
    stray = [c for c in g.connects if c[0] != "127.0.0.1" and not ipaddress.ip_address(c[0]).is_global]
    assert not stray, f"connections were attempted to private or local addresses: {stray}"


def _numeric(name: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
    except OSError:
        # inet_aton's forms (2130706433, 0x7f.1) resolve without DNS too.
        try:
            socket.inet_aton(name)
        except OSError:
            return False
    return True


def _info(ip: str, port: int) -> tuple[Any, ...]:
    if ":" in ip:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))


# --- the server ------------------------------------------------------------------------


class Site(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        self.seen: list[tuple[str, str]] = []  # (path, Host header) of each request
        self.sent: dict[str, int] = {}  # bytes of body written, by path
        self.release = threading.Event()  # ends the slow page's wait
        self.sni: list[str | None] = []
        self.certificate = "news.example"
        self.errors: list[BaseException | None] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that refused the certificate, or hung up on a body, on purpose: kept, not printed.
        self.errors.append(sys.exc_info()[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://{host}:{self.port}{path}"


def _file(name: str) -> bytes:
    return (PAGES / name).read_bytes()


ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/news.html": (200, {"Content-Type": HTML}, _file("news.html")),
    "/euckr-header.html": (
        200,
        {"Content-Type": "text/html; charset=euc-kr"},
        _file("news_euckr_header.html"),
    ),
    "/euckr-meta.html": (200, {"Content-Type": "text/html"}, _file("news_euckr_meta.html")),
    "/first": (302, {"Location": "/second"}, b""),
    "/second": (301, {"Location": "/news.html"}, b"moved"),
    "/loop-a": (302, {"Location": "/loop-b"}, b""),
    "/loop-b": (302, {"Location": "/loop-a"}, b""),
    "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
    "/missing": (404, {"Content-Type": HTML}, b"<html><body>no such page</body></html>"),
    "/broken": (500, {"Content-Type": HTML}, b"<html><body>oops</body></html>"),
    "/photo-as-html": (200, {"Content-Type": HTML}, _file("photo.png")),
    "/photo.png": (200, {"Content-Type": "image/png"}, _file("photo.png")),
    "/clip.mp4": (200, {"Content-Type": "video/mp4"}, b"\x00\x00\x00\x18ftypmp42" + bytes(1000)),
    "/data.json": (200, {"Content-Type": "application/json"}, b'{"a": 1}'),
    "/notes.txt": (200, {"Content-Type": "text/plain; charset=utf-8"}, "메모 한 줄.\n".encode()),
    "/news.pdf": (200, {"Content-Type": "application/pdf"}, _file("news.pdf")),
    "/scanned.pdf": (200, {"Content-Type": "application/pdf"}, _file("scanned.pdf")),
    "/news.docx": (200, {"Content-Type": DOCX_TYPE}, _file("news.docx")),
    "/download": (200, {"Content-Type": "application/octet-stream"}, _file("news.pdf")),
    "/blob": (200, {"Content-Type": "application/octet-stream"}, bytes(range(256)) * 8),
    "/shell.html": (200, {"Content-Type": HTML}, b"<html><body><div id=app></div><script src=a.js></script>"),
    "/huge-declared": (200, {"Content-Type": HTML, "Content-Length": "50000000"}, b"<html>"),
}


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.server.seen.append((url.path, self.headers.get("Host", "")))
        if url.path == "/slow":
            self.server.release.wait(10)
            return self._send(200, {"Content-Type": HTML}, _file("news.html"))
        if url.path == "/redirect":
            return self._send(302, {"Location": parse_qs(url.query)["to"][0]}, b"")
        if url.path.startswith("/hop/"):
            return self._send(302, {"Location": f"/hop/{int(url.path[5:]) + 1}"}, b"")
        if url.path == "/huge-stream":
            return self._stream(url.path, 50_000_000)
        status, headers, body = ROUTES.get(url.path, (404, {}, b"not found"))
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # a client that hung up early, on purpose
            self.wfile.write(body)

    def _stream(self, path: str, total: int) -> None:
        """A body with no length, written until the reader hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.end_headers()
        chunk = b"<p>" + "가".encode() * 21_000 + b"</p>\n"
        sent = 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
                self.server.sent[path] = sent
        except OSError:
            pass


def _serve(site: Site) -> Iterator[Site]:
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    site.release.set()
    site.shutdown()
    site.server_close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    yield from _serve(Site())


@pytest.fixture(scope="module")
def tls_site() -> Iterator[Site]:
    """The same site over HTTPS with certificates from data/pages' test CA; it records
    the server name each client asked for (SNI) and serves ``site.certificate``."""
    site = Site()
    contexts = {}
    for host in ("news.example", "other.example"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(PAGES / f"tls_{host}.pem", PAGES / f"tls_{host}.key")
        contexts[host] = ctx

    def choose(sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        site.sni.append(name)
        sock.context = contexts[site.certificate]

    listening = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    listening.load_cert_chain(PAGES / "tls_news.example.pem", PAGES / "tls_news.example.key")
    listening.sni_callback = choose  # type: ignore[assignment]
    site.socket = listening.wrap_socket(site.socket, server_side=True, do_handshake_on_connect=False)
    yield from _serve(site)


@pytest.fixture(autouse=True)
def fresh(site: Site) -> None:
    site.seen.clear()


LOCAL = FetchPolicy(allow_private=False, allow=("127.0.0.1/32",))

# --- pages, redirects and the article ------------------------------------------------


@pytest.mark.parametrize("path", ["/news.html", "/euckr-header.html", "/euckr-meta.html"])
def test_load_url_gives_the_article_of_a_korean_news_page(site, guard, path):
    article = load_url(site.url(path))
    assert isinstance(article, Article)
    assert_article(article.text)
    assert "개관 때 갖추는 장서는 2만4천 권이며" in article.text  # the answer to "how many books?"
    assert article.name == TITLE
    assert article.page is not None
    assert article.page.url == site.url(path)
    assert (article.page.title, article.page.date, article.page.sitename) == (TITLE, "2025-03-14", "청솔일보")
    assert "정하늘" in (article.page.author or "")
    assert guard.connects == [("127.0.0.1", site.port)]


def test_two_redirects_are_followed_and_the_final_url_kept(site):
    got = fetch(site.url("/first"))
    assert got.url == site.url("/news.html")
    assert got.redirects == (site.url("/first"), site.url("/second"))
    assert [path for path, _ in site.seen] == ["/first", "/second", "/news.html"]
    page = load_url(site.url("/first")).page
    assert page is not None and page.url == site.url("/news.html")


@pytest.mark.parametrize("path", ["/news.pdf", "/news.docx", "/download"])
def test_pdf_and_docx_links_give_their_text(site, path):
    article = load_url(site.url(path))
    assert BODY[1] in article.text and article.name == TITLE


def test_a_page_without_a_title_is_named_by_its_host_and_path(site):
    article = load_url(site.url("/notes.txt"))
    assert article.name == "127.0.0.1/notes.txt"
    assert article.text == "메모 한 줄.\n"


# --- what goes wrong, in one sentence each ---------------------------------------------


@pytest.mark.parametrize(
    "path, policy, error, message",
    [
        ("/missing", FetchPolicy(), FetchError, r"/missing answered 404 Not Found; check the link"),
        ("/broken", FetchPolicy(), FetchError, r"answered 500 Internal Server Error"),
        ("/slow", FetchPolicy(timeout=0.3), FetchError, r"/slow did not answer within 0.3 s"),
        (
            "/loop-a",
            FetchPolicy(),
            FetchError,
            r"redirects in a loop \(.*/loop-a -> .*/loop-b -> .*/loop-a\)",
        ),
        ("/hop/0", FetchPolicy(max_redirects=3), FetchError, r"redirected more than 3 times"),
        ("/to-file", FetchPolicy(), FetchError, r"redirected to 'file:///etc/passwd', which is not an http"),
        ("/photo.png", FetchPolicy(), FetchError, r"gives an image \(image/png\), not an article"),
        ("/clip.mp4", FetchPolicy(), FetchError, r"gives a video \(video/mp4\)"),
        ("/data.json", FetchPolicy(), FetchError, r"gives \(application/json\), not an article"),
        ("/blob", FetchPolicy(), FetchError, r"unknown type \(application/octet-stream\) that is not a PDF"),
        ("/huge-declared", FetchPolicy(max_bytes=100_000), FetchError, r"is over 100,000 bytes"),
        ("/photo-as-html", FetchPolicy(), ArticleError, r"looks like a binary file \(a PNG image\)"),
        ("/scanned.pdf", FetchPolicy(), ArticleError, r"has no text layer \(a scanned PDF\?\); run OCR"),
        ("/shell.html", FetchPolicy(), ArticleError, r"has no article text that could be found"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("/") else "-",
)
def test_each_bad_link_gets_its_error(site, path, policy, error, message):
    started = time.monotonic()
    with pytest.raises(error, match=message) as e:
        load_url(site.url(path), policy)
    assert site.url("") in str(e.value)  # the message names the link
    assert "\n" not in str(e.value)
    assert time.monotonic() - started < 3


def test_an_endless_body_is_cut_at_the_size_bound_while_streaming(site):
    with pytest.raises(FetchError, match=r"over 100,000 bytes"):
        fetch(site.url("/huge-stream"), FetchPolicy(max_bytes=100_000))
    time.sleep(0.2)
    assert site.sent["/huge-stream"] < 20_000_000  # of 50,000,000: the reader hung up


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://127.0.0.1/a.txt", "is not an http:// or https:// link"),
        ("file:///etc/passwd", "is not an http:// or https:// link"),
        ("javascript:alert(1)", "is not an http:// or https:// link"),
        ("news.example/article/1", "is not an http:// or https:// link"),
        ("http://no-such-host.example/a", "the host no-such-host.example of the link .* could not be found"),
    ],
)
def test_what_is_no_web_link_is_refused_before_any_connection(guard, url, message):
    with pytest.raises(FetchError, match=message):
        fetch(url)
    assert guard.connects == []


def test_nothing_listening_is_a_clear_error(guard):
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        FetchError, match=rf"could not connect to 127.0.0.1 for the link http://127.0.0.1:{port}/"
    ):
        fetch(f"http://127.0.0.1:{port}/")


# --- private addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url, address",
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://172.16.0.1/", "172.16.0.1"),
        ("http://192.168.1.1/", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", "::1"),
        ("http://localhost/", ""),  # ::1 or 127.0.0.1, as the system resolves it
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://[fd00::1]/", "fd00::1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),  # NAT64 of 169.254.169.254
        ("http://2130706433/", "127.0.0.1"),  # 127.0.0.1 as one number
        ("http://0x7f.1/", "127.0.0.1"),
        ("https://internal.example/", "10.9.8.7"),
        ("http://mixed.example/", "10.0.0.5"),  # one private answer among public ones
    ],
)
def test_private_and_local_addresses_are_refused_before_any_connection(guard, url, address):
    guard.resolve("internal.example", ["10.9.8.7"])
    guard.resolve("mixed.example", [PUBLIC, "10.0.0.5"])
    with pytest.raises(FetchError, match=rf"leads to a private or local address \({address}") as e:
        fetch(url, FetchPolicy(allow_private=False))
    assert "not fetched by this server; set QA_FETCH_ALLOW to allow them" in str(e.value)
    assert guard.connects == []


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/",
        "http://intranet.example:{port}/",  # a name that resolves to a private address
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(site, guard, target):
    guard.resolve("intranet.example", ["192.168.0.10"])
    to = target.format(port=site.port)
    with pytest.raises(FetchError, match=r"redirected to .*, which leads to a private or local address"):
        fetch(site.url(f"/redirect?to={to}"), LOCAL)
    assert guard.connects == [("127.0.0.1", site.port)]  # the allowed server's, and no other


def test_an_allowed_network_is_fetched(site):
    assert fetch(site.url("/news.html"), LOCAL).body == _file("news.html")
    assert fetch(site.url("/first"), FetchPolicy(allow_private=False, allow=("127.0.0.0/8",))).redirects


def test_dns_rebinding_cannot_reach_loopback(site, guard):
    # Public when checked, loopback a moment later: the connection goes where the check looked.
    guard.resolve("rebind.example", [PUBLIC], ["127.0.0.1"])
    with pytest.raises(FetchError, match=r"could not connect to rebind.example"):
        fetch(f"http://rebind.example:{site.port}/news.html", FetchPolicy(allow_private=False))
    assert guard.lookups.count("rebind.example") == 1
    assert guard.connects == [(PUBLIC, site.port)]
    assert site.seen == []


def test_the_checked_address_is_connected_with_the_name_kept_in_the_host_header(site, guard):
    guard.resolve("news.example", ["127.0.0.1"], ["127.0.0.1"], ["10.0.0.1"])
    got = fetch(f"http://news.example:{site.port}/news.html", LOCAL)
    assert got.url == f"http://news.example:{site.port}/news.html"
    assert site.seen == [("/news.html", f"news.example:{site.port}")]
    assert guard.lookups.count("news.example") == 1
    # Every hop is looked up and checked again: the name rebinds at the redirect, and is caught.
    with pytest.raises(
        FetchError, match=r"redirected to http://news.example:\d+/second, which leads to .*10.0.0.1"
    ):
        fetch(f"http://news.example:{site.port}/first", LOCAL)
    assert guard.connects == [("127.0.0.1", site.port)] * 2


# --- TLS: the vetted address, the link's name ------------------------------------------


def test_https_sends_the_name_for_sni_and_checks_the_certificate_against_it(tls_site, guard):
    guard.resolve("news.example", ["127.0.0.1"])
    tls_site.certificate = "news.example"
    policy = FetchPolicy(allow_private=False, allow=("127.0.0.1/32",), ca_file=str(PAGES / "tls_ca.pem"))
    got = fetch(f"https://news.example:{tls_site.port}/news.html", policy)
    assert got.body == _file("news.html")
    assert tls_site.sni[-1] == "news.example"
    assert tls_site.seen[-1] == ("/news.html", f"news.example:{tls_site.port}")
    assert guard.connects == [("127.0.0.1", tls_site.port)]


def test_a_certificate_for_another_name_is_refused(tls_site, guard):
    guard.resolve("news.example", ["127.0.0.1"])
    tls_site.certificate = "other.example"
    policy = FetchPolicy(ca_file=str(PAGES / "tls_ca.pem"))
    with pytest.raises(
        FetchError, match=r"the certificate of news.example could not be verified \(.*[Hh]ostname"
    ):
        fetch(f"https://news.example:{tls_site.port}/news.html", policy)
    tls_site.certificate = "news.example"


def test_an_untrusted_certificate_is_refused(tls_site, guard):
    guard.resolve("news.example", ["127.0.0.1"])
    with pytest.raises(
        FetchError, match=r"the certificate of news.example could not be verified .* not fetched"
    ):
        fetch(f"https://news.example:{tls_site.port}/news.html")


# --- the policy itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    "address, refused",
    [
        ("8.8.8.8", False),
        (PUBLIC, False),
        ("2606:4700:4700::1111", False),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("10.255.0.1", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("100.127.255.254", True),
        ("0.0.0.0", True),
        ("255.255.255.255", True),
        ("224.0.0.251", True),
        ("240.0.0.1", True),
        ("::", True),
        ("::1", True),
        ("fc00::1", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:8.8.8.8", False),  # IPv4-mapped: the IPv4 address decides
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8
    ],
)
def test_which_addresses_are_refused(address, refused):
    assert FetchPolicy(allow_private=False).refuses(ipaddress.ip_address(address)) is refused
    assert FetchPolicy().refuses(ipaddress.ip_address(address)) is False


def test_allowed_networks_open_only_themselves():
    policy = FetchPolicy(allow_private=False, allow=("10.0.0.0/8", "fd00::/8", "127.0.0.1"))
    refuses = [
        policy.refuses(ipaddress.ip_address(a)) for a in ("10.1.2.3", "fd00::5", "127.0.0.1", "127.0.0.2")
    ]
    assert refuses == [False, False, False, True]
    assert policy.refuses(ipaddress.ip_address("::ffff:10.1.2.3")) is False  # its IPv4 is allowed


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"allow": "10.0.0.0/8"}, "allow must be a tuple of networks, got the string '10.0.0.0/8'"),
        ({"allow": ("intranet",)}, "allow takes networks like '10.0.0.0/8'; got 'intranet'"),
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"max_bytes": 0}, "max_bytes must be at least 1, got 0"),
        ({"max_redirects": -1}, "max_redirects must be 0 or more, got -1"),
    ],
)
def test_a_bad_policy_says_what_it_got(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FetchPolicy(**kwargs)
