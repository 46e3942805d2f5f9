"""kazoo scenarios for golden-frame capture. Usage: python3 scenarios.py <host:port> <scenario>

Runs one scenario against the recording proxy. Lines "SYNC <tag>" on stdout ask the driver to do something
(e.g. cut the connection) and the script waits for a line on stdin before going on.
kazoo 2.8 has no API for containers, TTL nodes or addWatch, so those use small request classes sent through
kazoo's own connection (KazooClient._call), i.e. still framed and xid-numbered by kazoo.
"""
import struct
import sys
import threading
import time
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import (AuthFailedError, BadArgumentsError, BadVersionError, NodeExistsError, NoAuthError,
                              NoNodeError, NotEmptyError, ZookeeperError)
from kazoo.handlers.threading import AsyncResult
from kazoo.protocol.serialization import int_struct, read_string, stat_struct, write_buffer, write_string
from kazoo.protocol.states import ZnodeStat
from kazoo.security import ACL, CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, Id, Permissions, make_digest_acl

HOSTS = sys.argv[1]
SCENARIO = sys.argv[2]


def sync_point(tag):
    print("SYNC " + tag, flush=True)
    sys.stdin.readline()


def client(timeout=10.0, **kw):
    c = KazooClient(hosts=HOSTS, timeout=timeout, **kw)
    c.start(timeout=15)
    return c


def ser_acls(acls):
    b = bytearray(int_struct.pack(len(acls)))
    for a in acls:
        b.extend(int_struct.pack(a.perms) + write_string(a.id.scheme) + write_string(a.id.id))
    return b


class CreateContainer(namedtuple("CreateContainer", "path data acl flags")):
    type = 19

    def serialize(self):
        return bytearray(write_string(self.path)) + write_buffer(self.data) + ser_acls(self.acl) + \
            int_struct.pack(self.flags)

    @classmethod
    def deserialize(cls, bytes, offset):
        path, offset = read_string(bytes, offset)
        return path, ZnodeStat._make(stat_struct.unpack_from(bytes, offset))


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    type = 21

    def serialize(self):
        return bytearray(write_string(self.path)) + write_buffer(self.data) + ser_acls(self.acl) + \
            int_struct.pack(self.flags) + struct.pack("!q", self.ttl)

    @classmethod
    def deserialize(cls, bytes, offset):
        path, offset = read_string(bytes, offset)
        return path, ZnodeStat._make(stat_struct.unpack_from(bytes, offset))


class AddWatch(namedtuple("AddWatch", "path mode")):
    type = 106

    def serialize(self):
        return bytearray(write_string(self.path)) + int_struct.pack(self.mode)

    @classmethod
    def deserialize(cls, bytes, offset):
        return int_struct.unpack_from(bytes, offset)[0]


def call(c, req):
    r = AsyncResult(c.handler)
    c._call(req, r)
    return r.get(timeout=10)


def expect(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc:
        return
    raise AssertionError("expected %s" % exc.__name__)


def basic():
    c = client()
    c.create("/kb", b"root data")
    c.create("/kb/persistent", b"hello")
    c.create("/kb/empty")
    c.create("/kb/eph", b"e", ephemeral=True)
    c.create("/kb/seq-", b"s", sequence=True)
    c.create("/kb/eseq-", b"", ephemeral=True, sequence=True)
    c.create("/kb/with-stat", b"x", include_data=True)  # create2
    c.create("/kb/deep/er/path", b"p", makepath=True)
    acl = [make_digest_acl("alice", "secret", all=True), ACL(Permissions.READ, Id("ip", "127.0.0.1")),
           ACL(Permissions.READ | Permissions.WRITE, Id("world", "anyone"))]
    c.create("/kb/acl", b"acl", acl=acl)
    c.create("/kb/readonly", b"r", acl=READ_ACL_UNSAFE)
    expect(NodeExistsError, c.create, "/kb/persistent", b"again")
    expect(NoNodeError, c.create, "/kb/missing/child", b"")
    c.exists("/kb/persistent")
    c.exists("/kb/absent")
    c.exists("/kb/persistent", watch=lambda e: None)
    c.exists("/kb/absent2", watch=lambda e: None)
    c.get("/kb/persistent")
    c.get("/kb/empty")
    expect(NoNodeError, c.get, "/kb/absent")
    c.get_children("/kb")
    c.get_children("/kb", include_data=True)  # getChildren2
    expect(NoNodeError, c.get_children, "/kb/absent")
    c.set("/kb/persistent", b"v1")
    c.set("/kb/persistent", b"v2", version=1)
    expect(BadVersionError, c.set, "/kb/persistent", b"bad", version=42)
    expect(NoAuthError, c.set, "/kb/readonly", b"nope")
    c.get_acls("/kb/acl")
    c.get_acls("/")
    c.set_acls("/kb/empty", [ACL(Permissions.ALL, Id("world", "anyone")), ACL(Permissions.READ, Id("ip", "10.0.0.0/8"))])
    expect(BadVersionError, c.set_acls, "/kb/empty", OPEN_ACL_UNSAFE, version=7)
    c.sync("/kb")
    expect(NotEmptyError, c.delete, "/kb/deep")
    expect(BadVersionError, c.delete, "/kb/persistent", version=99)
    c.delete("/kb/persistent", version=2)
    expect(NoNodeError, c.delete, "/kb/persistent")
    c.delete("/kb/deep", recursive=True)
    expect(BadArgumentsError, c.delete, "/zookeeper")
    c.stop()
    c.close()


def extended():
    c = client()
    c.create("/kx", b"")
    call(c, CreateContainer("/kx/container", b"c", OPEN_ACL_UNSAFE, 4))
    call(c, CreateTTL("/kx/ttl", b"t", OPEN_ACL_UNSAFE, 5, 60000))
    call(c, CreateTTL("/kx/ttlseq-", b"t", OPEN_ACL_UNSAFE, 6, 1000))
    expect(BadArgumentsError, call, c, CreateTTL("/kx/badttl", b"", OPEN_ACL_UNSAFE, 5, 0))
    expect(NodeExistsError, call, c, CreateContainer("/kx/container", b"c", OPEN_ACL_UNSAFE, 4))
    c.get("/kx/ttl")
    c.exists("/kx/container")
    # (no reconfig here: kazoo 2.8 does not know RECONFIGDISABLED (-123) and its connection loop dies on it)
    c.stop()
    c.close()


def watches():
    a = client()
    b = client()
    a.create("/kw", b"")
    a.create("/kw/data", b"d0")
    fired = []
    got = threading.Event()

    def w(e):
        fired.append(e)
        got.set()

    for path, setup, action in [
        ("/kw/data", lambda: a.get("/kw/data", watch=w), lambda: b.set("/kw/data", b"d1")),
        ("/kw", lambda: a.get_children("/kw", watch=w), lambda: b.create("/kw/child", b"")),
        ("/kw/new", lambda: a.exists("/kw/new", watch=w), lambda: b.create("/kw/new", b"")),
        ("/kw/new", lambda: a.get("/kw/new", watch=w), lambda: b.delete("/kw/new")),
        ("/kw", lambda: a.get_children("/kw", include_data=True, watch=w), lambda: b.delete("/kw/child")),
    ]:
        got.clear()
        setup()
        action()
        if not got.wait(10):
            raise AssertionError("no event for " + path)
    b.stop()
    b.close()
    a.stop()
    a.close()


def persistent_watches():
    a = client()
    b = client()
    a.create("/kp", b"")
    a.create("/kp/sub", b"")
    call(a, AddWatch("/kp", 0))
    call(a, AddWatch("/kp/sub", 1))
    b.set("/kp", b"1")
    b.create("/kp/sub/leaf", b"")
    b.set("/kp/sub/leaf", b"2")
    b.delete("/kp/sub/leaf")
    time.sleep(0.5)
    b.stop()
    b.close()
    a.stop()
    a.close()


def txn():
    c = client()
    c.create("/kt", b"")
    c.create("/kt/a", b"a")
    t = c.transaction()
    t.create("/kt/b", b"b")
    t.create("/kt/eph", b"", ephemeral=True)
    t.set_data("/kt/a", b"a2")
    t.check("/kt/a", 1)
    t.delete("/kt/b")
    t.create("/kt/seq-", b"", sequence=True)
    res = t.commit()
    t = c.transaction()
    t.create("/kt/c", b"c")
    t.check("/kt/a", 5)
    t.set_data("/kt/a", b"never")
    t.delete("/kt/a")
    res = t.commit()
    t = c.transaction()
    t.delete("/kt/nonexistent")
    t.create("/kt/d", b"")
    t.commit()
    t = c.transaction()
    t.create("/kt", b"")
    t.commit()
    c.stop()
    c.close()


def auth():
    c = client(auth_data=[("digest", "alice:secret")])  # auth sent right after connect
    c.create("/ka", b"")
    c.create("/ka/alice", b"mine", acl=[make_digest_acl("alice", "secret", all=True)])
    c.create("/ka/creator", b"c", acl=CREATOR_ALL_ACL)
    c.get("/ka/alice")
    c.get_acls("/ka/creator")
    c.add_auth("digest", "bob:hunter2")
    c.stop()
    c.close()
    d = client()
    expect(NoAuthError, d.get, "/ka/alice")
    expect(NoAuthError, d.get_acls, "/ka/alice")
    d.add_auth("digest", "alice:wrong")
    expect(NoAuthError, d.get, "/ka/alice")
    d.add_auth("digest", "alice:secret")
    d.get("/ka/alice")
    d.add_auth("digest", "super:zkts-super")
    d.stop()
    d.close()
    e = client()
    try:
        e.add_auth("bogus-scheme", "whatever")
    except AuthFailedError:
        pass
    e.stop()
    e.close()


def ping():
    c = client(timeout=4.0)
    c.create("/kping", b"")
    time.sleep(3.5)
    c.get("/kping")
    c.stop()
    c.close()


def reconnect():
    c = client(timeout=10.0)
    c.create("/kr", b"before")
    c.get("/kr", watch=lambda e: None)
    c.get_children("/kr", watch=lambda e: None)
    c.exists("/kr/absent", watch=lambda e: None)
    sync_point("drop")
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            c.get("/kr")
            break
        except Exception:
            time.sleep(0.2)
    c.set("/kr", b"after")
    c.stop()
    c.close()


SCENARIOS = {"basic": basic, "extended": extended, "watches": watches, "persistent-watches": persistent_watches,
             "txn": txn, "auth": auth, "ping": ping, "reconnect": reconnect}

if __name__ == "__main__":
    SCENARIOS[SCENARIO]()
    print("DONE", flush=True)
