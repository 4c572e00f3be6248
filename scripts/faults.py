#!/usr/bin/env python3
"""The single-node fault run (issue 14, acceptance), driven by scripts/faults.sh,
which builds or finds the release binary and removes the temporary folder after.

Against `marking-server serve` on loopback, in four parts:

1. kills: --kills rounds of load (orders with an order number, UTILISATION documents,
   token issues and revocations, violation reports) each ended by a SIGKILL of
   `serve` at a random moment, then a restart and a check that every change
   acknowledged so far is there: each order (COMPLETED, same id under its number on
   a retry), each document (by its number), each revoked token refused (401), each
   violation report listed, and an audit line for every acknowledged mutation
   (method, path and status). An order whose answer was lost is retried with the
   same number, which must give one order, never two.
2. slow reader: a client reads a large order's download at a few KB/s while a second
   producer downloads its own order again and again: each of those downloads must
   finish within --download-limit seconds; then SIGTERM with the slow client still
   connected: `serve` must exit within --stop-limit seconds.
3. flood: threads send anonymous checks and violation reports as fast as they can
   beside a producer placing orders and checking its codes with its token; the
   producer's p99 must stay under --p99-limit ms, and the flood must meet 429s.
4. key file: `serve` with its key file moved away must refuse to start (naming the
   key file), not make new keys; and with a different key file must refuse too.

Prints one line per check and a summary; exits 1 when a check fails. Python 3
standard library only.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

T0 = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - T0:7.1f}s] {message}", flush=True)


class Net(Exception):
    """No HTTP answer (refused, reset, timed out)."""


class Server:
    """One `serve` process on a data folder, restarted after each kill."""

    def __init__(self, binary, data, keys, port, admin, extra=()):
        self.binary, self.data, self.keys, self.port, self.admin = binary, data, keys, port, admin
        self.extra = list(extra)
        self.process = None
        self.log = None

    def start(self, extra=None, wait=True):
        self.log = open(os.path.join(self.data, "serve.log"), "ab")
        env = dict(os.environ, MARKING_ADMIN_TOKEN=self.admin)
        args = [self.binary, "serve", "--data", self.data, "--keys", self.keys, "--port", str(self.port)]
        self.process = subprocess.Popen(args + (self.extra if extra is None else extra), env=env,
                                        stdout=self.log, stderr=self.log)
        with open(os.path.join(self.data, "serve.pid"), "w") as pidfile:
            pidfile.write(str(self.process.pid))
        if not wait:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited {self.process.returncode}; see {self.data}/serve.log")
            try:
                if request(self.port, "GET", "/health", timeout=1)[0] == 200:
                    return
            except Net:
                pass
            time.sleep(0.1)
        raise RuntimeError("serve did not answer within 60 s")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def terminate(self):
        """SIGTERM; the seconds until exit (None if it did not exit within 60 s)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        return time.monotonic() - started


def request(port, method, path, body=None, token=None, timeout=30, raw=False):
    """(status, headers, body as JSON or bytes); Net when there is no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, "/api/v1" + path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise Net(str(error)) from None
    finally:
        connection.close()
    if raw:
        return response.status, dict(response.getheaders()), payload
    try:
        parsed = json.loads(payload) if payload else {}
    except ValueError:
        parsed = {}
    return response.status, dict(response.getheaders()), parsed


def gtin(body):
    digits = [int(c) for c in str(body).rjust(13, "0")]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (str(body) + str((10 - total % 10) % 10)).rjust(14, "0")


def bin_number(seed):
    """A valid Kazakh BIN for `seed` (12 digits, the check digit last)."""
    base = [int(c) for c in f"{seed % 10**11:011d}"]
    for weights in ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        check = sum(d * w for d, w in zip(base, weights)) % 11
        if check != 10:
            return "".join(map(str, base)) + str(check)
    return bin_number(seed + 1)


class Results:
    def __init__(self):
        self.failures = []
        self.lines = []

    def check(self, ok, what):
        self.lines.append(("ok  " if ok else "FAIL") + " " + what)
        log(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failures.append(what)


class Registry:
    """What the load saw acknowledged, to be found again after every restart."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}        # number -> id
        self.documents = {}     # number -> id
        self.revoked = []       # secrets
        self.violations = []    # ids
        self.audited = []       # (method, path, status)
        self.lost = 0           # answers lost to a kill (retried or given up)


def setup_participant(port, admin, name, seed, product):
    status, _, answer = request(port, "POST", "/participants", {"name": name, "bin": bin_number(seed), "roles": ["producer"]},
                                token=admin)
    if status != 201:
        raise RuntimeError(f"POST /participants: {status} {answer}")
    participant = {"id": answer["id"], "token": answer["token"]["token"]}
    status, _, answer = request(port, "PUT", f"/products/{product}", {"tradeName": name + " milk", "country": "KZ"},
                                token=participant["token"])
    if status not in (200, 201):
        raise RuntimeError(f"PUT /products: {status} {answer}")
    return participant


def load_round(server, producer, product, registry, stop, counter):
    """One thread's work until `stop`: a mix of writes, each recorded when acknowledged."""
    port, token = server.port, producer["token"]
    while not stop.is_set():
        kind = random.choice(["order", "order", "document", "token", "violation"])
        with registry.lock:
            counter[0] += 1
            n = counter[0]
        try:
            if kind == "order":
                number = f"F-{n}"
                body = {"gtin": product, "quantity": random.randint(100, 3000), "template": "s7-93", "number": number}
                for attempt in range(40):
                    try:
                        status, _, answer = request(port, "POST", "/orders", body, token=token, timeout=30)
                    except Net:
                        registry.lost += 1
                        if stop.is_set():
                            break
                        time.sleep(0.25)
                        continue
                    if status in (200, 201):
                        with registry.lock:
                            registry.orders[number] = answer["id"]
                            registry.audited.append(("POST", "/api/v1/orders", status))
                    break
            elif kind == "document":
                with registry.lock:
                    if not registry.orders:
                        continue
                    order_id = random.choice(list(registry.orders.values()))
                status, _, body = request(port, "GET", f"/orders/{order_id}/codes", token=token, raw=True)
                if status != 200:
                    continue
                codes = body.decode().split("\n")[:random.randint(1, 50)]
                number = f"U-{n}"
                status, _, answer = request(port, "POST", "/documents", {"type": "UTILISATION", "number": number, "codes": codes},
                                            token=token)
                if status in (200, 202):
                    with registry.lock:
                        registry.documents[number] = answer["id"]
                        registry.audited.append(("POST", "/api/v1/documents", status))
            elif kind == "token":
                pid = producer["id"]
                status, _, answer = request(port, "POST", f"/participants/{pid}/tokens", {}, token=server.admin)
                if status != 201:
                    continue
                with registry.lock:
                    registry.audited.append(("POST", f"/api/v1/participants/{pid}/tokens", 201))
                secret, tid = answer["token"], answer["id"]
                status, _, _ = request(port, "DELETE", f"/participants/{pid}/tokens/{tid}", token=server.admin)
                if status == 204:
                    with registry.lock:
                        registry.revoked.append(secret)
                        registry.audited.append(("DELETE", f"/api/v1/participants/{pid}/tokens/{tid}", 204))
            else:
                status, _, answer = request(port, "POST", "/violations", {"code": f"fault-run {n}", "comment": "fault run"})
                if status == 201:
                    with registry.lock:
                        registry.violations.append(answer["id"])
                        registry.audited.append(("POST", "/api/v1/violations", 201))
        except Net:
            registry.lost += 1
        except (KeyError, TypeError, ValueError):
            pass


def verify(server, producer, product, registry, results, label):
    """Everything acknowledged so far is there after a restart."""
    port, admin = server.port, server.admin
    missing = []
    for number, order_id in list(registry.orders.items()):
        status, _, answer = request(port, "GET", f"/orders/{order_id}", token=producer["token"])
        if status != 200 or answer.get("state") != "COMPLETED" or answer.get("number") != number:
            missing.append(f"order {order_id} ({number}): {status} {answer.get('state')}")
    for number, doc_id in list(registry.documents.items()):
        status, _, answer = request(port, "GET", f"/documents/{doc_id}", token=producer["token"])
        if status != 200 or answer.get("number") != number:
            missing.append(f"document {doc_id} ({number}): {status}")
    for secret in list(registry.revoked):
        status, _, _ = request(port, "GET", f"/participants/{producer['id']}/tokens", token=secret)
        if status != 401:
            missing.append(f"a revoked token answered {status}")
    status, _, answer = request(port, "GET", "/violations?limit=1000", token=admin)
    listed = {report["id"] for report in answer.get("reports", [])} if status == 200 else set()
    after = max(listed) if listed else 0
    while status == 200 and len(answer.get("reports", [])) == 1000:
        status, _, answer = request(port, "GET", f"/violations?after={after}&limit=1000", token=admin)
        listed |= {report["id"] for report in answer.get("reports", [])}
        after = max(listed)
    missing += [f"violation {v}" for v in registry.violations if v not in listed]
    results.check(not missing, f"{label}: every acknowledged order, document, revocation and report is there"
                  + (f" (missing {len(missing)}: {missing[:3]})" if missing else ""))
    audit = []
    cursor = ""
    for _ in range(100):
        status, _, answer = request(port, "GET", f"/audit?limit=10000{cursor}", token=admin)
        if status != 200:
            break
        audit += answer.get("entries", [])
        if not answer.get("next"):
            break
        cursor = f"&cursor={answer['next']}"
    lines = {}
    for entry in audit:
        key = (entry.get("method"), entry.get("route", "").split("?")[0], entry.get("status"))
        lines[key] = lines.get(key, 0) + 1
    needed = {}
    for key in registry.audited:
        needed[key] = needed.get(key, 0) + 1
    unaudited = [f"{k[0]} {k[1]} {k[2]}" for k, count in needed.items() if lines.get(k, 0) < count]
    results.check(not unaudited, f"{label}: an audit line for every acknowledged mutation"
                  + (f" ({len(unaudited)} kinds short, e.g. {unaudited[:3]})" if unaudited else ""))


def part_kills(args, server, results):
    log(f"part 1: {args.kills} kill -9s of serve under load")
    producer = setup_participant(server.port, server.admin, "Fault LLP", 7, gtin(460700000001))
    product = gtin(460700000001)
    registry = Registry()
    counter = [0]
    for kill in range(args.kills):
        stop = threading.Event()
        threads = [threading.Thread(target=load_round, args=(server, producer, product, registry, stop, counter), daemon=True)
                   for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(args.min_run, args.max_run))
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server.start()
        if kill == args.kills - 1 or kill % 5 == 4:
            verify(server, producer, product, registry, results, f"after kill {kill + 1}")
    results.check(True, f"{args.kills} kills: {len(registry.orders)} orders, {len(registry.documents)} documents, "
                  f"{len(registry.revoked)} revocations, {len(registry.violations)} reports acknowledged; {registry.lost} answers lost")
    # A retry of every acknowledged order with its number: the same order, no new codes.
    doubled = 0
    for number, order_id in list(registry.orders.items())[:50]:
        status, _, answer = request(server.port, "GET", f"/orders/{order_id}", token=producer["token"])
        body = {"gtin": product, "quantity": answer.get("quantity"), "template": "s7-93", "number": number}
        status, _, again = request(server.port, "POST", "/orders", body, token=producer["token"])
        if status != 200 or again.get("id") != order_id:
            doubled += 1
    results.check(doubled == 0, f"retried orders answer their first order ({doubled} of {min(50, len(registry.orders))} did not)")


def part_slow_reader(args, server, results):
    log("part 2: a slow reader beside another producer's downloads, then SIGTERM")
    big_owner = setup_participant(server.port, server.admin, "Big LLP", 11, gtin(460700000011))
    small_owner = setup_participant(server.port, server.admin, "Small LLP", 12, gtin(460700000012))
    status, _, big = request(server.port, "POST", "/orders", {"gtin": gtin(460700000011), "quantity": args.big_order},
                             token=big_owner["token"], timeout=600)
    if big.get("state") != "COMPLETED":
        for _ in range(1200):
            status, _, big = request(server.port, "GET", f"/orders/{big['id']}", token=big_owner["token"])
            if big.get("state") == "COMPLETED":
                break
            time.sleep(0.5)
    status, _, small = request(server.port, "POST", "/orders", {"gtin": gtin(460700000012), "quantity": 100_000},
                               token=small_owner["token"], timeout=600)
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(f"GET /api/v1/orders/{big['id']}/codes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {big_owner['token']}\r\n\r\n".encode())
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                slow.recv(1024)
            except OSError:
                return
            time.sleep(0.25)
    reader = threading.Thread(target=trickle, daemon=True)
    reader.start()
    time.sleep(2)
    times = []
    for _ in range(args.downloads):
        started = time.monotonic()
        try:
            status, _, body = request(server.port, "GET", f"/orders/{small['id']}/codes", token=small_owner["token"],
                                      timeout=args.download_limit * 4, raw=True)
            lines = body.count(b"\n")
        except Net:
            status, lines = 0, 0
        times.append(time.monotonic() - started)
        if status != 200 or lines != 100_000:
            results.check(False, f"a download beside the slow reader: {status}, {lines} lines")
            break
    results.check(max(times) < args.download_limit,
                  f"{len(times)} downloads of 100,000 codes beside a slow reader: slowest {max(times):.2f} s (limit {args.download_limit} s)")
    stopped = server.terminate()
    stop.set()
    slow.close()
    results.check(stopped is not None and stopped < args.stop_limit,
                  f"SIGTERM with the slow reader connected: serve exited in {stopped if stopped is None else round(stopped, 2)} s "
                  f"(limit {args.stop_limit} s)")
    server.start()


def part_flood(args, server, results):
    log("part 3: a flood of anonymous checks and violation reports beside a producer")
    producer = setup_participant(server.port, server.admin, "Busy LLP", 21, gtin(460700000021))
    status, _, order = request(server.port, "POST", "/orders", {"gtin": gtin(460700000021), "quantity": 1000},
                               token=producer["token"])
    status, _, body = request(server.port, "GET", f"/orders/{order['id']}/codes", token=producer["token"], raw=True)
    codes = body.decode().split("\n")[:200]
    stop = threading.Event()
    flood = {"sent": 0, "429": 0, "5xx": 0}
    lock = threading.Lock()

    def flooder(index):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        while not stop.is_set():
            try:
                if index % 2 == 0:
                    connection.request("GET", "/api/v1/codes/" + urllib.parse.quote(random.choice(codes), safe=""))
                else:
                    connection.request("POST", "/api/v1/violations", body=json.dumps({"code": "flood"}),
                                       headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                with lock:
                    flood["sent"] += 1
                    if response.status == 429:
                        flood["429"] += 1
                    if response.status >= 500:
                        flood["5xx"] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    threads = [threading.Thread(target=flooder, args=(i,), daemon=True) for i in range(args.flooders)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    latencies = []
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Authorization": f"Bearer {producer['token']}"}
    deadline = time.monotonic() + args.flood_seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        started = time.monotonic()
        if n % 20 == 0:
            connection.request("POST", "/api/v1/orders", body=json.dumps({"gtin": gtin(460700000021), "quantity": 10, "number": f"B-{n}"}),
                               headers=dict(headers, **{"Content-Type": "application/json"}))
        else:
            connection.request("GET", "/api/v1/codes/" + urllib.parse.quote(random.choice(codes), safe=""), headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.monotonic() - started) * 1000)
        if response.status >= 300:
            results.check(False, f"a producer request under the flood: {response.status}")
            break
        time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("inf")
    results.check(p99 < args.p99_limit, f"producer under the flood: {len(latencies)} requests, p50 "
                  f"{latencies[len(latencies) // 2]:.1f} ms, p99 {p99:.1f} ms (limit {args.p99_limit} ms)")
    results.check(flood["429"] > 0 and flood["5xx"] == 0,
                  f"the flood: {flood['sent']} requests, {flood['429']} answered 429, {flood['5xx']} 5xx")


def start_expecting_refusal(server):
    """Starts `server` and returns its exit code once it stops, or None (and kills it)
    when it is still running after 30 s, as a server that accepted its keys would be."""
    server.start(wait=False)
    try:
        return server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        return None


def part_key_file(args, server, results):
    log("part 4: a missing or different key file")
    server.terminate()
    moved = server.keys + ".away"
    os.rename(server.keys, moved)
    try:
        code = start_expecting_refusal(server)
        created = os.path.exists(server.keys)
        with open(os.path.join(server.data, "serve.log"), "rb") as log_file:
            tail = log_file.read()[-2000:].decode(errors="replace")
        results.check(code not in (None, 0) and not created and server.keys in tail,
                      f"serve with its key file missing refuses to start naming it (exit {code}, new key file made: {created})")
        if os.path.exists(server.keys):
            os.remove(server.keys)
        # Another store's key file: made by a throwaway serve on an empty folder.
        other_data = os.path.join(args.dir, "other")
        os.makedirs(other_data, exist_ok=True)
        other = Server(server.binary, other_data, os.path.join(other_data, "keys.json"), server.port + 1, server.admin)
        other.start()
        other.terminate()
        shutil.copyfile(other.keys, server.keys)
        code = start_expecting_refusal(server)
        results.check(code not in (None, 0), f"serve with another store's key file refuses to start (exit {code})")
        os.remove(server.keys)
    finally:
        if os.path.exists(moved):
            os.rename(moved, server.keys)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=18480)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--min-run", type=float, default=0.5, help="least seconds of load before a kill")
    parser.add_argument("--max-run", type=float, default=2.5)
    parser.add_argument("--big-order", type=int, default=2_000_000, help="codes the slow reader is sent")
    parser.add_argument("--downloads", type=int, default=5)
    parser.add_argument("--download-limit", type=float, default=5.0, help="seconds one download beside the slow reader may take")
    parser.add_argument("--stop-limit", type=float, default=5.0, help="seconds SIGTERM may take with the slow reader connected")
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--flood-seconds", type=float, default=20)
    parser.add_argument("--p99-limit", type=float, default=100.0)
    parser.add_argument("--parts", default="kills,slow,flood,keys")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    random.seed(seed)
    log(f"seed {seed}")
    data = os.path.join(args.dir, "data")
    os.makedirs(data, exist_ok=True)
    admin = "faults-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    # Parts 1, 2 and 4 run without rate limits (their load comes from one address);
    # part 3 runs with serve's defaults, which is what it checks.
    unlimited = ["--anonymous-rate", "0", "--token-rate", "0"]
    server = Server(args.binary, data, os.path.join(args.dir, "keys.json"), args.port, admin, unlimited)
    results = Results()
    parts = args.parts.split(",")
    try:
        server.start()
        if "kills" in parts:
            part_kills(args, server, results)
        if "slow" in parts:
            part_slow_reader(args, server, results)
        if "flood" in parts:
            server.terminate()
            server.extra = []
            server.start()
            part_flood(args, server, results)
            server.extra = unlimited
        if "keys" in parts:
            part_key_file(args, server, results)
    except (RuntimeError, Net) as error:
        results.check(False, f"the run stopped: {error}")
    finally:
        server.kill()
    print()
    print("faults.sh summary")
    for line in results.lines:
        print("  " + line)
    print(f"  {len(results.lines) - len(results.failures)} of {len(results.lines)} checks passed (seed {seed})")
    sys.exit(1 if results.failures else 0)


if __name__ == "__main__":
    main()
