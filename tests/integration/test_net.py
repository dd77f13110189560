"""CONNECTION, DNS and INTERNET events against the real kernel, on loopback only
(127.0.0.1 and ::1): servers are started by the tests themselves."""
import array
import os
import socket
import struct
import time

import pytest

from conftest import ev

# One ward for the module: no folding matters here, and every assertion is
# tied to this test process's pid and to ports it chose.
WARD_ARGS = ()

ME = os.getpid


def conn(r):
    return r["connection"]


def wait_conn(ward, access, pid=None, **kw):
    return ward.wait_for(ev(access, pid=pid if pid is not None else ME(), **kw))


# ---------------------------------------------------------------- TCP

@pytest.mark.parametrize("family,host", [(socket.AF_INET, "127.0.0.1"),
                                         (socket.AF_INET6, "::1")])
def test_tcp_listen_connect_accept(ward, family, host):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind((host, 0))
    srv.listen(8)
    sport = srv.getsockname()[1]
    cli = socket.socket(family, socket.SOCK_STREAM)
    cli.connect((host, sport))
    cport = cli.getsockname()[1]
    acc, peer = srv.accept()
    try:
        r = wait_conn(ward, "CONNECTION_LISTEN", connection__local_port=sport)
        assert conn(r) == {"protocol": "TCP", "local_ip": host, "local_port": sport,
                           "remote_ip": "::" if family == socket.AF_INET6 else "0.0.0.0",
                           "remote_port": 0, "status": "ok"}
        assert r["event_type"] == "CONNECTION" and r["access_type_id"] == 202
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=sport)
        assert conn(r) == {"protocol": "TCP", "local_ip": host, "local_port": cport,
                           "remote_ip": host, "remote_port": sport, "status": "ok"}
        assert r["access_type_id"] == 204 and r["event_type_id"] == 3
        r = wait_conn(ward, "CONNECTION_CONNECT_INBOUND", connection__remote_port=cport)
        assert conn(r) == {"protocol": "TCP", "local_ip": host, "local_port": sport,
                           "remote_ip": host, "remote_port": cport, "status": "ok"}
        assert r["access_type_id"] == 203
    finally:
        acc.close()
        cli.close()
        srv.close()


def test_refused_connect_is_reported_failed(ward):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = socket.socket()
    with pytest.raises(ConnectionRefusedError):
        c.connect(("127.0.0.1", port))
    c.close()
    r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=port)
    assert conn(r)["status"] == "failed"
    assert conn(r)["error"] == "ECONNREFUSED"
    assert conn(r)["remote_ip"] == "127.0.0.1"


def test_nonblocking_connect_reports_its_outcome(ward):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    c = socket.socket()
    c.setblocking(False)
    rc = c.connect_ex(("127.0.0.1", port))
    assert rc in (0, 115)  # EINPROGRESS
    try:
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=port)
        assert conn(r)["status"] == "ok"
        assert conn(r)["local_port"] == c.getsockname()[1]
        assert r["process"]["pid"] == ME() and r["process"]["comm"]
    finally:
        c.close()
        srv.close()


def test_nonblocking_connect_refused_is_failed(ward):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", port))
    try:
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=port)
        assert conn(r)["status"] == "failed" and conn(r)["error"] == "ECONNREFUSED"
    finally:
        c.close()


# ---------------------------------------------------------------- UDP

def test_udp_bind_is_listen_and_connect_is_outbound(ward):
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(("127.0.0.1", port))
    try:
        r = wait_conn(ward, "CONNECTION_LISTEN", connection__local_port=port)
        assert conn(r)["protocol"] == "UDP" and conn(r)["local_ip"] == "127.0.0.1"
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=port,
                      connection__protocol="UDP")
        assert conn(r)["local_port"] == c.getsockname()[1]
        assert conn(r)["remote_ip"] == "127.0.0.1"
    finally:
        c.close()
        srv.close()


def test_unconnected_udp_first_send_to_each_peer(ward):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.bind(("127.0.0.1", 0))
    pa, pb = a.getsockname()[1], b.getsockname()[1]
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _ in range(3):
            c.sendto(b"x", ("127.0.0.1", pa))
        c.sendto(b"y", ("127.0.0.1", pb))
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", connection__remote_port=pb,
                      connection__protocol="UDP")
        cport = c.getsockname()[1]
        assert conn(r)["local_port"] == cport
        first = ward.events(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(),
                               connection__remote_port=pa, connection__protocol="UDP"))
        assert len(first) == 1, first  # three datagrams, one new peer
    finally:
        for s in (a, b, c):
            s.close()


# ---------------------------------------------------------------- attribution

def test_socket_used_by_forked_child_is_the_childs(ward):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    s = socket.socket()
    pid = os.fork()
    if pid == 0:
        try:
            s.connect(("127.0.0.1", port))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    try:
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", pid=pid, connection__remote_port=port)
        assert r["process"]["ppid"] == ME()
        assert not ward.events(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(),
                                  connection__remote_port=port))
    finally:
        s.close()
        srv.close()


def test_socket_passed_over_scm_rights_is_the_receivers(ward):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            left.close()
            msg, anc, flags, addr = right.recvmsg(1, socket.CMSG_LEN(4))
            fds = array.array("i")
            fds.frombytes(anc[0][2][:4])
            t = socket.socket(fileno=fds[0])
            t.connect(("127.0.0.1", port))
        finally:
            os._exit(0)
    right.close()
    s = socket.socket()  # made here, connected there
    left.sendmsg([b"s"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [s.fileno()]))])
    os.waitpid(pid, 0)
    try:
        r = wait_conn(ward, "CONNECTION_CONNECT_OUTBOUND", pid=pid, connection__remote_port=port)
        assert conn(r)["status"] == "ok"
        assert not ward.events(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(),
                                  connection__remote_port=port))
    finally:
        left.close()
        s.close()
        srv.close()


# ---------------------------------------------------------------- DNS

def dns_query(name, qtype=1, qid=0x1234, raw_name=None):
    if raw_name is None:
        raw_name = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + raw_name + struct.pack(">HH", qtype, 1)


@pytest.fixture(scope="module")
def responder():
    """A local 'DNS server' on 127.0.0.1:53 (UDP and TCP); it need not answer."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        u.bind(("127.0.0.1", 53))
        t.bind(("127.0.0.1", 53))
    except OSError as e:
        pytest.skip("127.0.0.1:53 is taken on this machine: %s" % e)
    t.listen(4)
    yield u, t
    u.close()
    t.close()


def dns_event(ward, query=None, **kw):
    return ward.wait_for(ev("DNS_QUERY", pid=ME(), dns__query=query, **kw) if query is not None
                         else ev("DNS_QUERY", pid=ME(), **kw))


def test_dns_udp_sendto(ward, responder):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(dns_query("www.example.com", 1, 0x4242), ("127.0.0.1", 53))
    r = dns_event(ward, "www.example.com")
    assert r["event_type"] == "DNS" and r["access_type_id"] == 301
    assert r["dns"] == {"query": "www.example.com", "qtype": "A", "qtype_id": 1,
                        "server_ip": "127.0.0.1", "server_port": 53}
    assert r["connection"]["local_port"] == c.getsockname()[1]
    c.close()


def test_dns_connected_send_and_sendmsg_aaaa_txt(ward, responder):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(("127.0.0.1", 53))
    c.send(dns_query("aaaa.ward.test", 28))
    c.sendmsg([dns_query("txt.ward.test", 16)])
    assert dns_event(ward, "aaaa.ward.test")["dns"]["qtype"] == "AAAA"
    assert dns_event(ward, "txt.ward.test")["dns"]["qtype"] == "TXT"
    c.close()


def test_dns_over_tcp(ward, responder):
    c = socket.create_connection(("127.0.0.1", 53))
    q = dns_query("tcp.ward.test", 1)
    c.sendall(struct.pack(">H", len(q)) + q)
    r = dns_event(ward, "tcp.ward.test")
    assert r["dns"]["tcp"] is True and r["connection"]["protocol"] == "TCP"
    c.close()


def test_dns_longest_name(ward, responder):
    labels = ["a" * 63, "b" * 63, "c" * 63, "d" * 61]
    name = ".".join(labels)
    assert len(name) == 253
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(dns_query(name), ("127.0.0.1", 53))
    assert dns_event(ward, name)["dns"]["qtype"] == "A"
    c.close()


def test_dns_compressed_name_followed(ward, responder):
    # the question name points back to the header area? Not allowed; build a
    # message whose second label sequence points to the first name.
    body = b"\x03www\x05first\x04test\x00" + struct.pack(">HH", 1, 1)
    msg = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + body
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(msg, ("127.0.0.1", 53))
    assert dns_event(ward, "www.first.test")
    c.close()


@pytest.mark.parametrize("what,payload", [
    ("truncated header", b"\x12\x34\x01\x00\x00"),
    ("label past the end", struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x3fabc"),
    ("pointer loop", struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + b"\0\x01\0\x01"),
    ("label of 64", struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x40" + b"x" * 64 + b"\0\0\x01\0\x01"),
])
def test_dns_malformed_is_flagged_not_misreported(ward, responder, what, payload):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(payload, ("127.0.0.1", 53))
    port = c.getsockname()[1]
    r = ward.wait_for(ev("DNS_QUERY", pid=ME(), connection__local_port=port))
    assert r["dns"]["malformed"] is True, (what, r["dns"])
    assert r["dns"]["query"] is None
    c.close()


# ---------------------------------------------------------------- HTTP

@pytest.fixture
def http_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield srv, srv.getsockname()[1]
    srv.close()


def send_http(port, data):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(data)
    return c


def test_http_get(ward, http_server):
    srv, port = http_server
    c = send_http(port, b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n")
    r = ward.wait_for(ev("INTERNET_CONNECT", pid=ME(), connection__remote_port=port))
    assert r["event_type"] == "INTERNET" and r["access_type_id"] == 602
    assert r["http"] == {"method": "GET", "url": "/index.html?q=1", "host": "example.test"}
    c.close()


def test_http_proxy_absolute_uri_and_connect(ward, http_server):
    srv, port = http_server
    c1 = send_http(port, b"GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n")
    c2 = send_http(port, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    p1, p2 = c1.getsockname()[1], c2.getsockname()[1]
    r1 = ward.wait_for(ev("INTERNET_CONNECT", pid=ME(), connection__local_port=p1))
    r2 = ward.wait_for(ev("INTERNET_CONNECT", pid=ME(), connection__local_port=p2))
    assert r1["http"] == {"method": "GET", "url": "http://example.com/x", "host": "example.com",
                          "proxy": True}
    assert r2["http"] == {"method": "CONNECT", "url": "example.com:443",
                          "host": "example.com:443", "proxy": True}
    c1.close()
    c2.close()


def test_http_only_first_bytes_of_a_stream(ward, http_server):
    srv, port = http_server
    c = send_http(port, b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
    lp = c.getsockname()[1]
    ward.wait_for(ev("INTERNET_CONNECT", pid=ME(), connection__local_port=lp, http__url="/a"))
    c.sendall(b"GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
    ward.assert_absent(ev("INTERNET_CONNECT", pid=ME(), http__url="/second"))
    c.close()


def test_non_http_bytes_are_not_internet_events(ward, http_server):
    srv, port = http_server
    c = send_http(port, b"SSH-2.0-OpenSSH_9.2\r\n")
    lp = c.getsockname()[1]
    ward.assert_absent(ev("INTERNET_CONNECT", pid=ME(), connection__local_port=lp))
    c.close()
