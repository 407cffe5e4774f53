"""Image API v2 end to end: a member of an account in region DFW creates,
lists, shows, updates, downloads and deletes images with the real `openstack`
CLI, the cloud admin deactivates and reactivates one, and the same core flow
runs through openstacksdk and python-glanceclient."""

from __future__ import annotations

import hashlib
import io
import warnings

import glanceclient.exc
import pytest

from disk_images import qcow2_bytes

# Real qcow2 data: Glint refuses bytes that are not in the declared disk_format.
DATA = qcow2_bytes("64M")
DATA_MD5 = hashlib.md5(DATA).hexdigest()
DATA_SHA512 = hashlib.sha512(DATA).hexdigest()

USER = "ivy"


@pytest.fixture(scope="module")
def acct(make_account):
    """Account `imaging` (region DFW) with the member user ivy."""
    return make_account("imaging", {USER: "member"}, regions="DFW", number="7100001")


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("images") / "disk.qcow2"
    path.write_bytes(DATA)
    return path


def cli_create(acct, image_file, name, *extra):
    return acct.cli(
        USER, "image", "create", "--file", str(image_file), "--disk-format", "qcow2",
        "--container-format", "bare", *extra, name, "-f", "json",
    )


@pytest.fixture(scope="module")
def cli_images(acct, image_file):
    """Three images made with `openstack image create --file`, by name."""
    return {
        "alpha": cli_create(acct, image_file, "alpha", "--property", "tier=gold",
                            "--tag", "blue"),
        "bravo": cli_create(acct, image_file, "bravo", "--tag", "blue"),
        "charlie": cli_create(acct, image_file, "charlie", "--property", "tier=gold"),
    }


def names(rows):
    return [row["Name"] for row in rows]


def own_listing(acct):
    """Every image of the account in the server's default order, read with
    openstacksdk (one call, no CLI start-up)."""
    return [img.id for img in acct.sdk(USER).image.images()]


def assert_failed(proc, *words):
    __tracebackhide__ = True
    assert proc.returncode != 0, f"command succeeded:\n{proc.stdout}"
    text = (proc.stdout + proc.stderr).lower()
    for word in words:
        assert word.lower() in text, f"{word!r} not in the error:\n{proc.stderr}"


# --------------------------------------------------------------------------
# the openstack CLI


def test_cli_create_uploads_the_file(acct, cli_images):
    for name, image in cli_images.items():
        assert image["name"] == name
        assert image["status"] == "active", image
        assert image["size"] == len(DATA), image
        assert image["checksum"] == DATA_MD5, image
        assert image["disk_format"] == "qcow2"
        assert image["container_format"] == "bare"
        assert image["owner"] == acct.number
        assert image["visibility"] == "shared", "the default visibility is shared"
    assert cli_images["alpha"]["properties"]["tier"] == "gold"
    assert cli_images["alpha"]["tags"] == ["blue"]
    assert len({image["id"] for image in cli_images.values()}) == 3


def test_cli_show_reports_checksum_hash_and_size(acct, cli_images):
    shown = acct.cli(USER, "image", "show", "bravo", "-f", "json")
    assert shown["id"] == cli_images["bravo"]["id"]
    assert shown["status"] == "active"
    assert shown["checksum"] == DATA_MD5
    assert shown["size"] == len(DATA)
    assert shown["virtual_size"] == 64 * 1024 * 1024, "from the qcow2 header"
    assert shown["properties"]["os_hash_algo"] == "sha512"
    assert shown["properties"]["os_hash_value"] == DATA_SHA512
    assert shown["owner"] == acct.number


def test_cli_upload_in_another_format_is_refused(acct, image_file, tmp_path):
    """qcow2 data declared raw, and bytes declared qcow2, are refused (415) with the reason;
    the client then removes the image it created, so nothing is left."""
    not_qcow2 = tmp_path / "notes.qcow2"
    not_qcow2.write_bytes(b"just some text, not a disk\n" * 100)
    for data, disk_format, name in [
        (image_file, "raw", "mislabelled"),
        (not_qcow2, "qcow2", "not-a-disk"),
    ]:
        refused = acct.cli(
            USER, "image", "create", "--file", str(data), "--disk-format", disk_format,
            "--container-format", "bare", name, check=False,
        )
        assert refused.returncode != 0, refused.stdout
        said = refused.stderr + refused.stdout
        assert "415" in said, said
        assert f"Image disk_format {disk_format} does not match stream data" in said, said
        assert acct.cli(USER, "image", "list", "--name", name, "-f", "json") == []


def test_cli_list_shows_the_accounts_images(acct, cli_images):
    listed = acct.cli(USER, "image", "list", "-f", "json")
    assert set(cli_images) <= set(names(listed)), listed
    by_name = {row["Name"]: row for row in listed}
    for name, image in cli_images.items():
        assert by_name[name]["ID"] == image["id"]
        assert by_name[name]["Status"] == "active"


def test_cli_list_filters_by_property(acct, cli_images):
    listed = acct.cli(USER, "image", "list", "--property", "tier=gold", "-f", "json")
    assert sorted(names(listed)) == ["alpha", "charlie"], listed


def test_cli_list_filters_by_tag(acct, cli_images):
    listed = acct.cli(USER, "image", "list", "--tag", "blue", "--long", "-f", "json")
    assert sorted(names(listed)) == ["alpha", "bravo"], listed
    for row in listed:
        assert "blue" in row["Tags"], row


def test_cli_list_sorts_by_name(acct, cli_images):
    listed = names(acct.cli(USER, "image", "list", "--sort", "name:asc", "-f", "json"))
    assert listed == sorted(listed), listed
    desc = names(acct.cli(USER, "image", "list", "--sort", "name:desc", "-f", "json"))
    assert desc == sorted(desc, reverse=True), desc
    assert set(listed) == set(desc)


def test_cli_list_pages_with_limit_and_marker(acct, cli_images):
    expected = own_listing(acct)
    assert len(expected) >= 3, expected
    seen = []
    marker = None
    for _ in range(len(expected) + 2):
        args = ["image", "list", "--limit", "1", "-f", "json"]
        if marker is not None:
            args += ["--marker", marker]
        page = acct.cli(USER, *args)
        assert len(page) <= 1, f"--limit 1 returned {len(page)} images: {page}"
        if not page:
            break
        marker = page[0]["ID"]
        seen.append(marker)
    else:
        pytest.fail(f"paging did not end after {len(expected) + 2} pages: {seen}")
    assert seen == expected, "pages, one image each, walk the whole list in its order"


def test_cli_save_downloads_the_same_bytes(acct, cli_images, tmp_path):
    out = tmp_path / "saved.img"
    acct.cli(USER, "image", "save", "--file", str(out), "charlie")
    assert out.read_bytes() == DATA


def test_cli_set_unset_and_delete_protected(acct, image_file):
    created = cli_create(acct, image_file, "delta")
    image_id = created["id"]

    acct.cli(USER, "image", "set", "--property", "flavour=mint", "--tag", "green",
             "--protected", "--name", "delta-2", image_id)
    shown = acct.cli(USER, "image", "show", image_id, "-f", "json")
    assert shown["name"] == "delta-2"
    assert shown["properties"]["flavour"] == "mint"
    assert shown["tags"] == ["green"]
    assert shown["protected"] is True
    assert shown["checksum"] == DATA_MD5, "metadata changes keep the data"

    acct.cli(USER, "image", "unset", "--property", "flavour", "--tag", "green", "delta-2")
    shown = acct.cli(USER, "image", "show", image_id, "-f", "json")
    assert "flavour" not in shown["properties"], shown["properties"]
    assert shown["tags"] == []
    assert shown["protected"] is True
    assert shown["name"] == "delta-2"

    refused = acct.cli(USER, "image", "delete", "delta-2", check=False)
    assert_failed(refused, "protected")
    assert acct.sdk(USER).image.get_image(image_id).status == "active"

    acct.cli(USER, "image", "set", "--unprotected", image_id)
    acct.cli(USER, "image", "delete", "delta-2")
    gone = acct.cli(USER, "image", "show", image_id, check=False)
    assert_failed(gone, "no image found")
    assert image_id not in own_listing(acct)


def test_admin_deactivates_and_member_download_fails(acct, cloud_admin, tmp_path):
    conn = acct.sdk(USER)
    image_id = conn.image.create_image(
        name="echo", disk_format="qcow2", container_format="bare", data=DATA
    ).id

    cloud_admin.cli("admin", "image", "set", "--deactivate", image_id)
    shown = acct.cli(USER, "image", "show", image_id, "-f", "json")
    assert shown["status"] == "deactivated"
    assert image_id in own_listing(acct), "deactivated images stay listed"

    out = tmp_path / "member.img"
    refused = acct.cli(USER, "image", "save", "--file", str(out), image_id, check=False)
    assert refused.returncode != 0, "a member downloaded a deactivated image"
    assert not out.exists() or out.read_bytes() != DATA
    # The answer behind it: 403 naming the reason.
    raw = conn.image.get(f"images/{image_id}/file", raise_exc=False)
    assert raw.status_code == 403, (raw.status_code, raw.text)
    assert "deactivated" in raw.text

    admin_out = tmp_path / "admin.img"
    cloud_admin.cli("admin", "image", "save", "--file", str(admin_out), image_id)
    assert admin_out.read_bytes() == DATA, "the admin still downloads a deactivated image"

    cloud_admin.cli("admin", "image", "set", "--activate", image_id)
    assert conn.image.get_image(image_id).status == "active"
    out.unlink(missing_ok=True)
    acct.cli(USER, "image", "save", "--file", str(out), image_id)
    assert out.read_bytes() == DATA


# --------------------------------------------------------------------------
# openstacksdk


def test_openstacksdk_image_flow(acct, tmp_path):
    conn = acct.sdk(USER)
    payload = qcow2_bytes("32M", cluster_size=32768)  # a size no other image here has

    image = conn.image.create_image(
        name="sdk-one", disk_format="qcow2", container_format="bare", data=payload,
        purpose="sdk-e2e",
    )
    image = conn.image.get_image(image.id)
    assert image.status == "active"
    assert image.size == len(payload)
    assert image.checksum == hashlib.md5(payload).hexdigest()
    assert image.hash_algo == "sha512"
    assert image.hash_value == hashlib.sha512(payload).hexdigest()
    assert image.owner_id == acct.number
    assert image.properties.get("purpose") == "sdk-e2e"

    # The older upload call: create, then PUT the data.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = conn.image.upload_image(
            name="sdk-two", disk_format="qcow2", container_format="bare", data=payload,
            purpose="sdk-e2e",
        )
    second = conn.image.get_image(second.id)
    assert second.status == "active"
    assert second.checksum == hashlib.md5(payload).hexdigest()

    # (openstacksdk sends only the filters it knows: name, status, tag, size…)
    assert [i.id for i in conn.image.images(name="sdk-one")] == [image.id]
    same_size = conn.image.images(size_min=len(payload), size_max=len(payload))
    assert {i.id for i in same_size} == {image.id, second.id}
    conn.image.add_tag(second, "sdk-second")
    assert [i.id for i in conn.image.images(tag="sdk-second")] == [second.id]

    assert conn.image.download_image(image).content == payload
    out = tmp_path / "sdk.img"
    conn.image.download_image(image, output=str(out))
    assert out.read_bytes() == payload

    updated = conn.image.update_image(image, name="sdk-one-renamed", purpose="renamed",
                                      min_ram=128)
    assert updated.name == "sdk-one-renamed"
    assert updated.properties.get("purpose") == "renamed"
    assert updated.min_ram == 128
    conn.image.add_tag(updated, "sdk-tag")
    refetched = conn.image.get_image(image.id)
    assert refetched.name == "sdk-one-renamed"
    assert refetched.tags == ["sdk-tag"]
    assert refetched.checksum == hashlib.md5(payload).hexdigest()

    conn.image.delete_image(image)
    conn.image.delete_image(second)
    assert conn.image.find_image(image.id) is None
    remaining = {i.id for i in conn.image.images()}
    assert image.id not in remaining and second.id not in remaining


# --------------------------------------------------------------------------
# python-glanceclient


def test_glanceclient_image_flow(acct):
    gc = acct.glance(USER)
    payload = qcow2_bytes("16M")

    image = gc.images.create(name="gc-one", disk_format="qcow2", container_format="bare",
                             origin="glanceclient")
    assert image.status == "queued"
    assert image.owner == acct.number
    gc.images.upload(image.id, io.BytesIO(payload), image_size=len(payload))

    got = gc.images.get(image.id)
    assert got.status == "active"
    assert got.size == len(payload)
    assert got.checksum == hashlib.md5(payload).hexdigest()
    assert got.os_hash_value == hashlib.sha512(payload).hexdigest()
    assert got.origin == "glanceclient"

    assert [i.id for i in gc.images.list(filters={"origin": "glanceclient"})] == [image.id]
    assert [i.id for i in gc.images.list(filters={"name": "gc-one"})] == [image.id]
    assert [i.id for i in gc.images.list(filters={"name": "no-such-name"})] == []
    # One image a page: glanceclient follows the `next` links to the end.
    assert [i.id for i in gc.images.list(page_size=1)] == own_listing(acct)

    assert b"".join(gc.images.data(image.id)) == payload

    updated = gc.images.update(image.id, name="gc-one-renamed", origin="updated",
                               colour="teal")
    assert updated.name == "gc-one-renamed"
    assert updated.origin == "updated"
    assert updated.colour == "teal"
    updated = gc.images.update(image.id, remove_props=["colour"])
    assert "colour" not in updated
    assert gc.images.get(image.id).name == "gc-one-renamed"

    gc.images.delete(image.id)
    assert image.id not in [i.id for i in gc.images.list()]


def test_glanceclient_reports_a_missing_image_as_not_found(acct):
    gc = acct.glance(USER)
    image = gc.images.create(name="gc-gone", disk_format="raw", container_format="bare")
    gc.images.delete(image.id)
    with pytest.raises(glanceclient.exc.HTTPNotFound):
        gc.images.get(image.id)
