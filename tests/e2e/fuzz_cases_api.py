"""`ApiCases`, the kinds of `Cases` (fuzz_cases.py) that send mutated JSON
bodies to the APIs: image create, PATCH in both media types
(`application/openstack-images-v2.1-json-patch` and `…-v2.0-json-patch`),
member add, update, list and delete, token requests (sign-in, validation,
revocation) and projects, and compute server create, actions, show and
delete.
"""

from __future__ import annotations

from fuzz_targets import (
    CONTAINER_FORMATS, DISK_FORMATS, MANAGER, PRODUCER, READER, V20, V21, images,
)
from fuzz_values import random_uuid
from fuzz_wire import Case


class ApiCases:
    """Image create, PATCH, members, tokens and compute.

    A mixin: it draws on the state and the shared choices of `Cases`
    (`self.t`, `self.rng`, `self.mut`, `self.worker`, `self.n`, the id pools,
    `pick`, `auth`, `region`, `image_id`, `member_id`, `json_headers`)."""

    # -- images, members and tokens

    def gen_create(self) -> Case:
        seed = {
            "name": f"fuzz-{self.worker}-{self.n}",
            "disk_format": self.pick(*DISK_FORMATS),
            "container_format": self.pick(*CONTAINER_FORMATS),
            "visibility": self.pick("private", "shared", "community", "public"),
            "tags": self.rng.sample(["a", "b", "golden", "é", "x" * 255],
                                    self.rng.randrange(0, 4)),
            "min_ram": self.pick(0, 512), "min_disk": self.pick(0, 1),
            "protected": False, "os_hidden": self.pick(False, True),
            "hw_disk_bus": "virtio",
        }
        if self.rng.random() < 0.2:
            seed["id"] = random_uuid(self.rng) if self.rng.random() < 0.8 else self.t.ids["A"]
        for key in self.rng.sample(list(seed), self.rng.randrange(0, 4)):
            seed.pop(key, None)
        return Case("create", "POST", images(region=self.region()),
                    self.auth(PRODUCER) + self.json_headers(), self.mut.body(seed),
                    collect="image")

    def patch_ops(self, v21: bool) -> list:
        paths = ["/name", "/visibility", "/protected", "/os_hidden", "/min_ram", "/min_disk",
                 "/tags", "/disk_format", "/container_format", "/fuzz_prop", "/hw_disk_bus",
                 "/owner", "/status", "/id", "/size", "/checksum", "/locations", "/locations/-",
                 "/locations/0", "/self", "/file", "/schema", "/created_at", "/a~1b", "/a~0b",
                 "/~2", "/x/y", "/", "", "name", "/os_glance_x", "/os_hash_value", "/é",
                 "/" + "p" * 256, "/direct_url", "/stores"]
        values = {"/name": "renamed", "/visibility": "shared", "/protected": False,
                  "/os_hidden": False, "/min_ram": 1024, "/min_disk": 2, "/tags": ["x", "y"],
                  "/disk_format": "raw", "/container_format": "bare", "/owner": self.t.producer,
                  "/locations/-": {"url": "http://127.0.0.1:1/x", "metadata": {}}}
        sane = ["/name", "/min_ram", "/min_disk", "/tags", "/visibility", "/os_hidden",
                "/protected", "/fuzz_prop", "/hw_disk_bus"]
        ops = []
        valid = self.rng.random() < 0.6  # mostly valid operations, to get past the checks
        for _ in range(self.rng.randrange(1, 5)):
            if valid:
                path = self.pick(*sane)
                custom = path in ("/fuzz_prop", "/hw_disk_bus")
                op = self.pick("replace", "add")
                if custom and self.rng.random() < 0.3:
                    op = "remove"
            else:
                path = self.pick(*paths, *values, "/fuzz_prop")
                op = self.pick("replace", "replace", "add", "remove", "test", "move", "copy")
            value = values.get(path, "v")
            if v21:
                entry = {"op": op, "path": path}
                if op in ("move", "copy"):
                    entry["from"] = "/name"
                elif op != "remove":
                    entry["value"] = value
            else:
                entry = {op: path}
                if op != "remove":
                    entry["value"] = value
            ops.append(entry)
        return ops

    def gen_patch(self, v21: bool) -> Case:
        ctype = V21 if v21 else V20
        r = self.rng.random()
        target = self.t.ids["A"] if r < 0.3 else self.t.ids["B"] if r < 0.5 else self.image_id()
        return Case("patch", "PATCH", images(f"/{target}", self.region()),
                    self.auth(PRODUCER) + self.json_headers(ctype),
                    self.mut.body(self.patch_ops(v21)))

    def gen_patch_v21(self) -> Case:
        return self.gen_patch(True)

    def gen_patch_v20(self) -> Case:
        return self.gen_patch(False)

    def gen_member(self) -> Case:
        r = self.rng.random()
        if r < 0.35:
            target = self.image_id()
            body = self.mut.body({"member": self.member_id()})
            return Case("member", "POST", images(f"/{target}/members", self.region()),
                        self.auth(PRODUCER) + self.json_headers(), body)
        if r < 0.7:
            target = self.pick(self.t.ids["A"], self.t.ids["B"], self.image_id())
            body = self.mut.body({"status": self.pick("accepted", "rejected", "pending")})
            return Case("member", "PUT",
                        images(f"/{target}/members/{self.member_id()}", self.region()),
                        self.auth(MANAGER) + self.json_headers(), body)
        if r < 0.85:
            rest = self.pick("/members", f"/members/{self.member_id()}")
            return Case("member", "GET", images(f"/{self.image_id()}{rest}", self.region()),
                        self.auth(self.pick(PRODUCER, MANAGER)))
        return Case("member", "DELETE",
                    images(f"/{self.image_id(deletable=True)}/members/{self.member_id()}"),
                    self.auth(PRODUCER))

    def gen_token(self) -> Case:
        r = self.rng.random()
        path = "/identity/v3/auth/tokens"
        if self.rng.random() < 0.2:
            path += "?" + self.pick("nocatalog", "nocatalog=1", "nocatalog=", "nocatalog=%zz",
                                    "allow_expired=1", "x=" + "y" * 5000)
        if r < 0.65:
            user = self.pick(PRODUCER, MANAGER, "admin", READER, "nobody")
            password = self.t.passwords.get(user, "x")
            if self.rng.random() < 0.6:
                password = self.mut.vary(password)
            who = {"name": user, "domain": {"name": "Default"}, "password": password}
            if self.rng.random() < 0.2:
                who = {"id": self.mut.string(), "password": password}
            account = self.t.accounts.get(user, "fuzzprod")
            scope = {"project": {"name": account, "domain": self.pick(
                {"name": "Default"}, {"id": "default"}, {"id": "x"}, {})}}
            if self.rng.random() < 0.2:
                scope = {"project": {"id": self.pick(self.t.producer, self.t.consumer, "0", "x")}}
            seed = {"auth": {"identity": {"methods": ["password"], "password": {"user": who}},
                             "scope": scope}}
            return Case("token", "POST", path, self.json_headers(), self.mut.body(seed))
        subject = self.t.tokens[self.pick(*self.t.tokens)]
        subject = self.pick(subject, subject, self.mut.vary(subject), "", self.mut.string())
        if r < 0.85:
            headers = self.auth(PRODUCER) + [("X-Subject-Token", subject)]
            return Case("token", self.pick("GET", "HEAD"), path, headers)
        if r < 0.95:
            doomed = self.pick(*self.t.victims, self.mut.vary(self.t.victims[0]), "")
            headers = self.auth(PRODUCER) + [("X-Subject-Token", doomed)]
            return Case("token", "DELETE", path, headers)
        project = self.pick(self.t.producer, self.t.consumer, "", self.mut.segment("1"))
        return Case("token", "GET", self.pick("/identity/v3/projects",
                                              f"/identity/v3/projects/{project}"),
                    self.auth(PRODUCER))

    # -- compute

    def gen_compute(self) -> Case:
        base = f"/compute/{self.region()}/v2.1"
        ids = self.t.ids
        r = self.rng.random()
        if r < 0.35:
            seed = {"server": {"name": f"fs-{self.n}",
                               "imageRef": self.pick(ids["A"], ids["E"], ids["B"], ids["D"]),
                               "flavorRef": self.t.flavor,
                               "networks": self.pick("none", "auto", [])}}
            return Case("compute", "POST", f"{base}/servers",
                        self.auth(self.pick(MANAGER, PRODUCER)) + self.json_headers(),
                        self.mut.body(seed), collect="server")
        server = self.pick(self.t.server, *(self.pool_servers or [random_uuid(self.rng)]))
        if r < 0.7:
            seed = self.pick({"rebuild": {"imageRef": self.pick(ids["A"], ids["E"])}},
                             {"createImage": {"name": f"snap-{self.n}", "metadata": {"k": "v"}}},
                             {"reboot": {"type": "SOFT"}})
            return Case("compute", "POST", f"{base}/servers/{server}/action",
                        self.auth(MANAGER) + self.json_headers(), self.mut.body(seed))
        if r < 0.9:
            return Case("compute", "GET", f"{base}/servers/{self.mut.segment(server)}",
                        self.auth(MANAGER))
        doomed = self.pick(*(self.pool_servers or [random_uuid(self.rng)]))
        return Case("compute", "DELETE", f"{base}/servers/{doomed}", self.auth(MANAGER))
