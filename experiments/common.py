"""Shared by the experiment scripts: their command line (``--quick``, ``--output``)."""

from __future__ import annotations

import argparse
import os


def argument_parser(doc: str, quick_help: str) -> argparse.ArgumentParser:
    """The options every experiment takes: ``--quick`` (what it cuts: ``quick_help``) and
    ``--output`` (the folder for figures and HDF5, default results/); add the script's own."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--output", default="results", help="output folder (default results/)")
    return parser


def parse_arguments(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parsed options, with the output folder created."""
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    return args
