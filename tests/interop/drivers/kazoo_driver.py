#!/usr/bin/python3
"""Differential interop driver for kazoo.

Reads {"hosts": "127.0.0.1:PORT", "steps": [...]} as JSON on stdin, runs the steps in order and prints one JSON
list with one result per step on stdout. A step is {"op": name, "s": session, ...args}; a result is
{"ok": value} or {"err": ExceptionClassName}. Every session records the raw watch notifications it receives
(type/state/path as sent by the server) and its kazoo state changes; the "events" step drains them.

Opcodes kazoo 2.8 has no API for (create2 with flags, createContainer, createTTL, checkWatches, removeWatches,
addWatch, getEphemerals, getAllChildrenNumber, whoAmI, setWatches, setWatches2, multiRead) are sent as raw
requests through kazoo's own connection.
"""
import json
import os
import traceback
import socket
import struct
import sys
import threading
import time
import logging

from kazoo.client import KazooClient
from kazoo.exceptions import EXCEPTIONS
from kazoo.protocol import connection as kconn
from kazoo.protocol.serialization import (
    Watch, write_string, write_buffer, read_string, int_struct, long_struct, stat_struct,
    multiheader_struct, MultiHeader,
)
from kazoo.protocol.states import ZnodeStat, KazooState
from kazoo.security import ACL, Id, make_digest_acl_credential

logging.basicConfig(level=logging.CRITICAL)

# kazoo 2.8 knows no error codes newer than -119: an unknown code would kill its connection thread. Register the
# 3.8 codes by their Java names (KeeperException.Code) and any other code as ZooKeeperError<code>.
from kazoo.exceptions import ZookeeperError  # noqa: E402

for _code, _name in [(-12, "UnknownSessionError"), (-120, "EphemeralOnLocalSessionError"), (-121, "NoWatcherError"),
                     (-122, "RequestTimeoutError"), (-123, "ReconfigDisabledError"),
                     (-124, "SessionClosedRequireSaslAuthError"), (-125, "QuotaExceededError"),
                     (-127, "ThrottledOpError")]:
    if _code not in EXCEPTIONS:
        EXCEPTIONS[_code] = type(_name, (ZookeeperError,), {"code": _code})


class _Codes(dict):
    def __missing__(self, code):
        cls = type("ZooKeeperError%d" % code, (ZookeeperError,), {"code": code})
        self[code] = cls
        return cls


import kazoo.exceptions as _kexc  # noqa: E402
import kazoo.protocol.serialization as _kser  # noqa: E402

EXCEPTIONS = _Codes(EXCEPTIONS)
for _mod in (_kexc, kconn, _kser):
    _mod.EXCEPTIONS = EXCEPTIONS

# ---------------------------------------------------------------------------------------------------------------
# Recording of raw notifications and gating of reconnects (patched into kazoo's ConnectionHandler)

RECORDS = {}  # id(client) -> Session
_cond = threading.Condition()

_orig_read_watch_event = kconn.ConnectionHandler._read_watch_event
_orig_connect = kconn.ConnectionHandler._connect


def _read_watch_event(self, buffer, offset):
    watch, _ = Watch.deserialize(buffer, offset)
    sess = RECORDS.get(id(self.client))
    if sess is not None:
        with _cond:
            sess.events.append({"type": watch.type, "state": watch.state, "path": watch.path})
            _cond.notify_all()
    return _orig_read_watch_event(self, buffer, offset)


def _connect(self, host, hostip, port):
    sess = RECORDS.get(id(self.client))
    if sess is not None:
        sess.gate.wait()
    return _orig_connect(self, host, hostip, port)


kconn.ConnectionHandler._read_watch_event = _read_watch_event
kconn.ConnectionHandler._connect = _connect


class Session:
    def __init__(self, name, client):
        self.name = name
        self.client = client
        self.events = []
        self.states = []
        self.transitions = []
        self.gate = threading.Event()
        self.gate.set()


# ---------------------------------------------------------------------------------------------------------------
# Raw requests for opcodes kazoo 2.8 does not expose

def write_acls(acls):
    b = bytearray(int_struct.pack(len(acls)))
    for a in acls:
        b.extend(int_struct.pack(a.perms) + write_string(a.id.scheme) + write_string(a.id.id))
    return b


def read_stat(buf, offset):
    return ZnodeStat._make(stat_struct.unpack_from(buf, offset)), offset + stat_struct.size


def read_string_vector(buf, offset):
    n = int_struct.unpack_from(buf, offset)[0]
    offset += 4
    out = []
    for _ in range(max(n, 0)):
        s, offset = read_string(buf, offset)
        out.append(s)
    return out, offset


def str_or_empty(s):
    """Like write_string, but an empty string stays an empty string (kazoo writes it as null)."""
    b = s.encode("utf-8")
    return int_struct.pack(len(b)) + b


class RawCreate:
    """create (1), create2 (15), createContainer (19) or createTTL (21) with explicit flags."""

    def __init__(self, type_, path, data, acl, flags, ttl=None):
        self.type, self.path, self.data, self.acl, self.flags, self.ttl = type_, path, data, acl, flags, ttl

    def serialize(self):
        b = bytearray(write_string(self.path))
        b.extend(write_buffer(self.data))
        b.extend(write_acls(self.acl))
        b.extend(int_struct.pack(self.flags))
        if self.type == 21:
            b.extend(long_struct.pack(self.ttl))
        return b

    def deserialize(self, buf, offset):
        path, offset = read_string(buf, offset)
        if self.type == 1:
            return {"path": path}
        stat, offset = read_stat(buf, offset)
        return {"path": path, "stat": stat_json(stat)}


class RawPathInt:
    """checkWatches (17), removeWatches (18), addWatch (106): {path, int}."""

    def __init__(self, type_, path, value):
        self.type, self.path, self.value = type_, path, value

    def serialize(self):
        return bytearray(write_string(self.path) + int_struct.pack(self.value))

    def deserialize(self, buf, offset):
        if len(buf) - offset >= 4:
            return {"body": int_struct.unpack_from(buf, offset)[0]}
        return {"body": None}


class RawPath:
    """getEphemerals (103) and getAllChildrenNumber (104): {path}."""

    def __init__(self, type_, path):
        self.type, self.path = type_, path

    def serialize(self):
        return bytearray(str_or_empty(self.path))

    def deserialize(self, buf, offset):
        if self.type == 103:
            return read_string_vector(buf, offset)[0]
        return int_struct.unpack_from(buf, offset)[0]


class RawWhoAmI:
    type = 107

    def serialize(self):
        return bytearray()

    def deserialize(self, buf, offset):
        n = int_struct.unpack_from(buf, offset)[0]
        offset += 4
        out = []
        for _ in range(max(n, 0)):
            scheme, offset = read_string(buf, offset)
            user, offset = read_string(buf, offset)
            out.append({"scheme": scheme, "user": user})
        return out


class RawSetWatches:
    """setWatches (101) or setWatches2 (105); the reply has no body."""

    def __init__(self, rel, data, exist, child, persistent=None, recursive=None):
        self.type = 105 if persistent is not None or recursive is not None else 101
        self.lists = [data, exist, child]
        if self.type == 105:
            self.lists += [persistent or [], recursive or []]
        self.rel = rel

    def serialize(self):
        b = bytearray(long_struct.pack(self.rel))
        for lst in self.lists:
            b.extend(int_struct.pack(len(lst)))
            for p in lst:
                b.extend(write_string(p))
        return b

    def deserialize(self, buf, offset):
        return None


class RawMultiRead:
    type = 22

    def __init__(self, ops):
        self.ops = ops  # [(4|8|12, path)]

    def serialize(self):
        b = bytearray()
        for t, p in self.ops:
            b.extend(multiheader_struct.pack(t, False, -1) + write_string(p) + bytes([0]))
        return b + multiheader_struct.pack(-1, True, -1)

    def deserialize(self, buf, offset):
        out = []
        while True:
            h, offset = MultiHeader.deserialize(buf, offset)
            if h.done:
                return out
            if h.type == -1:
                out.append({"err": EXCEPTIONS[int_struct.unpack_from(buf, offset)[0]].__name__})
                offset += 4
            elif h.type == 4:
                data, offset = read_buffer(buf, offset)
                stat, offset = read_stat(buf, offset)
                out.append({"data": data_json(data), "stat": stat_json(stat)})
            elif h.type in (8, 12):
                children, offset = read_string_vector(buf, offset)
                out.append({"children": sorted(children)})
            else:
                out.append({"type": h.type})
                return out


def read_buffer(buf, offset):
    n = int_struct.unpack_from(buf, offset)[0]
    offset += 4
    if n < 0:
        return None, offset
    return buf[offset:offset + n], offset + n


# ---------------------------------------------------------------------------------------------------------------
# JSON conversion

def stat_json(st):
    if st is None:
        return None
    return {
        "czxid": st.czxid, "mzxid": st.mzxid, "ctime": st.ctime, "mtime": st.mtime, "version": st.version,
        "cversion": st.cversion, "aversion": st.aversion, "ephemeralOwner": "0x%x" % (st.ephemeralOwner & (2**64 - 1)),
        "dataLength": st.dataLength, "numChildren": st.numChildren, "pzxid": st.pzxid,
    }


def data_json(b):
    if b is None:
        return None
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": b.hex()}


def acl_json(acls):
    return [{"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id} for a in acls]


def to_json(v):
    if isinstance(v, ZnodeStat):
        return stat_json(v)
    if isinstance(v, bytes):
        return data_json(v)
    if isinstance(v, BaseException):
        return {"err": type(v).__name__}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    return v


def parse_acls(lst):
    if lst is None:
        return None
    return [ACL(a["perms"], Id(a["scheme"], a["id"])) for a in lst]


OPEN = [ACL(31, Id("world", "anyone"))]

# ---------------------------------------------------------------------------------------------------------------
# Steps

SESSIONS = {}


def session(step):
    return SESSIONS[step.get("s", "a")]


def client(step):
    return session(step).client


def wait_state(sess, want, timeout):
    deadline = time.time() + timeout
    with _cond:
        while sess.client.state != want and time.time() < deadline:
            _cond.wait(0.05)
    return sess.client.state == want


def raw(step, req):
    c = client(step)
    result = c.handler.async_result()
    c._call(req, result)
    return result.get(timeout=10)


def run_step(step, hosts):
    op = step["op"]
    if op == "connect":
        name = step.get("s", "a")
        h = hosts + step.get("chroot", "")
        # "tls": {"ca": path, "certfile": path, "keyfile": path, "verify_certs": bool} connects with TLS;
        # "tries" bounds the connection attempts (a refused TLS handshake is then an error, not a hang).
        tls = step.get("tls")
        tls_args = {}
        if tls is not None:
            tls_args = {"use_ssl": True, "ca": tls.get("ca"), "certfile": tls.get("certfile"),
                        "keyfile": tls.get("keyfile"), "verify_certs": tls.get("verify_certs", True)}
        # "sasl": {"mechanism": "DIGEST-MD5", "username": ..., "password": ...} logs in with SASL (pure-sasl) right
        # after the session is established, as kazoo does it.
        sasl = step.get("sasl")
        c = KazooClient(hosts=h, timeout=step.get("timeout", 10.0),
                        auth_data=[tuple(x) for x in step.get("auth", [])] or None,
                        connection_retry={"max_tries": step.get("tries", -1), "delay": 0.05, "max_delay": 0.2},
                        command_retry=None, sasl_options=dict(sasl) if sasl is not None else None, **tls_args)
        sess = Session(name, c)
        RECORDS[id(c)] = sess
        SESSIONS[name] = sess

        def listener(state, sess=sess):
            with _cond:
                sess.states.append(str(state))
                # kazoo's low-level KeeperState when the change happened (e.g. AUTH_FAILED behind LOST)
                sess.transitions.append((str(state), str(sess.client.client_state)))
                _cond.notify_all()

        c.add_listener(listener)
        if step.get("async"):
            # Returns at once: for a login that fails after the session is made (kazoo reports CONNECTED before its
            # SASL exchange), whether start() saw CONNECTED in time would be a race. Follow with "wait_state".
            c.start_async()
            return True
        c.start(timeout=step.get("start_timeout", 10))
        return {"session": "0x%x" % c.client_id[0], "timeout": c._session_timeout}
    if op == "close":
        sess = session(step)
        sess.gate.set()
        sess.client.stop()
        sess.client.close()
        return True
    c = client(step)
    path = step.get("path")
    data = step.get("data", "").encode("utf-8") if step.get("data") is not None else b""
    version = step.get("version", -1)
    watch = step.get("watch", False)

    def watcher(ev):
        pass  # the raw notification log records what the server sends

    w = watcher if watch else None
    if op == "create":
        return c.create(path, data, acl=parse_acls(step.get("acl")), ephemeral=step.get("ephemeral", False),
                        sequence=step.get("sequence", False), makepath=step.get("makepath", False),
                        include_data=step.get("include_data", False))
    if op in ("create_raw", "create2", "create_container", "create_ttl"):
        t = {"create_raw": 1, "create2": 15, "create_container": 19, "create_ttl": 21}[op]
        flags = step.get("flags", 4 if op == "create_container" else (5 if op == "create_ttl" else 0))
        acl = parse_acls(step.get("acl")) if step.get("acl") is not None else OPEN
        res = raw(step, RawCreate(t, c.chroot + path, data, acl, flags, step.get("ttl")))
        res["path"] = c.unchroot(res["path"])
        return res
    if op == "delete":
        return c.delete(path, version=version, recursive=step.get("recursive", False))
    if op == "exists":
        return c.exists(path, watch=w)
    if op == "get":
        d, st = c.get(path, watch=w)
        return {"data": data_json(d), "stat": stat_json(st)}
    if op == "set":
        return c.set(path, data, version=version)
    if op == "get_acls":
        acls, st = c.get_acls(path)
        return {"acl": acl_json(acls), "stat": stat_json(st)}
    if op == "set_acls":
        return c.set_acls(path, parse_acls(step["acl"]), version=version)
    if op == "get_children":
        if step.get("include_data"):
            ch, st = c.get_children(path, watch=w, include_data=True)
            return {"children": sorted(ch), "stat": stat_json(st)}
        return sorted(c.get_children(path, watch=w))
    if op == "sync":
        return c.sync(path)
    if op == "add_auth":
        c.add_auth(step["scheme"], step["cred"])
        return True
    if op == "transaction":
        t = c.transaction()
        for o in step["ops"]:
            k = o["op"]
            if k == "create":
                t.create(o["path"], o.get("data", "").encode("utf-8"), acl=parse_acls(o.get("acl")),
                         ephemeral=o.get("ephemeral", False), sequence=o.get("sequence", False))
            elif k == "delete":
                t.delete(o["path"], version=o.get("version", -1))
            elif k == "set":
                t.set_data(o["path"], o.get("data", "").encode("utf-8"), version=o.get("version", -1))
            elif k == "check":
                t.check(o["path"], o["version"])
        return t.commit()
    if op == "multi_read":
        ops = [({"get": 4, "children": 8, "children2": 12}[o["op"]], c.chroot + o["path"]) for o in step["ops"]]
        return raw(step, RawMultiRead(ops))
    if op == "reconfig":
        return c.reconfig(joining=step.get("joining"), leaving=step.get("leaving"),
                          new_members=step.get("new_members"), from_config=step.get("from_config", -1))
    if op == "check_watches":
        return raw(step, RawPathInt(17, c.chroot + path, step["type"]))
    if op == "remove_watches":
        return raw(step, RawPathInt(18, c.chroot + path, step["type"]))
    if op == "add_watch":
        return raw(step, RawPathInt(106, c.chroot + path, step["mode"]))
    if op == "get_ephemerals":
        return sorted(raw(step, RawPath(103, c.chroot + path)))
    if op == "get_all_children_number":
        return raw(step, RawPath(104, c.chroot + path))
    if op == "who_am_i":
        return raw(step, RawWhoAmI())
    if op == "set_watches":
        rel = c.last_zxid if step.get("relative") == "last" else step.get("relative", 0)
        return raw(step, RawSetWatches(rel, step.get("data_watches", []), step.get("exist_watches", []),
                                       step.get("child_watches", []), step.get("persistent"),
                                       step.get("recursive")))
    if op == "mark_zxid":
        session(step).marked_zxid = c.last_zxid
        return True
    if op == "set_watches_marked":
        rel = session(step).marked_zxid
        return raw(step, RawSetWatches(rel, step.get("data_watches", []), step.get("exist_watches", []),
                                       step.get("child_watches", []), step.get("persistent"),
                                       step.get("recursive")))
    if op == "drop":
        # Cut the TCP connection and hold the reconnect until "reconnect".
        sess = session(step)
        sess.gate.clear()
        sock = c._connection._socket
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return wait_state(sess, KazooState.SUSPENDED, 10)
    if op == "reconnect":
        sess = session(step)
        sess.gate.set()
        return wait_state(sess, step.get("state", KazooState.CONNECTED), step.get("timeout", 15))
    if op == "sleep":
        time.sleep(step["ms"] / 1000.0)
        return True
    if op == "events":
        # Drain the notifications received so far, after waiting for at least `count` of them (bounded).
        sess = session(step)
        want = step.get("count", 0)
        deadline = time.time() + step.get("timeout", 5)
        with _cond:
            while len(sess.events) < want and time.time() < deadline:
                _cond.wait(0.05)
        if step.get("settle"):
            time.sleep(step["settle"] / 1000.0)
        with _cond:
            out, sess.events = sess.events, []
        return out
    if op == "states":
        sess = session(step)
        with _cond:
            out, sess.states = sess.states, []
        return out
    if op == "wait_gone":
        deadline = time.time() + step.get("timeout", 10)
        while time.time() < deadline:
            if c.exists(path) is None:
                return True
            time.sleep(0.05)
        return False
    if op == "state":
        return str(c.state)
    if op == "wait_state":
        # Waits (bounded) until the session has changed to kazoo state `state` (at any time since it connected);
        # returns whether it did and kazoo's low-level KeeperState at that change.
        sess = session(step)
        deadline = time.time() + step.get("timeout", 10)
        with _cond:
            while True:
                hit = [k for (st, k) in sess.transitions if st == step["state"]]
                if hit or time.time() >= deadline:
                    break
                _cond.wait(0.05)
        return {"reached": bool(hit), "keeper_state": hit[0] if hit else None}
    if op == "wait_stopped":
        # Waits (bounded) until kazoo's connection thread has given up (after AUTH_FAILED); then its KeeperState.
        stopped = c._connection.connection_stopped.wait(step.get("timeout", 10))
        return {"stopped": stopped, "keeper_state": str(c.client_state)}
    raise ValueError("unknown op %r" % op)


def main():
    req = json.load(sys.stdin)
    results = []
    for step in req["steps"]:
        try:
            results.append({"ok": to_json(run_step(step, req["hosts"]))})
        except Exception as e:  # the class name is the result
            if os.environ.get("KAZOO_DRIVER_DEBUG"):
                traceback.print_exc()
            results.append({"err": type(e).__name__})
    for sess in SESSIONS.values():
        sess.gate.set()
        try:
            sess.client.stop()
            sess.client.close()
        except Exception:
            pass
    sys.stdout.write(json.dumps(results) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
