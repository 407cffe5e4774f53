"""Real disk images for the end-to-end tests: Glint inspects uploaded data and refuses
(415) bytes that are not in the image's declared disk_format, so qcow2 images get real
qcow2 data, made by qemu-img."""

from __future__ import annotations

import os
import subprocess
import tempfile


def qcow2_bytes(virtual_size: str = "64M", cluster_size: int = 65536) -> bytes:
    """An empty qcow2 disk of `virtual_size`, as qemu-img writes it (about 200 KiB with the
    default clusters; another `cluster_size` gives another file size)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "disk.qcow2")
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-o", f"cluster_size={cluster_size}",
             path, virtual_size],
            check=True,
        )
        with open(path, "rb") as data:
            return data.read()


def ext4_bytes(files: dict[str, str], size: str = "8M") -> bytes:
    """A raw ext4 filesystem holding `files` (path under / -> text), as mkfs.ext4 -d makes
    it: what a build pipeline's image would hold, for the trust report to read."""
    with tempfile.TemporaryDirectory() as folder:
        root = os.path.join(folder, "tree")
        for path, text in files.items():
            target = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as out:
                out.write(text)
        image = os.path.join(folder, "disk.ext4")
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", root, image, size], check=True)
        with open(image, "rb") as data:
            return data.read()


def ssh_public_key(comment: str = "someone@laptop") -> str:
    """A fresh ed25519 public key line, as ssh-keygen writes it."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                       check=True)
        with open(path + ".pub", encoding="utf-8") as public:
            return public.read()
