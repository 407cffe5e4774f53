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
