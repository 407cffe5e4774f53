"""Instructions per request of the hot paths, counted by callgrind: a glint server under
valgrind with counting off, 50 requests of warm-up, then counting on for N requests of one kind
only (member accept, member add; with MORE=1 also create and a list of 25). Compare two builds
with the same N; instruction counts barely move with the machine's load, unlike req/s.

    python3 scripts/bench/instructions.py target/release/glint [N]

Needs valgrind (callgrind_control). Set WEBHOOKS=1 for builds with the webhook worker (its
poll is set to an hour, so that it stays out of the count)."""
import http.client, json, os, socket, subprocess, sys, tempfile, time, glob

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
PW = "callgrind-pass-1"

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

d = tempfile.mkdtemp(prefix="cg-")
env = dict(os.environ, GLINT_ADMIN_PASSWORD=PW)
if os.environ.get("WEBHOOKS"): env["GLINT__WEBHOOKS__POLL_INTERVAL_MS"] = "3600000"
def admin(*a, stdin=None):
    subprocess.run([BIN, *a, "--data-dir", d], input=stdin, env=env, check=True, capture_output=True, text=True)
admin("account", "create", "prod", "--id", "1001", "--regions", "DFW")
admin("account", "create", "cons", "--id", "1002", "--regions", "DFW")
admin("user", "create", "p", "--account", "prod", "--role", "member", stdin=PW + "\n")
admin("user", "create", "c", "--account", "cons", "--role", "manager", stdin=PW + "\n")
port = free_port()
out = os.path.join(d, "cg.out")
env["GLINT__SERVER__LISTEN"] = f"127.0.0.1:{port}"
proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                         BIN, "serve", "--data-dir", d], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
conn = None
for _ in range(600):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60); conn.request("GET", "/identity/v3"); conn.getresponse().read(); break
    except OSError:
        time.sleep(0.2)

def call(method, path, body=None, token=None):
    h = {"content-type": "application/json", "accept": "application/json"}
    if token: h["x-auth-token"] = token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse(); data = r.read()
    return r.status, r.headers, data

def token(user, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": user, "domain": {"id": "default"}, "password": PW}}},
                     "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    s, h, _ = call("POST", "/identity/v3/auth/tokens", body)
    assert s == 201, s
    return h["x-subject-token"]

tp, tc = token("p", "prod"), token("c", "cons")
def image():
    s, _, data = call("POST", "/image/DFW/v2/images", {"name": "cg", "visibility": "shared"}, tp)
    assert s == 201, (s, data)
    return json.loads(data)["id"]

shared = image()
assert call("POST", f"/image/DFW/v2/images/{shared}/members", {"member": "1002"}, tp)[0] == 200
def accepts(n):
    for i in range(n):
        s = call("PUT", f"/image/DFW/v2/images/{shared}/members/1002", {"status": "accepted" if i % 2 == 0 else "rejected"}, tc)[0]
        assert s == 200, s
adds_images = [image() for _ in range(N // 100 + 2)]
counter = [0]
def adds(n):
    for _ in range(n):
        k = counter[0]; counter[0] += 1
        img = adds_images[k // 100]
        s = call("POST", f"/image/DFW/v2/images/{img}/members", {"member": str(50000 + k)}, tp)[0]
        assert s == 200, s

def measure(what, fn):
    fn(50)
    subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True)
    subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], capture_output=True)
    fn(N)
    subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], capture_output=True)
    before = set(glob.glob(out + "*"))
    subprocess.run(["callgrind_control", "-d", what, str(proc.pid)], capture_output=True)
    time.sleep(1)
    dumps = sorted(set(glob.glob(out + "*")) - before, key=os.path.getmtime) or sorted(glob.glob(out + "*"), key=os.path.getmtime)
    total = 0
    for line in open(dumps[-1]):
        if line.startswith("totals:"):
            total = int(line.split()[1])
    print(f"{what}: {total / N:,.0f} instructions per request")

def creates(n):
    for _ in range(n):
        s = call("POST", "/image/DFW/v2/images", {"name": "cg", "disk_format": "raw", "container_format": "bare"}, tp)[0]
        assert s == 201, s
def lists(n):
    for _ in range(n):
        s = call("GET", "/image/DFW/v2/images?limit=25", None, tp)[0]
        assert s == 200, s

measure("accept", accepts)
measure("add", adds)
if os.environ.get("MORE"):
    measure("create", creates)
    N = N // 10
    measure("list25", lists)
proc.terminate(); proc.wait()
