"""Shared by the benchmark scripts: their command line, device choice and the JSON they write."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

import jax

PLATFORMS = {"cpu": "cpu", "gpu": "cuda"}


def argument_parser(doc: str, json_path: Path, repeats: int) -> argparse.ArgumentParser:
    """The options every timing script takes: --repeats, --device, --json (its description: the
    first paragraph of ``doc``)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--device", choices=("cpu", "gpu"), help="JAX platform (default: JAX's choice)")
    parser.add_argument("--json", type=Path, default=json_path)
    return parser


def select_device(device: str | None) -> None:
    """Make JAX use ``device`` ("cpu" or "gpu"); None keeps JAX's choice. Call before any computation."""
    if device is not None:
        jax.config.update("jax_platforms", PLATFORMS[device])


def write_results(path: Path, records: list[dict], **metadata) -> None:
    """JSON {"metadata": date, versions, devices, host, **metadata; "cases": records}."""
    import pnp

    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "jax": jax.__version__,
            "pnp": pnp.__version__, "devices": [str(d) for d in jax.devices()], "cpu_count": os.cpu_count(),
            "platform": platform.platform(), **metadata}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metadata": meta, "cases": records}, indent=1))


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: header, separator, one line per row of cell strings."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
