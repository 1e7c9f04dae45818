"""Fetch an article from a link, safely enough to do it on a server's behalf.

    >>> article = load_url("https://news.example/article/42", FetchPolicy(allow_private=False))
    >>> article.name, article.page.url
    ('청솔군, 문 닫은 솔바람초교를 주민 도서관으로…4월 15일 개관', 'https://news.example/article/42')

A server that fetches links for its users can be turned against its own network
(server-side request forgery): a link to 127.0.0.1, to the cloud's metadata
address 169.254.169.254, to an office printer. With ``allow_private=False`` such
a link is refused before any connection is opened, every redirect is checked the
same way, and each connection goes to the very address that was checked: the
host's name is resolved once, here, and the request is sent to that IP while
the Host header, the TLS server name and the certificate check keep the name.
So a name that resolves to a public address when checked and to 127.0.0.1 a
moment later (DNS rebinding) reaches the public address or nothing.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, replace

import httpx

from index.article import MAX_ARTICLE_BYTES, Article
from index.documents import CONTENT_TYPES, read_document, sniff
from index.errors import FetchError, brief

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What no public link should lead to: the NAT64 prefix embeds an IPv4 address, and
# 100.64/10 (carrier-grade NAT) is not "private" to Python 3.11 though not public either.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")

# Servers that do not know what they send say so; the bytes decide (a PDF or a .docx).
_UNKNOWN_TYPES = {"application/octet-stream", "binary/octet-stream", "application/x-download"}
_REDIRECTS = {301, 302, 303, 307, 308}
_HEADERS = {
    "User-Agent": "Mozilla/5.0 (compatible; qa-article-reader/0.1)",
    "Accept": "text/html,application/xhtml+xml,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain;q=0.9,*/*;q=0.1",
    "Accept-Language": "ko,en;q=0.8",
}


@dataclass(frozen=True)
class FetchPolicy:
    """Which links are fetched, and how patiently.

    ``allow_private=False`` refuses links whose host is, or resolves to, a
    loopback, private, link-local (the cloud metadata address), shared,
    multicast, reserved or unspecified address, unless it lies in one of the
    ``allow`` networks (CIDR, ``"10.0.0.0/8"``; a bare address is one host).
    ``timeout`` bounds the whole fetch in seconds, redirects included;
    ``max_bytes`` the body, read as it streams; ``max_redirects`` the hops.
    ``ca_file`` trusts that CA bundle instead of the usual ones (a company's own).
    """

    allow_private: bool = True
    allow: tuple[str, ...] = ()
    timeout: float = 20.0
    max_bytes: int = MAX_ARTICLE_BYTES
    max_redirects: int = 5
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.allow, str):
            raise ValueError(f"allow must be a tuple of networks, got the string {self.allow!r}")
        for net in self.allow:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"allow takes networks like '10.0.0.0/8'; got {net!r}") from None
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, got {self.max_bytes!r}")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects must be 0 or more, got {self.max_redirects!r}")

    def refuses(self, address: IPAddress) -> bool:
        """Whether a connection to ``address`` is refused under this policy."""
        if self.allow_private:
            return False
        forms = [address, *_embedded(address)]
        nets = [ipaddress.ip_network(n, strict=False) for n in self.allow]
        if any(form in net for form in forms for net in nets):
            return False
        return _special(address)


@dataclass(frozen=True)
class Fetched:
    """A page as its server gave it: ``url`` is where it was found at last, after
    the ``redirects`` (each link that sent the fetch on, the first the one asked for)."""

    url: str
    content_type: str | None
    body: bytes
    redirects: tuple[str, ...] = ()


def fetch(url: str, policy: FetchPolicy = FetchPolicy()) -> Fetched:
    """GET ``url`` under ``policy``, following redirects, and return the body.

    Only http and https links are fetched; a body that is not a web page, a PDF,
    a .docx or text is refused before it is read. Raises :class:`FetchError`
    with one sentence naming the link when the fetch is refused or fails.
    """
    deadline = time.monotonic() + policy.timeout
    current = _parse(url)
    redirects: list[str] = []
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=policy.ca_file) if policy.ca_file else True
    )
    # No proxies from the environment: a proxy would resolve the name itself.
    with httpx.Client(verify=verify, trust_env=False, follow_redirects=False, headers=_HEADERS) as client:
        while True:
            response = _open(client, current, policy, deadline, url)
            try:
                nxt = _redirect(response, current, redirects, policy, url)
                if nxt is None:
                    content_type = response.headers.get("content-type")
                    _check_type(content_type, str(current))
                    body = _read(response, policy, deadline, str(current))
                    break
            finally:
                response.close()
            current = nxt
    if _mime(content_type) in _UNKNOWN_TYPES and sniff(body) is None:
        raise FetchError(
            f"the link {current} gives a file of unknown type ({_mime(content_type)}) that is not a PDF "
            "or a .docx; link to the article's web page instead"
        )
    return Fetched(str(current), content_type, body, tuple(redirects))


def load_url(url: str, policy: FetchPolicy = FetchPolicy()) -> Article:
    """The article at ``url``: fetched under ``policy``, then read as a web page, PDF,
    .docx or text. Its ``page.url`` is the address the fetch ended at; its name is
    the page's title, else the link's host and path."""
    fetched = fetch(url, policy)
    document = read_document(fetched.body, fetched.url, content_type=fetched.content_type, url=fetched.url)
    page = replace(document.page, url=fetched.url)
    final = httpx.URL(fetched.url)
    name = page.title or f"{final.host}{final.path}".rstrip("/")
    return Article.from_text(document.text, name=name, page=page)


# --- where a link may go ------------------------------------------------------------


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as e:
        raise FetchError(f"{url!r} is not a valid link ({brief(e)})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"{url!r} is not an http:// or https:// link; only web links are fetched")
    return parsed


def _redirect(
    response: httpx.Response, current: httpx.URL, redirects: list[str], policy: FetchPolicy, asked: str
) -> httpx.URL | None:
    """Where a redirect sends the fetch next (noting ``current`` in ``redirects``), or
    None when ``response`` is the page itself; an error status raises."""
    location = response.headers.get("location")
    if response.status_code in _REDIRECTS and location:
        nxt = _follow(current, location, asked)
        redirects.append(str(current))
        if str(nxt) in redirects:
            chain = " -> ".join([*redirects, str(nxt)])
            raise FetchError(f"the link {asked} redirects in a loop ({chain}); it cannot be fetched")
        if len(redirects) > policy.max_redirects:
            raise FetchError(
                f"the link {asked} redirected more than {policy.max_redirects} times; open it in "
                "a browser and give the address it ends at"
            )
        return nxt
    if not response.is_success:
        raise FetchError(
            f"the page {current} answered {response.status_code} {response.reason_phrase}; check the link"
        )
    return None


def _follow(current: httpx.URL, location: str, asked: str) -> httpx.URL:
    try:
        nxt = current.join(location.strip())
    except httpx.InvalidURL:
        raise FetchError(f"the link {asked} redirected to {location!r}, which is not a valid link") from None
    if nxt.scheme not in ("http", "https") or not nxt.host:
        raise FetchError(
            f"the link {asked} redirected to {location!r}, which is not an http or https link; "
            "it is not followed"
        )
    return nxt.copy_with(fragment=None)


def _special(address: IPAddress) -> bool:
    """Whether ``address`` is no public one. An IPv4-mapped or NAT64 address is the
    IPv4 address it stands for; 6to4 and Teredo ones are judged with theirs too."""
    embedded = _embedded(address)
    if isinstance(address, ipaddress.IPv6Address) and (address.ipv4_mapped or address in _NAT64):
        return _special(embedded[0])
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in _SHARED
        or any(_special(inner) for inner in embedded)
    )


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found: list[IPAddress] = []
    if address.ipv4_mapped:
        return [address.ipv4_mapped]
    if address in _NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    return found


def _addresses(url: httpx.URL, policy: FetchPolicy, asked: str) -> list[IPAddress]:
    """Where ``url``'s host is, checked against ``policy``: every address it resolves
    to must be allowed (one bad answer refuses the link), in the resolver's order."""
    host = url.host
    try:
        found: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            infos = socket.getaddrinfo(url.raw_host.decode("ascii"), port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise FetchError(
                f"the host {host} of the link {asked} could not be found ({brief(e)}); check the link"
            ) from None
        found = []
        for family, *_, sockaddr in infos:
            if family in (socket.AF_INET, socket.AF_INET6):
                # A scope (fe80::1%eth0) is no part of the address.
                address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
                if address not in found:
                    found.append(address)
    if not found:
        raise FetchError(f"the host {host} of the link {asked} has no IP address; check the link")
    for address in found:
        if policy.refuses(address):
            via = "" if str(url) == asked else f"redirected to {url}, which "
            raise FetchError(
                f"the link {asked} {via}leads to a private or local address ({address}): links to private or "
                "local addresses are not fetched by this server; set QA_FETCH_ALLOW to allow them"
            )
    return found


# --- one request --------------------------------------------------------------------


def _open(
    client: httpx.Client, url: httpx.URL, policy: FetchPolicy, deadline: float, asked: str
) -> httpx.Response:
    """GET ``url`` from one of its checked addresses, trying them in order; the caller
    reads the streamed body and closes the response.

    The request goes to the IP itself; the Host header and the TLS server name
    (so the certificate check too) keep the name the link gave."""
    addresses = _addresses(url, policy, asked)
    headers = {"Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    failed: httpx.ConnectError | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address)),
            headers=headers,
            extensions=extensions,
            timeout=httpx.Timeout(remaining),
        )
        try:
            return client.send(request, stream=True)
        except httpx.ConnectError as e:
            if _tls_failure(e):
                raise FetchError(_tls_message(e, url, asked)) from None
            failed = e  # the next address may answer (an IPv6 route that is not there)
        except httpx.TimeoutException:
            raise FetchError(_slow(asked, policy)) from None
        except httpx.HTTPError as e:
            raise FetchError(f"the page {url} could not be fetched ({brief(e)}); try again later") from None
    if failed is None:
        raise FetchError(_slow(asked, policy))
    raise FetchError(
        f"could not connect to {url.host} for the link {asked} ({brief(failed)}); check the link"
    )


def _slow(asked: str, policy: FetchPolicy) -> str:
    return (
        f"the page {asked} did not answer within {policy.timeout:g} s; try again later, or save the page "
        "and load the file"
    )


def _tls_failure(e: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _tls_message(e: httpx.ConnectError, url: httpx.URL, asked: str) -> str:
    cause = _tls_failure(e)
    if isinstance(cause, ssl.SSLCertVerificationError):
        why = cause.verify_message or brief(cause)
        return (
            f"the certificate of {url.host} could not be verified ({why}), so the link {asked} is not "
            "fetched; check the address, or save the page and load the file"
        )
    return (
        f"the secure connection to {url.host} failed ({brief(cause or e)}); the link {asked} is not fetched"
    )


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _check_type(content_type: str | None, url: str) -> None:
    """Refuse what is no article before its body is read (a video, say)."""
    mime = _mime(content_type)
    if not mime or mime in CONTENT_TYPES or mime in _UNKNOWN_TYPES:
        return
    what = {"image": "an image", "video": "a video", "audio": "audio", "font": "a font"}.get(
        mime.split("/")[0]
    )
    raise FetchError(
        f"the link {url} gives {what + ' ' if what else ''}({mime}), not an article (a web page, a PDF, "
        "a .docx or text); link to the article's page instead"
    )


def _read(response: httpx.Response, policy: FetchPolicy, deadline: float, url: str) -> bytes:
    too_big = (
        f"the page {url} is over {policy.max_bytes:,} bytes; articles up to that are fetched "
        "(save the article's text and load the file instead)"
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(too_big)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchError(too_big)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(_slow(url, policy))
    except httpx.TimeoutException:
        raise FetchError(_slow(url, policy)) from None
    except httpx.HTTPError as e:
        raise FetchError(
            f"the page {url} stopped sending before its end ({brief(e)}); try again later"
        ) from None
    return b"".join(chunks)
