#!/usr/bin/env python3
"""The fault run of the replicated cluster (issue 15, point 7), driven by
scripts/cluster-faults.sh, which starts the cluster and cleans up after it.

Against a running three-replica cluster (scripts/cluster.sh up --dir DIR): registers a
producer and two receivers (tokens issued through the admin API), runs a mixed load on
random replicas (emission orders with every code downloaded; utilisation and
introduction of those codes, transfers and shipments of introduced codes, retirements;
public code checks; a small probe write, a violation report, every 250 ms, which times
the failover), meanwhile SIGKILLs random replicas and nats-server nodes at random
moments (never two of one kind down at once) and restarts them with scripts/cluster.sh up.
Orders are not retried after a lost answer (they have no idempotency key); documents
are, with the same number. A write counts as acknowledged on a 2xx answer only.
Afterwards it restarts what is down, waits for lag 0 everywhere and verifies: every
acknowledged order and document on every replica in its final state, every downloaded
code known and genuine (and in the state the acknowledged documents left it) on every
replica, no serial downloaded from two orders, equal digests (marking-server cluster
verify). Prints a summary and exits 1 when a check fails.

Python 3 standard library only.
"""

import argparse
import collections
import hashlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(message):
    print(f"[{now():7.1f}s] {message}", flush=True)


STOP = threading.Event()    # the load phase is over: start no new operation
ABORT = threading.Event()   # Ctrl-C / SIGTERM / fatal error: leave at once


class Net(Exception):
    """No HTTP answer. kind: 'refused' (nothing was sent) or 'unknown' (sent; the
    outcome is unknown: timeout, reset, truncated answer)."""

    def __init__(self, kind, detail):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class Answer:
    def __init__(self, replica, status, headers, body):
        self.replica = replica
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def sequence(self):
        value = self.headers.get("x-registry-sequence")
        return int(value) if value and value.isdigit() else 0

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}

    def problem(self):
        return self.json().get("code", "") if self.status >= 400 else ""

    def short(self):
        return f"{self.status} {self.body[:200].decode('utf-8', 'replace')}"


class Cluster:
    def __init__(self, directory, repo, binary):
        self.dir = directory
        self.repo = repo
        self.binary = binary
        base = 4222
        with open(os.path.join(directory, "cluster.env")) as env:
            for line in env:
                if line.startswith("base_port="):
                    base = int(line.split("=", 1)[1])
        self.base = base
        self.replicas = ["r1", "r2", "r3"]
        self.nodes = ["n1", "n2", "n3"]
        self.http_ports = [base + 4100 + i for i in range(3)]
        self.monitor_ports = [base + 4000 + i for i in range(3)]
        self.urls = [f"http://127.0.0.1:{p}" for p in self.http_ports]
        with open(os.path.join(directory, "admin-token")) as f:
            self.admin = f.read().strip()
        self.subprocess = None  # cluster.sh up in progress, killed on abort
        self.up_lock = threading.Lock()
        self.lock = threading.Lock()  # the answer counters
        self.answers = collections.Counter()  # (replica, what) -> count, during the load
        self.counting = False

    # --- HTTP -------------------------------------------------------------------
    def request(self, replica, method, path, body=None, token=None, min_seq=None, timeout=30.0,
                content_type="application/json"):
        headers = {"Accept-Language": "en"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if min_seq:
            headers["X-Registry-Min-Sequence"] = str(min_seq)
        connection = http.client.HTTPConnection("127.0.0.1", self.http_ports[replica], timeout=timeout)
        try:
            try:
                connection.connect()
            except OSError as error:
                raise Net("refused", str(error))
            try:
                connection.request(method, "/api/v1" + path, body=data, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                raise Net("unknown", f"{type(error).__name__} {error}")
            answer = Answer(replica, response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
            if self.counting:
                what = "2xx" if answer.status < 400 else f"{answer.status} {answer.problem()}"
                with self.lock:
                    self.answers[(replica, what)] += 1
            return answer
        except Net as error:
            if self.counting:
                with self.lock:
                    self.answers[(replica, "no answer" if error.kind == "unknown" else "refused")] += 1
            raise
        finally:
            connection.close()

    def health(self, replica, timeout=3.0):
        try:
            answer = self.request(replica, "GET", "/health", timeout=timeout)
            return answer.json() if answer.status == 200 else None
        except Net:
            return None

    # --- processes -----------------------------------------------------------------
    def pid(self, kind, name):
        path = os.path.join(self.dir, name, "serve.pid" if kind == "replica" else "nats.pid")
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def alive(self, kind, name):
        pid = self.pid(kind, name)
        if not pid:
            return False
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state != "Z"
        except OSError:
            return False

    def kill(self, kind, name):
        pid = self.pid(kind, name)
        if pid and self.alive(kind, name):
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                if not self.alive(kind, name):
                    break
                time.sleep(0.02)
            return pid
        return None

    def up(self, timeout=180):
        """scripts/cluster.sh up: restarts whatever is down, waits for it."""
        with self.up_lock:
            if ABORT.is_set():
                return False, "aborted"
            # cluster.sh truncates a replica's serve.log on start: keep the killed one's.
            for name in self.replicas:
                log_path = os.path.join(self.dir, name, "serve.log")
                if not self.alive("replica", name) and os.path.exists(log_path):
                    n = 1
                    while os.path.exists(f"{log_path}.{n}"):
                        n += 1
                    os.rename(log_path, f"{log_path}.{n}")
            env = dict(os.environ, MARKING_SERVER=self.binary)
            self.subprocess = subprocess.Popen(
                [os.path.join(self.repo, "scripts", "cluster.sh"), "up", "--dir", self.dir],
                cwd=self.repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                out, _ = self.subprocess.communicate(timeout=timeout)
                ok = self.subprocess.returncode == 0
            except subprocess.TimeoutExpired:
                self.subprocess.kill()
                out, _ = self.subprocess.communicate()
                ok = False
            self.subprocess = None
            return ok, out.decode("utf-8", "replace")

    def stream_leader(self):
        """The REGISTRY stream's leader as the nats monitoring endpoints report it."""
        for i, name in enumerate(self.nodes):
            if not self.alive("nats", name):
                continue
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.monitor_ports[i], timeout=1)
                connection.request("GET", "/jsz?accounts=true&streams=true")
                data = json.loads(connection.getresponse().read())
                connection.close()
            except Exception:
                continue
            for account in data.get("account_details") or []:
                for stream in account.get("stream_detail") or []:
                    if stream.get("name") == "REGISTRY":
                        leader = (stream.get("cluster") or {}).get("leader")
                        if leader:
                            return leader
        return None


# --- the client's model of the registry -----------------------------------------------

def code_key(code):
    """GTIN + serial of a downloaded code: the element string up to the first GS."""
    return code.split("\x1d", 1)[0]


class CodeState:
    __slots__ = ("owner", "status", "order", "last_doc", "version", "seq", "quarantined")

    def __init__(self, owner, order, seq):
        self.owner = owner
        self.status = "EMITTED"
        self.order = order
        self.last_doc = 0
        self.version = 0
        self.seq = seq
        self.quarantined = False


class Registry:
    """What the client knows for sure: acknowledged writes and the code states they left."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}                     # code text -> CodeState
        self.pools = collections.defaultdict(list)   # (owner, status) -> [code], codes at rest
        self.orders = {}                    # id -> dict(acknowledged order)
        self.order_codes = {}               # id -> [codes] as downloaded
        self.documents = {}                 # id -> dict(acknowledged document)
        self.accepts = []                   # acknowledged accept/reject answers
        self.setup_writes = 0
        self.writes = []                    # (sent, acked, kind, replica) of every acknowledged write
        self.max_seq = 0
        self.counters = collections.Counter()
        self.anomalies = []                 # unexpected answers: each fails the run
        self.notes = collections.Counter()  # expected trouble during faults, counted
        self.probes = {}                    # violation id -> code, acknowledged probe writes

    def seen(self, seq):
        with self.lock:
            if seq > self.max_seq:
                self.max_seq = seq

    def anomaly(self, text):
        with self.lock:
            self.anomalies.append(f"[{now():.1f}s] {text}")
        log(f"ANOMALY: {text}")

    def note(self, what):
        with self.lock:
            self.notes[what] += 1

    def count(self, what, n=1):
        with self.lock:
            self.counters[what] += n

    def write(self, sent, acked, kind, replica):
        with self.lock:
            self.writes.append((sent, acked, kind, replica))

    def add_codes(self, owner, order, codes, seq):
        with self.lock:
            pool = self.pools[(owner, "EMITTED")]
            for code in codes:
                self.codes[code] = CodeState(owner, order, seq)
                pool.append(code)

    def take(self, owner, status, low, high):
        """Takes a random batch of codes at rest (owner, status) out of their pool."""
        with self.lock:
            pool = self.pools[(owner, status)]
            if len(pool) < low:
                return []
            k = random.randint(low, min(high, len(pool)))
            batch = []
            for _ in range(k):
                j = random.randrange(len(pool))
                pool[j], pool[-1] = pool[-1], pool[j]
                code = pool.pop()
                self.codes[code].version += 1
                batch.append(code)
            return batch

    def put_back(self, codes, owner, status, doc=None, seq=None):
        """Codes at rest again, in the state an acknowledged decision left them."""
        with self.lock:
            pool = self.pools[(owner, status)]
            for code in codes:
                state = self.codes[code]
                state.owner, state.status = owner, status
                if doc is not None:
                    state.last_doc = doc
                if seq is not None:
                    state.seq = max(state.seq, seq)
                state.version += 1
                pool.append(code)

    def quarantine(self, codes):
        """Codes whose state is unknown (a write with no answer): never used or checked again."""
        with self.lock:
            for code in codes:
                self.codes[code].quarantined = True
                self.codes[code].version += 1

    def pool_size(self, owner, status):
        with self.lock:
            return len(self.pools[(owner, status)])

    def sample_at_rest(self):
        with self.lock:
            keys = [k for k, v in self.pools.items() if v]
            if not keys:
                return None
            key = random.choice(keys)
            code = random.choice(self.pools[key])
            state = self.codes[code]
            return code, state.status, state.owner, state.version, state.seq

    def version(self, code):
        with self.lock:
            return self.codes[code].version


# --- the load ---------------------------------------------------------------------------

class Load:
    def __init__(self, cluster, registry, args, run_id):
        self.c = cluster
        self.r = registry
        self.args = args
        self.run = run_id
        self.participants = {}  # name -> dict(id, tokens)
        self.gtins = []
        self.doc_counter = 0
        self.doc_lock = threading.Lock()
        self.last_download_replica = {}

    def token(self, name):
        return random.choice(self.participants[name]["tokens"])

    def pid_of(self, name):
        return self.participants[name]["id"]

    def name_of(self, pid):
        for name, p in self.participants.items():
            if p["id"] == pid:
                return name
        return None

    def next_number(self, prefix):
        with self.doc_lock:
            self.doc_counter += 1
            return f"{prefix}-{self.run}-{self.doc_counter}"

    # --- setup, before any kill ---
    def setup(self):
        admin = self.c.admin

        def must(answer, statuses, what):
            if answer.status not in statuses:
                raise SystemExit(f"setup: {what} answered {answer.short()}")
            self.r.seen(answer.sequence)
            self.r.setup_writes += 1
            return answer.json()

        for name, role, prefix in (("producer", "producer", "4051"), ("wholesaler", "wholesaler", "4052"),
                                   ("retailer", "retailer", "4053")):
            bin_ = valid_bin(f"{prefix}{self.run % 10_000_000:07d}")
            replica = random.randrange(3)
            body = must(self.c.request(replica, "POST", "/participants", {
                "name": f"Fault run {self.run} {name}", "bin": bin_, "roles": [role]}, token=admin),
                (201,), f"POST /participants ({name})")
            pid = body["id"]
            tokens = [body["token"]["token"]]
            # A second token through the admin API, on another replica.
            second = must(self.c.request((replica + 1) % 3, "POST", f"/participants/{pid}/tokens", token=admin,
                                         min_seq=self.r.max_seq), (201,), f"POST /participants/{pid}/tokens")
            tokens.append(second["token"])
            self.participants[name] = {"id": pid, "tokens": tokens, "role": role}
            log(f"participant {name}: id {pid}, 2 tokens (replicas r{replica + 1}, r{(replica + 1) % 3 + 1})")
        for i in range(3):
            gtin = gtin14(f"46{(self.run * 10 + i) % 100_000_000_000:011d}")
            must(self.c.request(random.randrange(3), "PUT", f"/products/{gtin}", {
                "tradeName": f"Fault run product {i}", "country": "KZ", "price": "450.00"},
                token=self.token("producer"), min_seq=self.r.max_seq), (200, 201), f"PUT /products/{gtin}")
            self.gtins.append(gtin)
        log(f"products: {', '.join(self.gtins)}")
        # Every replica has applied the setup before the load starts.
        for i in range(3):
            answer = self.c.request(i, "GET", "/health", min_seq=self.r.max_seq)
            if answer.status != 200:
                raise SystemExit(f"setup: r{i + 1} did not reach sequence {self.r.max_seq}: {answer.short()}")

    # --- generic retries ---
    def read(self, path, token, min_seq, deadline, ok=(200,), replica=None):
        """A read retried on random replicas until it answers one of `ok`; the last answer or None."""
        last = None
        while now() < deadline and not ABORT.is_set():
            target = replica if replica is not None else random.randrange(3)
            try:
                answer = self.c.request(target, "GET", path, token=token, min_seq=min_seq, timeout=20)
            except Net:
                time.sleep(0.2)
                continue
            last = answer
            if answer.status in ok:
                return answer
            if answer.status == 503 or answer.status >= 500:
                self.r.note(f"read {answer.status} {answer.problem()}")
                time.sleep(0.3)
                continue
            return answer
        return last

    # --- emission ---
    def emit_one(self):
        gtin = random.choice(self.gtins)
        quantity = random.randint(self.args.min_order, self.args.max_order)
        deadline = now() + 60
        while True:
            replica = random.randrange(3)
            sent = now()
            try:
                answer = self.c.request(replica, "POST", "/orders", {"gtin": gtin, "quantity": quantity},
                                        token=self.token("producer"), timeout=40)
            except Net as error:
                if error.kind == "refused" and now() < deadline and not ABORT.is_set():
                    self.r.note("order: replica down, sent elsewhere")
                    time.sleep(0.1)
                    continue
                # Sent, no answer: the order may exist; not acknowledged, not retried
                # (an order has no idempotency key).
                self.r.note("order: no answer (not acknowledged)")
                self.r.count("orders_unacknowledged")
                return
            break
        if answer.status != 201:
            if answer.status >= 500 or answer.status == 429:
                self.r.note(f"order: {answer.status} {answer.problem()}")
                self.r.count("orders_unacknowledged")
                time.sleep(0.2)
            else:
                self.r.anomaly(f"POST /orders on r{replica + 1}: {answer.short()}")
            return
        acked = now()
        order = answer.json()
        seq = answer.sequence
        self.r.seen(seq)
        self.r.write(sent, acked, "order", replica)
        if order.get("state") != "COMPLETED" or order.get("quantity") != quantity:
            self.r.anomaly(f"order {order.get('id')} acknowledged as {order.get('state')} x{order.get('quantity')}")
        with self.r.lock:
            self.r.orders[order["id"]] = {"id": order["id"], "gtin": gtin, "quantity": quantity, "seq": seq,
                                          "replica": replica, "acked": acked, "state": order.get("state")}
        self.r.count("orders_acknowledged")
        # Download every code, from a random replica at least at the order's sequence.
        codes = self.download(order["id"], quantity, seq, now() + 120)
        if codes is None:
            return
        with self.r.lock:
            self.r.orders[order["id"]]["downloaded_from"] = self.last_download_replica.get(order["id"], -1)
        with self.r.lock:
            self.r.order_codes[order["id"]] = codes
        self.r.add_codes(self.pid_of("producer"), order["id"], codes, seq)
        self.r.count("codes_downloaded", len(codes))
        time.sleep(random.uniform(0, 2 * self.args.order_pause))

    def download(self, order_id, quantity, seq, deadline, replica=None, token=None, quiet=False):
        token = token or self.token("producer")
        last = None
        while now() < deadline and not ABORT.is_set():
            target = replica if replica is not None else random.randrange(3)
            try:
                answer = self.c.request(target, "GET", f"/orders/{order_id}/codes?format=text", token=token,
                                        min_seq=seq, timeout=60)
            except Net:
                self.r.note("download: no answer, retried")
                time.sleep(0.2)
                continue
            if answer.status == 200:
                self.last_download_replica[order_id] = target
                codes = [line for line in answer.body.decode().split("\n") if line]
                if len(codes) != quantity or len(set(codes)) != quantity:
                    self.r.anomaly(f"order {order_id} on r{target + 1}: {len(codes)} codes "
                                   f"({len(set(codes))} distinct) downloaded, {quantity} ordered")
                    return None
                return codes
            last = answer
            if answer.status == 503 or answer.status >= 500:
                self.r.note(f"download: {answer.status} {answer.problem()}")
                time.sleep(0.3)
                continue
            if not quiet:
                self.r.anomaly(f"GET /orders/{order_id}/codes on r{target + 1} (min seq {seq}): {answer.short()}")
            return None
        if not quiet and not ABORT.is_set():
            self.r.anomaly(f"order {order_id}: no replica gave its codes within the deadline "
                           f"(last: {last.short() if last else 'no answer'})")
        return None

    # --- documents ---
    def document(self, sender, fields, codes):
        """Submits a JSON document (same number on every retry) and waits for its final
        state. Returns (document, sequence) or (None, None) when its outcome is unknown."""
        body = dict(fields, codes=codes)
        deadline = now() + 90
        answer = None
        while now() < deadline and not ABORT.is_set():
            replica = random.randrange(3)
            sent = now()
            try:
                answer = self.c.request(replica, "POST", "/documents", body, token=self.token(sender), timeout=40)
            except Net as error:
                self.r.note(f"document: {error.kind}, retried with the same number")
                time.sleep(0.2)
                continue
            if answer.status in (200, 202):
                break
            if answer.status == 429 or answer.status >= 500:
                self.r.note(f"document: {answer.status} {answer.problem()}, retried")
                time.sleep(0.5)
                continue
            self.r.anomaly(f"POST /documents {fields['type']} {fields['number']} on r{replica + 1}: {answer.short()}")
            return None, None
        else:
            if not ABORT.is_set():
                self.r.note("document: never acknowledged (outcome unknown)")
            return None, None
        acked = now()
        document = answer.json()
        doc_id = document["id"]
        seq = answer.sequence
        self.r.seen(seq)
        self.r.write(sent, acked, "document", replica)
        with self.r.lock:
            self.r.documents[doc_id] = {"id": doc_id, "number": fields["number"], "type": fields["type"],
                                        "participant": self.pid_of(sender), "lines": len(codes), "seq": seq,
                                        "replica": replica, "final": None, "final_seq": None}
        self.r.count("documents_acknowledged")
        if answer.status == 200:
            self.r.note("document: retry answered with the first document (200)")
        return self.await_final(doc_id, sender, seq, now() + 150)

    def await_final(self, doc_id, reader, seq, deadline):
        while now() < deadline and not ABORT.is_set():
            answer = self.read(f"/documents/{doc_id}", self.token(reader), seq, deadline)
            if answer is None:
                break
            if answer.status != 200:
                self.r.anomaly(f"GET /documents/{doc_id} (min seq {seq}) on r{answer.replica + 1}: {answer.short()}")
                return None, None
            document = answer.json()
            if document.get("state") != "IN_PROGRESS":
                final_seq = answer.sequence
                self.r.seen(final_seq)
                with self.r.lock:
                    record = self.r.documents[doc_id]
                    record["final"] = document["state"]
                    record["final_seq"] = final_seq
                    record["applied"] = document.get("applied")
                return document, final_seq
            time.sleep(0.25)
        if not ABORT.is_set():
            self.r.note("document: final state not seen in time (checked at the end)")
        return None, None

    def decided(self, document, what):
        """Classifies a final document: 'ok', 'interrupted' or 'refused' (an anomaly)."""
        state = document.get("state")
        if state in ("CHECKED_OK", "WAIT_ACCEPTANCE"):
            return "ok"
        refusals = document.get("refusals") or {}
        if state == "CHECKED_NOT_OK" and set(refusals) == {"INTERRUPTED"}:
            self.r.count("documents_interrupted")
            return "interrupted"
        if state == "CHECKED_NOT_OK" and set(refusals) == {"PROCESSING_ERROR"}:
            # A failure inside the job (the log unreachable during a fault): refused
            # whole, no code changed, like an interrupted document.
            self.r.count("documents_processing_error")
            self.r.note(f"document refused PROCESSING_ERROR: {(document.get('firstRefused') or [{}])[0].get('detail', '')[:80]}")
            return "interrupted"
        self.r.anomaly(f"{what}: document {document.get('id')} ended {state}, refusals {refusals}, "
                       f"first {(document.get('firstRefused') or [])[:2]}")
        return "refused"

    def producer_step(self):
        producer = self.pid_of("producer")
        # Applied but not introduced (an introduction was interrupted) first.
        batch = self.r.take(producer, "APPLIED", 10, 400)
        status = "APPLIED"
        if not batch:
            batch = self.r.take(producer, "EMITTED", 20, 400)
            status = "EMITTED"
        if not batch:
            time.sleep(0.2)
            return
        if status == "EMITTED":
            document, seq = self.document("producer", {"type": "UTILISATION", "number": self.next_number("U")}, batch)
            if document is None:
                self.r.quarantine(batch)
                return
            outcome = self.decided(document, "utilisation")
            if outcome != "ok":
                if outcome == "interrupted":
                    self.r.put_back(batch, producer, "EMITTED", seq=seq)
                else:
                    self.r.quarantine(batch)
                return
            self.r.count("codes_applied", len(batch))
            with self.r.lock:
                for code in batch:
                    self.r.codes[code].status = "APPLIED"
                    self.r.codes[code].last_doc = document["id"]
                    self.r.codes[code].seq = seq
        document, seq = self.document("producer", {
            "type": "INTRODUCTION", "number": self.next_number("I"), "productionDate": "2026-11-30"}, batch)
        if document is None:
            self.r.quarantine(batch)
            return
        outcome = self.decided(document, "introduction")
        if outcome == "ok":
            self.r.count("codes_introduced", len(batch))
            self.r.put_back(batch, producer, "INTRODUCED", doc=document["id"], seq=seq)
        elif outcome == "interrupted":
            self.r.put_back(batch, producer, "APPLIED", seq=seq)
        else:
            self.r.quarantine(batch)

    def transfer_step(self):
        names = list(self.participants)
        weights = [5 if n == "producer" else 2 for n in names]
        sender = random.choices(names, weights)[0]
        sender_id = self.pid_of(sender)
        if sender == "retailer" and random.random() < 0.3:
            batch = self.r.take(sender_id, "INTRODUCED", 5, 100)
            if not batch:
                time.sleep(0.1)
                return
            document, seq = self.document(sender, {
                "type": "RETIREMENT", "number": self.next_number("R"), "reason": "RETAIL_SALE"}, batch)
            if document is None:
                self.r.quarantine(batch)
                return
            outcome = self.decided(document, "retirement")
            if outcome == "ok":
                self.r.count("codes_retired", len(batch))
                self.r.put_back(batch, sender_id, "RETIRED", doc=document["id"], seq=seq)
            elif outcome == "interrupted":
                self.r.put_back(batch, sender_id, "INTRODUCED", seq=seq)
            else:
                self.r.quarantine(batch)
            return
        batch = self.r.take(sender_id, "INTRODUCED", 10, 300)
        if not batch:
            time.sleep(0.1)
            return
        receiver = random.choice([n for n in names if n != sender])
        receiver_id = self.pid_of(receiver)
        shipment = random.random() < 0.3
        fields = {"type": "TRANSFER", "number": self.next_number("T"), "receiver": receiver_id}
        if shipment:
            fields["acceptance"] = True
        document, seq = self.document(sender, fields, batch)
        if document is None:
            self.r.quarantine(batch)
            return
        outcome = self.decided(document, "transfer")
        if outcome == "interrupted":
            self.r.put_back(batch, sender_id, "INTRODUCED", seq=seq)
            return
        if outcome != "ok":
            self.r.quarantine(batch)
            return
        if not shipment:
            if document["state"] != "CHECKED_OK":
                self.r.anomaly(f"transfer {document['id']} without acceptance ended {document['state']}")
            self.r.count("codes_transferred", len(batch))
            self.r.put_back(batch, receiver_id, "INTRODUCED", doc=document["id"], seq=seq)
            return
        if document["state"] != "WAIT_ACCEPTANCE":
            self.r.anomaly(f"shipment {document['id']} ended {document['state']}, not WAIT_ACCEPTANCE")
            self.r.quarantine(batch)
            return
        accepting = random.random() < 0.85
        final, final_seq = self.answer_shipment(document["id"], receiver, accepting, seq)
        if final is None:
            self.r.quarantine(batch)
        elif final == "CHECKED_OK":
            self.r.count("codes_transferred", len(batch))
            self.r.put_back(batch, receiver_id, "INTRODUCED", doc=document["id"], seq=final_seq)
        elif final == "REJECTED":
            self.r.count("shipments_rejected")
            self.r.put_back(batch, sender_id, "INTRODUCED", doc=None, seq=final_seq)
        else:
            self.r.anomaly(f"shipment {document['id']} answered, now {final}")
            self.r.quarantine(batch)

    def answer_shipment(self, doc_id, receiver, accepting, seq):
        verb = "accept" if accepting else "reject"
        wanted = "CHECKED_OK" if accepting else "REJECTED"
        deadline = now() + 90
        while now() < deadline and not ABORT.is_set():
            replica = random.randrange(3)
            sent = now()
            try:
                answer = self.c.request(replica, "POST", f"/documents/{doc_id}/{verb}", token=self.token(receiver),
                                        min_seq=seq, timeout=40)
            except Net as error:
                self.r.note(f"{verb}: {error.kind}, retried")
                time.sleep(0.2)
                continue
            if answer.status == 200:
                state = answer.json().get("state")
                final_seq = answer.sequence
                self.r.seen(final_seq)
                self.r.write(sent, now(), verb, replica)
                with self.r.lock:
                    self.r.accepts.append({"id": doc_id, "verb": verb, "state": state, "seq": final_seq})
                    self.r.documents[doc_id]["final"] = state
                    self.r.documents[doc_id]["final_seq"] = final_seq
                self.r.count(f"shipments_{verb}ed_acknowledged")
                return state, final_seq
            if answer.status == 409 and answer.problem() == "document.not_waiting":
                # An earlier attempt whose answer was lost went through: read the decision.
                read = self.read(f"/documents/{doc_id}", self.token(receiver), seq, now() + 30)
                state = read.json().get("state") if read is not None and read.status == 200 else None
                if state == wanted:
                    self.r.note(f"{verb}: a retry found it done")
                    with self.r.lock:
                        self.r.documents[doc_id]["final"] = state
                        self.r.documents[doc_id]["final_seq"] = read.sequence
                    return state, read.sequence
                self.r.anomaly(f"{verb} of {doc_id}: not waiting, state {state}")
                return None, None
            if answer.status == 503 or answer.status >= 500:
                self.r.note(f"{verb}: {answer.status} {answer.problem()}, retried")
                time.sleep(0.3)
                continue
            self.r.anomaly(f"POST /documents/{doc_id}/{verb} on r{replica + 1}: {answer.short()}")
            return None, None
        return None, None

    # --- public checks ---
    def check_step(self):
        sample = self.r.sample_at_rest()
        if sample is None:
            time.sleep(0.2)
            return
        code, status, owner, version, seq = sample
        replica = random.randrange(3)
        path = "/codes?code=" + urllib.parse.quote(code, safe="")
        # The check's answer must show the code as acknowledged writes left it, once
        # the replica has applied them. The public-check fast path answers in the
        # channel pipeline, before the router's X-Registry-Min-Sequence wait, so the
        # replica is first asked (through the router) to reach the sequence.
        try:
            gate = self.c.request(replica, "GET", "/health", min_seq=seq, timeout=15)
        except Net:
            self.r.count("checks_unanswered")
            return
        if gate.status != 200:
            self.r.count("checks_lagging")
            return
        try:
            answer = self.c.request(replica, "GET", path, min_seq=seq, timeout=15)
        except Net:
            self.r.count("checks_unanswered")
            return
        if answer.status == 200 and "x-registry-sequence" not in answer.headers:
            self.r.count("checks_without_sequence")
        if answer.status == 503:
            self.r.count("checks_lagging")
            return
        if answer.status >= 500:
            self.r.count("checks_failed")
            return
        if answer.status != 200:
            self.r.anomaly(f"check on r{replica + 1}: {answer.short()}")
            return
        body = answer.json()
        self.r.count("checks_answered")
        if not body.get("known") or not body.get("genuine"):
            self.r.anomaly(f"check on r{replica + 1} (min seq {seq}, answered at {answer.sequence}): {code!r} "
                           f"known={body.get('known')} genuine={body.get('genuine')}; " + self.diagnose(code))
        elif body.get("status") != status and self.r.version(code) == version:
            self.r.anomaly(f"check on r{replica + 1} (min seq {seq}, answered at {answer.sequence}): {code!r} "
                           f"status {body.get('status')}, expected {status}; " + self.diagnose(code))

    def diagnose(self, code):
        """What every replica says of a code and its order, for an anomaly's text."""
        with self.r.lock:
            state = self.r.codes.get(code)
            order = dict(self.r.orders.get(state.order, {})) if state else {}
        parts = [f"order {order.get('id')} acknowledged by r{order.get('replica', -1) + 1} at seq {order.get('seq')}, "
                 f"downloaded from r{order.get('downloaded_from', -1) + 1}"]
        for i in range(3):
            try:
                again = self.c.request(i, "GET", "/codes?code=" + urllib.parse.quote(code, safe=""), timeout=10)
                info = self.c.request(i, "POST", "/codes/info", {"codes": [code]}, token=self.c.admin, timeout=10)
                line = (info.json().get("codes") or [{}])[0].get("check") or {}
                got = self.c.request(i, "GET", f"/orders/{order.get('id')}", token=self.c.admin, timeout=10)
                parts.append(f"r{i + 1} now (seq {again.sequence}): check known={again.json().get('known')} "
                             f"status={again.json().get('status')}; info known={line.get('known')} "
                             f"status={line.get('status')} order={line.get('order')}; order {got.json().get('state')}")
            except Net as error:
                parts.append(f"r{i + 1}: {error}")
        return " | ".join(parts)


    # --- the write probe: a small write every few hundred ms, for the failover times ---
    def probe_loop(self, interval):
        slots = threading.Semaphore(30)
        n = 0

        def one(number):
            replica = random.randrange(3)
            code = f"probe-{self.run}-{number}"
            sent = now()
            try:
                answer = self.c.request(replica, "POST", "/violations", {"code": code, "comment": "fault run probe"},
                                        timeout=30)
                if answer.status == 201:
                    self.r.write(sent, now(), "probe", replica)
                    self.r.seen(answer.sequence)
                    with self.r.lock:
                        self.r.probes[answer.json().get("id")] = code
                    self.r.count("probes_acknowledged")
                elif answer.status < 500:
                    self.r.anomaly(f"POST /violations on r{replica + 1}: {answer.short()}")
                else:
                    self.r.count("probes_unacknowledged")
            except Net:
                self.r.count("probes_unacknowledged")
            finally:
                slots.release()

        while not STOP.is_set() and not ABORT.is_set():
            time.sleep(interval)
            if slots.acquire(blocking=False):
                n += 1
                threading.Thread(target=one, args=(n,), daemon=True).start()
        for _ in range(30):  # the probes in flight end
            slots.acquire(timeout=35)


# --- faults -------------------------------------------------------------------------------

class Faults:
    def __init__(self, cluster, registry, args):
        self.c = cluster
        self.r = registry
        self.args = args
        self.kills = []    # dict(kind, node, at, leader, restarted, restart_s)
        self.restart_failures = []

    def run(self, start, end):
        times = sorted(random.uniform(start, end) for _ in range(self.args.kills))
        for index, at in enumerate(times):
            while now() < at and not ABORT.is_set():
                time.sleep(0.05)
            if ABORT.is_set():
                return
            kind = random.choice(["replica", "nats"])
            events = [self.kill(kind)]
            down_for = random.uniform(self.args.min_down, self.args.max_down)
            if random.random() < self.args.double:
                # A node of the other kind too, while the first is down.
                time.sleep(random.uniform(0.1, min(2.0, down_for)))
                events.append(self.kill("nats" if kind == "replica" else "replica"))
            time.sleep(max(0.0, down_for - (now() - events[0]["at"])))
            started = now()
            ok, out = self.c.up()
            took = now() - started
            for event in events:
                event["restarted"] = now()
                event["restart_s"] = took
            if not ok:
                self.restart_failures.append(out[-2000:])
                log(f"cluster.sh up failed:\n{out[-2000:]}")
                # One more attempt; a replica that cannot restart is a finding.
                ok, out = self.c.up()
                if not ok:
                    self.r.anomaly(f"cluster.sh up failed twice after kill {index + 1}: {out[-500:]}")
            log(f"kill event {index + 1}/{self.args.kills} ({len(self.kills)} kills so far): "
                + ", ".join(f"{e['kind']} {e['node']}{' (stream leader)' if e['leader'] else ''}" for e in events)
                + f"; down {events[0]['restarted'] - events[0]['at']:.1f}s, restart took {took:.1f}s")

    def kill(self, kind):
        names = self.c.replicas if kind == "replica" else self.c.nodes
        candidates = [n for n in names if self.c.alive(kind, n)]
        down = [n for n in names if not self.c.alive(kind, n)]
        if down:  # never two of one kind down: bring it back first
            self.c.up()
            candidates = [n for n in names if self.c.alive(kind, n)]
        name = random.choice(candidates)
        leader = self.c.stream_leader() if kind == "nats" else None
        at = now()
        pid = self.c.kill(kind, name)
        event = {"kind": kind, "node": name, "pid": pid, "at": at, "leader": leader == name,
                 "restarted": None, "restart_s": None}
        self.kills.append(event)
        log(f"SIGKILL {kind} {name} (pid {pid}){' - the stream leader' if leader == name else ''}")
        return event


# --- verification ---------------------------------------------------------------------------

class Verifier:
    def __init__(self, cluster, registry, load, args):
        self.c = cluster
        self.r = registry
        self.load = load
        self.args = args
        self.failures = []
        self.lost = set()          # ("order"|"document"|"probe"|"setup", id): acknowledged writes missing or changed
        self.lost_code_states = set()  # codes not in the state acknowledged documents left them
        self.duplicates = 0
        self.digests_equal = False
        self.verify_output = ""
        self.live = [0, 1, 2]
        self.lagging = set()
        self.stuck = []
        self.codes_unknown = 0

    def fail(self, text):
        self.failures.append(text)
        log(f"FAILED: {text}")

    def wait_converged(self, timeout=120):
        """Waits until every replica answers lag 0 at one sequence. Returns the healths;
        sets self.live to the replicas that caught up (all three, or those at the log's
        last sequence when some never did)."""
        deadline = now() + timeout
        healths = []
        while now() < deadline:
            healths = [self.c.health(i) for i in range(3)]
            if all(h and h.get("lag") == 0 and h.get("logReachable") for h in healths) \
                    and len({h.get("appliedSequence") for h in healths}) == 1:
                self.live = [0, 1, 2]
                return healths
            time.sleep(0.5)
        last = max((h.get("logSequence") or 0) for h in healths if h) if any(healths) else 0
        self.live = [i for i, h in enumerate(healths) if h and h.get("lag") == 0 and h.get("appliedSequence") == last]
        for i, h in enumerate(healths):
            if i not in self.live and i not in self.lagging:
                self.lagging.add(i)
                self.fail(f"r{i + 1} did not catch up with the log in {timeout:.0f}s: health {h}; "
                          f"its log's last lines: {last_log_lines(self.c.dir, self.c.replicas[i])}")
        return healths

    def n_live(self):
        return f"{len(self.live)} replicas ({', '.join(f'r{i + 1}' for i in self.live)})"

    def request(self, replica, method, path, body=None, min_seq=None, timeout=60):
        for attempt in range(20):
            try:
                answer = self.c.request(replica, method, path, body, token=self.c.admin, min_seq=min_seq,
                                        timeout=timeout)
            except Net:
                time.sleep(0.5)
                continue
            if answer.status == 503:
                time.sleep(0.5)
                continue
            return answer
        return None

    def verify(self):
        seq = self.r.max_seq
        # (a) orders and documents.
        orders = dict(self.r.orders)
        documents = dict(self.r.documents)
        lost_orders = lost_docs = 0
        for i in self.live:
            for order_id, order in orders.items():
                answer = self.request(i, "GET", f"/orders/{order_id}", min_seq=seq)
                body = answer.json() if answer is not None and answer.status == 200 else None
                if body is None or body.get("state") != "COMPLETED" or body.get("quantity") != order["quantity"] \
                        or body.get("gtin") != order["gtin"]:
                    lost_orders += 1
                    self.lost.add(("order", order_id))
                    self.fail(f"r{i + 1}: acknowledged order {order_id} ({order['quantity']} codes of {order['gtin']}, "
                              f"acknowledged by r{order['replica'] + 1} at sequence {order['seq']}) reads "
                              f"{answer.short() if answer is not None else 'no answer'}")
        self.stuck = []
        for doc_id, doc in sorted(documents.items()):
            expected = doc["final"]
            reads = []
            for i in self.live:
                answer = self.request(i, "GET", f"/documents/{doc_id}", min_seq=max(seq, doc["final_seq"] or 0))
                reads.append((answer, answer.json() if answer is not None and answer.status == 200 else None))
            states = [body.get("state") if body else None for _, body in reads]
            if expected is None and states[0] not in (None, "IN_PROGRESS"):
                expected = states[0]  # decided after the load stopped waiting: every replica must agree
            if expected is None and states and all(state == "IN_PROGRESS" for state in states):
                # Acknowledged (202) but never decided, on every replica: not lost, stuck.
                self.stuck.append(doc_id)
                self.fail(f"acknowledged document {doc_id} ({doc['type']} {doc['number']}, accepted by "
                          f"r{doc['replica'] + 1}) is still IN_PROGRESS on every replica after recovery")
                continue
            for i, (answer, body) in enumerate(reads):
                if body is None or body.get("state") != expected or body.get("number") != doc["number"] \
                        or body.get("type") != doc["type"] or body.get("participant") != doc["participant"] \
                        or body.get("lines") != doc["lines"]:
                    lost_docs += 1
                    self.lost.add(("document", doc_id))
                    self.fail(f"r{i + 1}: acknowledged document {doc_id} ({doc['type']} {doc['number']}, "
                              f"final {expected}) reads {answer.short() if answer is not None else 'no answer'}")
        # Setup writes: participants with both tokens, product cards.
        for i in self.live:
            for name, p in self.load.participants.items():
                answer = self.request(i, "GET", f"/participants/{p['id']}/tokens", min_seq=seq)
                body = answer.json() if answer is not None and answer.status == 200 else None
                tokens = body.get("tokens") if isinstance(body, dict) else body
                if tokens is None or len(tokens) != 2:
                    self.lost.add(("setup", f"participant {name}"))
                    self.fail(f"r{i + 1}: participant {name} tokens: {answer.short() if answer is not None else '-'}")
            for gtin in self.load.gtins:
                answer = self.request(i, "GET", f"/products/{gtin}", min_seq=seq)
                if answer is None or answer.status != 200:
                    self.lost.add(("setup", f"product {gtin}"))
                    self.fail(f"r{i + 1}: product {gtin}: {answer.short() if answer is not None else '-'}")
        probes = dict(self.r.probes)
        lost_probes = 0
        for i in self.live:
            stored, after = {}, 0
            while True:
                answer = self.request(i, "GET", f"/violations?after={after}&limit=1000", min_seq=seq)
                if answer is None or answer.status != 200:
                    self.fail(f"r{i + 1}: GET /violations: {answer.short() if answer is not None else 'no answer'}")
                    break
                reports = answer.json().get("reports", [])
                for report in reports:
                    stored[report.get("id")] = report.get("code")
                if len(reports) < 1000:
                    break
                after = reports[-1]["id"]
            for report_id, code in probes.items():
                if stored.get(report_id) != code:
                    lost_probes += 1
                    self.lost.add(("probe", report_id))
                    if lost_probes <= 10:
                        self.fail(f"r{i + 1}: acknowledged probe write (violation {report_id}, {code}) reads "
                                  f"{stored.get(report_id)!r}")
        log(f"(a) {len(probes)} probe writes (violation reports) read on {self.n_live()}: {lost_probes} missing")
        log(f"(a) {len(orders)} orders and {len(documents)} documents read on {self.n_live()}: "
            f"{lost_orders + lost_docs} missing or different")

        # (b) codes: the same codes regenerated on every replica, known and genuine,
        # in the state acknowledged documents left them; no serial twice.
        serial_orders = {}
        downloaded = 0
        regenerated_differ = 0
        for order_id, codes in sorted(self.r.order_codes.items()):
            digest = hashlib.sha256("\n".join(codes).encode()).hexdigest()
            for i in self.live:
                again = self.load.download(order_id, len(codes), seq, now() + 60, replica=i, token=self.c.admin,
                                           quiet=True)
                if again is None or hashlib.sha256("\n".join(again).encode()).hexdigest() != digest:
                    regenerated_differ += 1
                    self.fail(f"r{i + 1}: order {order_id} gives other codes than downloaded during the load")
            for code in codes:
                key = code_key(code)
                other = serial_orders.setdefault(key, order_id)
                if other != order_id:
                    self.duplicates += 1
                    self.fail(f"serial {key} downloaded from orders {other} and {order_id}")
            downloaded += len(codes)
        # Orders acknowledged but never downloaded, and orders nobody acknowledged
        # (no answer reached the client), are read too: their serials must be new as well.
        extra_orders = 0
        highest = max(list(orders) + [0])
        misses = 0
        order_id = 0
        while misses < 20 and order_id < highest + 1000:
            order_id += 1
            if order_id in self.r.order_codes:
                misses = 0
                continue
            answer = self.request(0, "GET", f"/orders/{order_id}", min_seq=seq)
            if answer is None or answer.status == 404:
                misses += 1
                continue
            misses = 0
            body = answer.json()
            if body.get("state") != "COMPLETED":
                if order_id in orders:
                    self.fail(f"acknowledged order {order_id} is {body.get('state')}")
                continue
            codes = self.load.download(order_id, body["quantity"], seq, now() + 60, replica=0, token=self.c.admin,
                                       quiet=True)
            if codes is None:
                self.fail(f"completed order {order_id}: its codes cannot be downloaded")
                continue
            extra_orders += 1
            for code in codes:
                key = code_key(code)
                other = serial_orders.setdefault(key, order_id)
                if other != order_id:
                    self.duplicates += 1
                    self.fail(f"serial {key} in orders {other} and {order_id}")
        log(f"(b) {downloaded} downloaded codes of {len(self.r.order_codes)} orders regenerated equal on {self.n_live()} "
            f"({regenerated_differ} differ); {extra_orders} more completed orders read; "
            f"{len(serial_orders)} serials, {self.duplicates} issued twice")

        codes = list(self.r.codes.items())
        unknown = wrong_state = 0
        checked_state = 0
        for i in self.live:
            for start in range(0, len(codes), 1000):
                chunk = codes[start:start + 1000]
                answer = self.request(i, "POST", "/codes/info", {"codes": [c for c, _ in chunk]}, min_seq=seq)
                if answer is None or answer.status != 200:
                    self.fail(f"r{i + 1}: POST /codes/info: {answer.short() if answer is not None else 'no answer'}")
                    unknown += len(chunk)
                    continue
                lines = answer.json().get("codes", [])
                for (code, state), line in zip(chunk, lines):
                    check = line.get("check") or {}
                    if not check.get("known") or not check.get("genuine"):
                        unknown += 1
                        if unknown <= 20:
                            self.fail(f"r{i + 1}: code {code!r} of order {state.order}: {line}")
                        continue
                    if state.quarantined:
                        continue
                    checked_state += 1
                    expected_doc = state.last_doc
                    got_doc = (check.get("lastDocument") or {}).get("id", 0)
                    if check.get("status") != state.status or check.get("owner") != state.owner \
                            or (expected_doc and got_doc != expected_doc):
                        wrong_state += 1
                        self.lost_code_states.add(code)
                        if wrong_state <= 20:
                            self.fail(f"r{i + 1}: code {code!r}: status {check.get('status')} owner {check.get('owner')} "
                                      f"last document {got_doc}; acknowledged: {state.status}, owner {state.owner}, "
                                      f"document {expected_doc}")
        if unknown > 20 or wrong_state > 20:
            self.fail(f"{unknown} codes unknown or not genuine, {wrong_state} in another state (first 20 listed)")
        quarantined = sum(1 for _, s in codes if s.quarantined)
        log(f"(b) {len(codes)} codes checked on {self.n_live()}: {unknown} unknown or not genuine; "
            f"{checked_state} code states compared ({quarantined} codes left out: a write on them had no answer), "
            f"{wrong_state} differ")
        self.codes_unknown = unknown

        # (c) digests.
        self.wait_converged(60 if self.lagging else 120)
        self.verify_output = self.cluster_verify([0, 1, 2])
        if not self.digests_equal and self.lagging and len(self.live) >= 2:
            # Whether the replicas that did catch up at least agree.
            self.digests_equal = False
            self.verify_output += "\n" + self.cluster_verify(self.live, record=False)
        log("(c) marking-server cluster verify:\n    " + self.verify_output.replace("\n", "\n    "))
        if not self.digests_equal:
            self.fail("the digests differ (or could not be compared)")

    def cluster_verify(self, replicas, record=True):
        output = ""
        for attempt in range(8):
            time.sleep(2)  # audit lines of the checks above land first
            urls = ",".join(self.c.urls[i] for i in replicas)
            try:
                result = subprocess.run(
                    [self.c.binary, "cluster", "verify", "--replicas", urls, "--admin-token", self.c.admin],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            except subprocess.TimeoutExpired:
                return f"cluster verify --replicas {urls}: no answer in 300 s"
            output = f"$ marking-server cluster verify --replicas {urls}\n" + result.stdout.decode("utf-8", "replace").strip()
            if result.returncode == 0:
                if record:
                    self.digests_equal = True
                break
            if "different sequences" not in output:
                break
        return output


# --- helpers ---------------------------------------------------------------------------------

def valid_bin(body):
    """A BIN with a valid check digit from an 11-digit body (bumped until one exists)."""
    value = int(body)
    while True:
        digits = [int(d) for d in f"{value:011d}"]
        total = sum(d * (i + 1) for i, d in enumerate(digits))
        check = total % 11
        if check == 10:
            total = sum(d * ((i + 2) % 11 + 1) for i, d in enumerate(digits))
            check = total % 11
        if check != 10:
            return f"{value:011d}{check}"
        value += 1


def gtin14(body):
    digits = [int(d) for d in body]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


def last_log_lines(directory, name, n=2):
    try:
        with open(os.path.join(directory, name, "serve.log"), errors="replace") as f:
            return " / ".join(line.strip()[:300] for line in f.readlines()[-n:])
    except OSError as error:
        return str(error)


SUSPICIOUS = re.compile(r"fatal|panic|crash|assert|segmentation|backtrace|precondition|unreachable|"
                        r"\berror\b|abort|diverg|corrupt|\bwarning\b", re.IGNORECASE)


def scan_logs(directory):
    """Lines of the replicas' logs (killed instances' logs kept as serve.log.N) and the
    nats logs' [ERR] lines, grouped by shape."""
    report = []
    for name in ("r1", "r2", "r3"):
        folder = os.path.join(directory, name)
        shapes = collections.Counter()
        examples = {}
        files = sorted(f for f in os.listdir(folder) if f.startswith("serve.log")) if os.path.isdir(folder) else []
        for file in files:
            with open(os.path.join(folder, file), errors="replace") as f:
                for line in f:
                    if SUSPICIOUS.search(line):
                        shape = re.sub(r"\d+", "N", line.strip())[:160]
                        shapes[shape] += 1
                        examples.setdefault(shape, f"{file}: {line.strip()[:300]}")
        report.append((name, len(files), shapes, examples))
    nats = []
    for name in ("n1", "n2", "n3"):
        path = os.path.join(directory, name, "nats.log")
        counts = collections.Counter()
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                for line in f:
                    if "[ERR]" in line or "[FTL]" in line:
                        counts[re.sub(r"^\S+ \S+ ", "", re.sub(r"\d+", "N", line.strip()))[:140]] += 1
        nats.append((name, counts))
    return report, nats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--duration", type=float, default=200, help="seconds of load with kills")
    parser.add_argument("--kills", type=int, default=22, help="kill events (a double fault adds one more kill)")
    parser.add_argument("--double", type=float, default=0.2, help="chance that a node of the other kind dies too")
    parser.add_argument("--min-down", type=float, default=0.5)
    parser.add_argument("--max-down", type=float, default=5.0)
    parser.add_argument("--min-order", type=int, default=200)
    parser.add_argument("--max-order", type=int, default=2000)
    parser.add_argument("--order-pause", type=float, default=0.5, help="mean pause between two orders of an emitter")
    parser.add_argument("--emitters", type=int, default=1)
    parser.add_argument("--producers", type=int, default=1)
    parser.add_argument("--transferrers", type=int, default=2)
    parser.add_argument("--checkers", type=int, default=2)
    parser.add_argument("--probe-interval", type=float, default=0.25,
                        help="seconds between two probe writes (violation reports) for the failover times; 0: none")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    random.seed(seed)
    run_id = int(time.time()) % 100_000_000

    def on_signal(number, _frame):
        ABORT.set()
        STOP.set()
        process = cluster.subprocess if cluster else None
        if process is not None:
            try:
                process.kill()
            except OSError:
                pass
        raise SystemExit(128 + number)

    cluster = None
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    cluster = Cluster(args.dir, args.repo, args.binary)
    registry = Registry()
    load = Load(cluster, registry, args, run_id)
    log(f"fault run: seed {seed}, {args.duration:.0f}s of load, {args.kills} kill events, replicas "
        f"{', '.join(cluster.urls)}")
    load.setup()

    def loop(step, name):
        def body():
            while not STOP.is_set() and not ABORT.is_set():
                try:
                    step()
                except Exception as error:  # a bug of this script: say so, keep going
                    registry.anomaly(f"{name} thread: {type(error).__name__}: {error}")
                    time.sleep(1)
        thread = threading.Thread(target=body, name=name, daemon=True)
        thread.start()
        return thread

    load_start = now()
    cluster.counting = True
    threads = []
    threads += [loop(load.emit_one, f"emitter{i}") for i in range(args.emitters)]
    threads += [loop(load.producer_step, f"producer{i}") for i in range(args.producers)]
    threads += [loop(load.transfer_step, f"transfer{i}") for i in range(args.transferrers)]
    threads += [loop(lambda: (load.check_step(), time.sleep(0.01)), f"checker{i}") for i in range(args.checkers)]
    if args.probe_interval > 0:
        probe = threading.Thread(target=load.probe_loop, args=(args.probe_interval,), name="probe", daemon=True)
        probe.start()
        threads.append(probe)
    faults = Faults(cluster, registry, args)
    fault_thread = threading.Thread(
        target=faults.run, args=(load_start + 5, load_start + args.duration - 3), name="faults", daemon=True)
    fault_thread.start()

    def progress():
        with registry.lock:
            c = registry.counters
            return (f"orders {c['orders_acknowledged']}, documents {c['documents_acknowledged']} "
                    f"({c['documents_interrupted']} interrupted), codes {c['codes_downloaded']} downloaded / "
                    f"{c['codes_introduced']} introduced / {c['codes_transferred']} transferred, checks "
                    f"{c['checks_answered']}, kills {len(faults.kills)}, anomalies {len(registry.anomalies)}")

    next_report = now() + 15
    while fault_thread.is_alive() or now() < load_start + args.duration:
        time.sleep(0.2)
        if now() >= next_report:
            log(progress())
            next_report = now() + 15
    load_end = now()
    log("load over: the last kill is restarted; operations in flight finish")
    STOP.set()
    for thread in threads:
        thread.join(timeout=max(1, 200 - (now() - load_end)))
    hung = [t.name for t in threads if t.is_alive()]
    if hung:
        registry.anomaly(f"load threads still running 200 s after the end: {hung}")
    cluster.counting = False
    log(progress())

    # Recovery: everything up, lag 0 everywhere.
    ok, out = cluster.up()
    if not ok:
        registry.anomaly(f"cluster.sh up after the run failed: {out[-500:]}")
    verifier = Verifier(cluster, registry, load, args)
    recovery_start = now()
    healths = verifier.wait_converged()
    log(f"converged in {now() - recovery_start:.1f}s: " + "; ".join(
        f"{h.get('node')} applied {h.get('appliedSequence')} lag {h.get('lag')}" for h in healths if h))
    verifier.verify()
    after_restart = None
    if verifier.lagging:
        # Diagnosis only (the run has failed): does a replica that stopped applying the
        # log converge once restarted, or has it diverged?
        names = [cluster.replicas[i] for i in sorted(verifier.lagging)]
        log(f"diagnosis: restarting {', '.join(names)}, which never caught up")
        for name in names:
            cluster.kill("replica", name)
        ok, out = cluster.up()
        verifier.live, lagging_before = [0, 1, 2], verifier.lagging
        verifier.lagging = set()
        healths = verifier.wait_converged(120)
        output = verifier.cluster_verify([0, 1, 2], record=False)
        equal = "equal at sequence" in output
        after_restart = (names, not verifier.lagging, equal, output)
        log(f"diagnosis: after a restart {', '.join(names)} "
            f"{'caught up' if not verifier.lagging else 'still lag'}; cluster verify:\n    "
            + output.replace("\n", "\n    "))
        verifier.lagging = lagging_before

    # Failover: from each kill to the first write sent after it and acknowledged.
    writes = sorted(registry.writes, key=lambda w: w[1])
    failovers = []
    for event in faults.kills:
        after = [w for w in writes if w[0] >= event["at"]]
        first = min(after, key=lambda w: w[1]) if after else None
        failovers.append((event, first[1] - event["at"] if first else None, first))

    report, nats_report = scan_logs(args.dir)

    # --- summary ---
    kinds = collections.Counter(e["kind"] for e in faults.kills)
    leaders = sum(1 for e in faults.kills if e["leader"])
    c = registry.counters
    acked = c["orders_acknowledged"] + c["documents_acknowledged"] + len(registry.accepts) + len(registry.probes)
    print()
    print("=" * 78)
    print(f"cluster fault run: seed {seed}, load {load_end - load_start:.0f}s, total {now():.0f}s "
          f"(again: scripts/cluster-faults.sh --seed {seed} --duration {args.duration:.0f} --kills {args.kills})")
    print(f"kills: {len(faults.kills)} (replica {kinds['replica']}, nats-server {kinds['nats']}, "
          f"of which the stream leader {leaders}; double faults "
          f"{len(faults.kills) - args.kills if len(faults.kills) > args.kills else 0})")
    print(f"writes acknowledged: {acked} (orders {c['orders_acknowledged']}, documents "
          f"{c['documents_acknowledged']}, shipment answers {len(registry.accepts)}, probe violation reports "
          f"{len(registry.probes)}) + {registry.setup_writes} setup")
    print(f"  not acknowledged (no answer / 5xx during faults): orders {c['orders_unacknowledged']}, probes "
          f"{c['probes_unacknowledged']}; "
          f"documents interrupted by a kill (CHECKED_NOT_OK INTERRUPTED): {c['documents_interrupted']}, "
          f"refused by a failure inside their job (PROCESSING_ERROR): {c['documents_processing_error']}")
    print(f"  codes: {c['codes_downloaded']} downloaded, {c['codes_applied']} applied, {c['codes_introduced']} "
          f"introduced, {c['codes_transferred']} transferred, {c['codes_retired']} retired; public checks "
          f"{c['checks_answered']} answered, {c['checks_lagging']} lagging (503), {c['checks_failed']} failed (5xx), "
          f"{c['checks_unanswered']} unanswered")
    if c["checks_without_sequence"]:
        print(f"  public checks answered without X-Registry-Sequence although X-Registry-Min-Sequence was sent "
              f"(the fast path skips the router's wait): {c['checks_without_sequence']} of {c['checks_answered']}")
    print("answers during the load, by replica:")
    with cluster.lock:
        answers = dict(cluster.answers)
    for i, name in enumerate(cluster.replicas):
        row = sorted(((what, n) for (r, what), n in answers.items() if r == i), key=lambda x: -x[1])
        print(f"  {name}: " + ", ".join(f"{what} {n}" for what, n in row))
    kinds_lost = collections.Counter(kind for kind, _ in verifier.lost)
    print(f"writes lost: {len(verifier.lost)}" + (" (" + ", ".join(f"{k} {n}" for k, n in kinds_lost.items()) + ": "
          + ", ".join(f"{k} {i}" for k, i in sorted(verifier.lost, key=str)[:10]) + ")" if verifier.lost else ""))
    print(f"codes not in the state acknowledged documents left them: {len(verifier.lost_code_states)}")
    print(f"documents acknowledged but never decided (IN_PROGRESS everywhere after recovery): "
          f"{len(getattr(verifier, 'stuck', []))} {getattr(verifier, 'stuck', [])[:10]}")
    print(f"duplicate serials: {verifier.duplicates}")
    print(f"codes unknown or not genuine: {getattr(verifier, 'codes_unknown', 'n/a')}")
    print(f"digests equal: {'yes' if verifier.digests_equal else 'no'}")
    if verifier.lagging:
        print(f"replicas that stopped applying the log (alive, lag > 0 for minutes): "
              f"{', '.join(cluster.replicas[i] for i in sorted(verifier.lagging))}")
    if after_restart:
        names, caught_up, equal, _ = after_restart
        print(f"  after restarting {', '.join(names)}: {'caught up' if caught_up else 'still lagging'}, "
              f"digests of all three {'equal' if equal else 'NOT equal'}")
    print(f"unexpected answers during the load: {len(registry.anomalies)}")
    for text in registry.anomalies[:15]:
        print(f"  {text}")
    print("first write after each kill (sent after the kill, acknowledged):")
    latencies = []
    for event, latency, first in failovers:
        what = f"{first[2]} on r{first[3] + 1}" if first else "-"
        down = (event["restarted"] - event["at"]) if event["restarted"] else float("nan")
        if latency is not None:
            latencies.append(latency)
        print(f"  {event['at']:7.1f}s  {event['kind']:7} {event['node']}{' leader' if event['leader'] else '       '}"
              f"  down {down:5.1f}s  first write {('%.2fs' % latency) if latency is not None else 'none':>7}  {what}")
    if latencies:
        latencies.sort()
        print(f"  failover: median {latencies[len(latencies) // 2]:.2f}s, max {latencies[-1]:.2f}s "
              f"({sum(1 for l in latencies if l > 5)} over 5 s)")
    if registry.notes:
        print("expected trouble during faults (retried or not acknowledged):")
        for what, n in registry.notes.most_common(12):
            print(f"  {n:6}  {what}")
    print("replica logs (lines matching error/fatal/crash/warning..., by shape):")
    for name, files, shapes, examples in report:
        print(f"  {name}: {files} log file(s), {sum(shapes.values())} such lines")
        for shape, n in shapes.most_common(6):
            print(f"    {n:5}x {examples[shape]}")
    for name, counts in nats_report:
        if counts:
            print(f"  nats {name}: " + "; ".join(f"{n}x {s}" for s, n in counts.most_common(3)))
    failed = bool(verifier.failures) or verifier.lost or verifier.lost_code_states or verifier.duplicates or not verifier.digests_equal \
        or bool(registry.anomalies) or len(faults.kills) < 20
    if len(faults.kills) < 20:
        print(f"only {len(faults.kills)} kills: at least 20 are required")
    if verifier.failures:
        print(f"failed checks: {len(verifier.failures)}")
        for text in verifier.failures[:15]:
            print(f"  {text}")
    print(f"RESULT: {'FAIL' if failed else 'PASS'}")
    print("=" * 78)
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException:
        ABORT.set()
        raise
