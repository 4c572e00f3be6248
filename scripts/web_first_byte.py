#!/usr/bin/python3
"""Time to first byte of the web application's pages on a running marking-server.

Against a server already started (e.g. `scripts/run.sh serve`, release build, the
embedded store), it registers a producer through the API with the admin token, gives
it a product, an order of --codes codes and a utilisation document of 1,000 of them,
signs in through the sign-in form (as the producer, then as the admin) and asks each
page --requests times over one kept-alive connection with curl, printing curl's
`%{time_starttransfer}` per page: p50, p99 and max in milliseconds.

Usage: scripts/web_first_byte.py [--url http://127.0.0.1:8080] [--admin-token-file data/admin-token]
       [--codes 100000] [--requests 200]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_test import bin_number, gtin  # noqa: E402  (the walk's own helpers)


def api(url, method, path, token, body=None, content_type="application/json"):
    data = None if body is None else (json.dumps(body).encode() if content_type == "application/json" else body.encode())
    request = urllib.request.Request(url + "/api/v1" + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=600) as answer:
        text = answer.read().decode()
    return json.loads(text) if answer.headers.get("Content-Type", "").startswith("application/json") else text


def sign_in(url, jar, token):
    page = subprocess.run(["curl", "-s", "-c", jar, "-b", jar, url + "/signin"], capture_output=True, text=True, check=True).stdout
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    status = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-c", jar, "-b", jar,
                             "--data-urlencode", "csrf=" + csrf, "--data-urlencode", "token=" + token, url + "/signin"],
                            capture_output=True, text=True, check=True).stdout
    assert status == "303", ("sign-in", status)


def first_bytes(url, jar, path, requests):
    """Milliseconds to the first byte of `requests` GETs of `path` on one connection."""
    command = ["curl", "-s", "-b", jar, "-w", "%{http_code} %{time_starttransfer}\n"]
    for _ in range(requests):
        command += ["-o", "/dev/null", url + path]
    lines = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    codes, seconds = lines[0::2], [float(s) * 1000 for s in lines[1::2]]
    assert all(code == "200" for code in codes), (path, sorted(set(codes)))
    return sorted(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--admin-token-file", default="data/admin-token")
    parser.add_argument("--codes", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    url = arguments.url.rstrip("/")
    admin = open(arguments.admin_token_file).read().strip()

    seed = random.randrange(1, 10**6)
    producer = api(url, "POST", "/participants", admin, {"name": "First byte LLP", "bin": bin_number(seed), "roles": ["producer"]})
    token = producer["token"]["token"]
    product = gtin(4_870_000_000_000 + seed)
    api(url, "PUT", f"/products/{product}", token, {"tradeName": "First byte kefir", "country": "KZ"})
    order = api(url, "POST", "/orders", token, {"gtin": product, "quantity": arguments.codes})
    codes = api(url, "GET", f"/orders/{order['id']}/codes?format=text", token).split("\n")
    api(url, "POST", f"/documents?type=UTILISATION&number=FB-{seed}", token, "\n".join(codes[:1000]), content_type="text/plain")

    with tempfile.TemporaryDirectory() as folder:
        producer_jar, admin_jar, public_jar = (os.path.join(folder, name) for name in ["producer", "admin", "public"])
        sign_in(url, producer_jar, token)
        sign_in(url, admin_jar, admin)
        open(public_jar, "w").close()
        pages = [
            ("public check", public_jar, "/check?code=" + urllib.parse.quote(codes[0], safe="")),
            ("sign-in", public_jar, "/signin"),
            ("cabinet", producer_jar, "/cabinet"),
            ("orders", producer_jar, "/cabinet/orders"),
            ("order", producer_jar, f"/cabinet/orders/{order['id']}"),
            ("analytics, producer", producer_jar, "/cabinet/analytics"),
            ("analytics, admin (nation)", admin_jar, "/cabinet/analytics"),
        ]
        print(f"{'page':<28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   ({arguments.requests} GETs each, one connection)")
        for name, jar, path in pages:
            times = first_bytes(url, jar, path, arguments.requests)
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"{name:<28} {times[len(times) // 2]:>8.2f} {p99:>8.2f} {times[-1]:>8.2f}")


if __name__ == "__main__":
    main()
