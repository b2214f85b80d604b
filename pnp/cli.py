"""Command line: ``pnp demo``, ``pnp run CASE.toml``, ``pnp validate``, ``pnp show RESULT.h5``.

Progress goes to stderr, summaries to stdout. Bad input (a malformed case file, a missing
file) and solver failures print one paragraph to stderr, without a traceback, and exit
with code 2. Result files are replaced atomically after every finished bias point and
sweep point, so a failed or stopped run (Ctrl-C, or SIGTERM from ``kill``) leaves a valid
file of what it finished (``pnp run --resume`` continues it) and never a half-written one.
``pnp validate`` exits with 1 when a validation case fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

EXIT_FAILED_VALIDATION = 1
EXIT_ERROR = 2

QUICK_DEMO_VOLTAGES = ["-1 V", "-0.5 V", "0 V", "0.5 V", "1 V"]
QUICK_DEMO_REFINEMENT = 0.35


class UserError(Exception):
    """An error reported as one paragraph (no traceback), exit code 2."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def select_device(device: str | None) -> None:
    """Pin JAX to ``cpu`` or ``gpu`` (CUDA) before any computation; None keeps JAX's default."""
    if device is None:
        return
    import jax

    if device == "cpu":
        jax.config.update("jax_platforms", "cpu")  # before the first computation: no GPU probing
        devices = jax.devices()
    else:
        try:
            devices = jax.devices("gpu")
        except Exception as error:  # RuntimeError (no GPU platform) or a failed CUDA initialization
            reason = " ".join(str(error).split()) or type(error).__name__
            raise UserError(
                f"--device gpu: JAX cannot use a GPU on this machine ({reason}). Install the CUDA build of JAX "
                "(pip install -U \"jax[cuda12]\") on a machine with an NVIDIA GPU, or run with --device cpu"
            ) from None
        jax.config.update("jax_default_device", devices[0])
    _log(f"pnp: running on {devices[0].platform} ({len(devices)} device{'s' if len(devices) > 1 else ''})")


# --------------------------------------------------------------------------- summaries
_LINEAR_RESPONSE_LABELS = {
    "hydraulic_conductance": "∂Q/∂Δp (hydraulic conductance)",
    "electroosmotic_conductance": "∂Q/∂V (electro-osmotic conductance)",
    "streaming_conductance": "∂I/∂Δp (streaming conductance)",
    "conductance": "∂I/∂V (conductance)",
    "streaming_potential_coefficient": "−(∂I/∂Δp)/(∂I/∂V) (streaming potential/Δp)",
    "electroosmotic_mobility": "electro-osmotic mobility ∂ū/∂Ē",
}


def _linear_response_lines(response: dict, flux_unit: str) -> list[str]:
    """Lines of the exact electrokinetic coefficients ``response`` (with its ``voltage``)."""
    from .io import linear_response_units

    units = linear_response_units(flux_unit)
    return ([f"  linear response at {response['voltage']:+.4g} V (exact, by tangent solves):"]
            + [f"    {label:<46} {response[name]:+.4e} {units[name]}" for name, label in _LINEAR_RESPONSE_LABELS.items()])


def format_summary(name: str, kind: str, voltages, currents, current_unit: str, fluxes: dict,
                   flux_unit: str, conductance: float | None = None, flow_rates=None, flow_unit: str = "",
                   linear_response: dict | None = None) -> str:
    """The printed summary of a result: the I–V table (with the volume flow rate Q when
    ``flow_rates`` are given), conductance and rectification (see :func:`iv_numbers`;
    ``conductance`` is the exact dI/dV at 0 V when known), or the zero-current voltage and fluxes;
    then the electrokinetic coefficients of a flow result (``linear_response``: the dict of
    :attr:`pnp.Solution.electrokinetic_coefficients` and the ``voltage`` it was taken at; its
    ∂I/∂V is the conductance at 0 V when taken there)."""
    from .plotting import _CURRENT_DISPLAY

    factor, unit = _CURRENT_DISPLAY.get(current_unit, (1.0, current_unit))
    response_lines = [] if linear_response is None else _linear_response_lines(linear_response, flux_unit)
    if conductance is None and linear_response is not None and linear_response["voltage"] == 0.0:
        conductance = linear_response["conductance"]
    lines = [f"{name}:"]
    if kind == "solution" and len(voltages) == 1:
        v = float(voltages[0])
        lines.append(f"  zero-current voltage V = {v * 1e3:+.4f} mV; membrane potential "
                     f"E = φ_right − φ_left = {-v * 1e3:+.4f} mV")
        lines.append(f"  residual current {currents[0] * factor:+.3e} {unit}")
        for ion, value in fluxes.items():
            lines.append(f"  flux {ion}: {value[0]:+.4e} {flux_unit}")
        if flow_rates is not None:
            lines.append(f"  flow rate Q: {flow_rates[0]:+.4e} {flow_unit}")
        return "\n".join(lines + response_lines)
    flow = flow_rates is not None
    lines.append(f"  {'V (V)':>9}  {'I (' + unit + ')':>13}" + (f"  {'Q (' + flow_unit + ')':>13}" if flow else ""))
    for k, (v, i) in enumerate(zip(voltages, currents)):
        lines.append(f"  {v:+9.4f}  {i * factor:+13.5g}" + (f"  {flow_rates[k]:+13.5g}" if flow else ""))
    from .report import iv_numbers

    numbers = iv_numbers(np.asarray(voltages), np.asarray(currents), conductance)
    if "conductance" in numbers:
        g = numbers["conductance"]
        shown = f"{g * 1e9:.5g} nS" if unit == "nA" else f"{g:.5g} {unit}/V"
        lines.append(f"  conductance at 0 V: {shown} ({numbers['conductance_method']})")
    if "rectification" in numbers:
        vr = numbers["rectification_voltage"]
        lines.append(f"  rectification |I(+{vr:g} V)|/|I(−{vr:g} V)|: {numbers['rectification']:.4g}")
    elif "rectification_note" in numbers:
        lines.append(f"  rectification {numbers['rectification_note']}")
    return "\n".join(lines + response_lines)


def _result_summary(case, result) -> str:
    from .io import current_unit, linear_response
    from .sweep import IVCurve

    solutions = result.solutions if isinstance(result, IVCurve) else (result,)
    flux_unit = solutions[0].flux_unit
    linear = linear_response(solutions)
    conductance = None
    if linear is None and isinstance(result, IVCurve) and np.any(result.voltages == 0.0):
        conductance = result.conductance(0.0)
    return format_summary(case.name, "iv" if isinstance(result, IVCurve) else "solution",
                          np.array([s.voltage for s in solutions]), np.array([s.current for s in solutions]),
                          current_unit(flux_unit),
                          {ion: np.array([s.fluxes[ion] for s in solutions]) for ion in solutions[0].species},
                          flux_unit, conductance, *_flow_columns(solutions, flux_unit), linear)


def _flow_columns(solutions, flux_unit: str) -> tuple:
    """(flow rates, their unit) of solutions with solvent flow, else (None, "")."""
    from .io import flow_unit

    if not solutions[0].has_flow:
        return None, ""
    return np.array([s.flow_rate for s in solutions]), flow_unit(flux_unit)


def _stored_flow_columns(stored: dict) -> tuple:
    """(flow rates, their unit) of a stored result (:func:`pnp.io.read_result_file`), or (None, "")."""
    return stored.get("flow_rates"), stored["attrs"].get("flow_unit", "")


def write_figures(case, result, output: Path) -> list[Path]:
    """``NAME_iv.png`` (sweeps with ≥ 2 voltages) and ``NAME_fields.png`` (at +V and −V of the
    largest |V| swept with both signs, else at the last voltage)."""
    from .plotting import opposite_voltages, plot_fields, plot_iv
    from .sweep import IVCurve

    paths = []
    if isinstance(result, IVCurve):
        if len(result.solutions) > 1:
            paths.append(plot_iv(result, output / f"{case.name}_iv.png", title=f"{case.name}: I–V"))
        solutions = opposite_voltages(result)
    else:
        solutions = [result]
    shown = " and ".join(f"{s.voltage:+.4g} V" for s in solutions)
    paths.append(plot_fields(solutions, output / f"{case.name}_fields.png", title=f"{case.name}: fields at {shown}"))
    return paths


def run_case(case, output: Path, *, plots: bool = True, resume: bool = False,
             csv: bool = False) -> tuple[object, list[Path]]:
    """Solve ``case`` with progress lines, writing ``NAME.h5`` to ``output`` after every finished
    bias point and sweep point (see :func:`pnp.case_sweep.run_to_file`; ``resume=True``
    continues an interrupted run's file), then figures (not for sweeps), ``NAME.csv``
    (``csv=True``) and a printed summary.

    Returns (result, paths): the :class:`~pnp.IVCurve` or :class:`~pnp.Solution` read back
    from the file, or for a ``[sweep]`` case the file's contents without fields
    (:func:`pnp.io.read_result_file`).
    """
    from .case_sweep import run_to_file

    setup = case.build()
    if output.exists() and not output.is_dir():
        raise UserError(f"--output {str(output)!r} is a file, not a folder; give a folder for the results")
    path = output / f"{case.name}.h5"
    _log(f"pnp: case {case.name!r} — {case.summary()}")
    if path.exists() and not resume:
        _log(f"  {path} exists; it is replaced once the first new point is finished (--resume continues it)")
    start = time.perf_counter()
    if case.sweep is not None:
        _log(f"  sweeping {len(case.points())} points of {', '.join(case.points()[0].values)} "
             f"({case.sweep.get('mode', 'grid')}); at each:")
    if setup.zero_current:
        _log("  searching the zero-current voltage (secant iteration on I(V)) ...")
    else:
        _log(f"  sweeping {len(setup.voltages)} voltage{'s' if len(setup.voltages) > 1 else ''} "
             f"from {setup.voltages[0]:+g} V to {setup.voltages[-1]:+g} V (continuation from 0 V):")
    try:
        _, result = run_to_file(case, path, resume=resume, progress=True)
    except ValueError as error:
        if resume and str(error).startswith("cannot resume"):
            raise UserError(str(error)) from None
        raise
    _log(f"  solved in {time.perf_counter() - start:.1f} s")
    if case.sweep is not None:
        return _finish_sweep(case, path, output, csv)
    if result is None:  # --resume of a finished run: read it back
        from .io import load_result

        _, result = load_result(path)
    paths = [path]
    if csv:
        from .sweep import IVCurve

        paths.append((result if isinstance(result, IVCurve) else IVCurve((result,))).to_csv(output / f"{case.name}.csv"))
    if plots:
        paths += write_figures(case, result, output)
    print(_result_summary(case, result))
    if case.geometry.get("kind") == "wall":
        solution = result.solutions[0]
        print(f"  wall potential ψ0 = {float(solution.wall_potential()[2][0]) * 1e3:+.4f} mV")
    _print_files(paths)
    return result, paths


def _finish_sweep(case, path: Path, output: Path, csv: bool) -> tuple[dict, list[Path]]:
    """Summary (one I–V table per point) and CSV of a finished sweep, from its result file."""
    from .case_sweep import CSV_COMMENT, stored_sweep_table
    from .io import read_result_file
    from .tables import write_csv

    stored = read_result_file(path, fields=False)
    paths = [path]
    if csv:
        paths.append(write_csv(output / f"{case.name}.csv", stored_sweep_table(case, stored), comments=(CSV_COMMENT,)))
    _print_sweep_points(case.name, stored)
    _print_files(paths)
    return stored, paths


def _print_sweep_points(name: str, stored: dict) -> None:
    """One summary per point of a stored sweep (:func:`pnp.io.read_result_file`), labelled with its values."""
    for index, group in sorted(stored["points"].items()):
        attrs = group["attrs"]
        label = ", ".join(f"{key} = {value}" for key, value in stored["sweep"]["values"][index].items())
        state = "" if group["complete"] else " (unfinished: the voltages solved so far)"
        print(format_summary(f"{name} [{index}] {label}{state}", attrs.get("kind"), group["voltages"],
                             group["currents"], attrs.get("current_unit", "A"), group["fluxes"],
                             attrs.get("flux_unit", ""), None, *_stored_flow_columns(group),
                             group.get("linear_response")))


def _print_files(paths: list[Path]) -> None:
    print("  files:")
    for path in paths:
        print(f"    {path}")


# --------------------------------------------------------------------------- commands
def _command_demo(args) -> int:
    from importlib import resources

    from .case import Case

    text = (resources.files("pnp.cases") / "demo_cone.toml").read_text(encoding="utf-8")
    case = Case.from_text(text)
    if args.quick:
        case = case.replace(name=f"{case.name}_quick", voltage={"values": list(QUICK_DEMO_VOLTAGES)},
                            mesh={**case.mesh, "refinement": QUICK_DEMO_REFINEMENT})
        _log(f"pnp demo --quick: {len(QUICK_DEMO_VOLTAGES)} voltages, mesh refinement {QUICK_DEMO_REFINEMENT}")
    run_case(case, Path(args.output))
    return 0


def _command_run(args) -> int:
    from .case import Case

    case = Case.from_file(args.case)
    run_case(case, Path(args.output), plots=not args.no_plots, resume=args.resume, csv=args.csv)
    return 0


def _command_validate(args) -> int:
    from .validation import format_table, run_validation

    _log(f"pnp validate{' --quick' if args.quick else ''}: analytic validation cases")
    results = run_validation(quick=args.quick)
    print(format_table(results))
    failed = [r.case for r in results if not r.passed]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return EXIT_FAILED_VALIDATION
    print(f"all {len(results)} validation cases passed")
    return 0


def _command_show(args) -> int:
    from .io import read_result_file

    stored = read_result_file(args.result)
    attrs = stored["attrs"]
    name = attrs.get("name", Path(args.result).stem)
    print(f"{args.result}: pnp result ({attrs.get('kind')}), written by pnp {attrs.get('pnp_version')} "
          f"on {attrs.get('created')}")
    if attrs.get("kind") == "sweep":
        done = sum(point["complete"] for point in stored["points"].values())
        print(f"  sweep ({stored['sweep']['mode']}) of {', '.join(stored['sweep']['keys'])}: {done} of "
              f"{attrs.get('point_count')} points finished")
        _print_sweep_points(name, stored)
    else:
        print(f"  grid {stored['coordinates']['active'].shape} ({attrs.get('coordinates')}), "
              f"{int(stored['coordinates']['active'].sum())} active cells; species {', '.join(stored['species'])}")
        diag = stored["diagnostics"]
        print(f"  Newton iterations per point: {', '.join(str(int(k)) for k in diag['newton_iterations'])}; "
              f"max conservation error {np.max(stored['conservation_error']):.2e}")
        print(format_summary(name, attrs.get("kind"), stored["voltages"], stored["currents"],
                             attrs.get("current_unit", "A"), stored["fluxes"], attrs.get("flux_unit", ""), None,
                             *_stored_flow_columns(stored), stored.get("linear_response")))
    if not stored["complete"]:
        print(f"  the run that wrote it stopped before the end: `pnp run CASE.toml --output "
              f"{Path(args.result).parent} --resume` continues it")
    if args.case:
        print("  case:")
        print("\n".join("    " + line for line in stored["case_text"].splitlines()))
    if args.plot:
        from .io import load_result

        case, result = load_result(args.result)
        output = Path(args.output) if args.output else Path(args.result).parent
        print("  figures:")
        for path in _figures_of(case, result, output):
            print(f"    {path}")
    return 0


def _figures_of(case, result, output: Path) -> list[Path]:
    """:func:`write_figures` of a result, or of every point of a sweep (``NAME_0003_iv.png`` …)."""
    from .case_sweep import SweepResult

    if not isinstance(result, SweepResult):
        return write_figures(case, result, output)
    return [path for point, one in zip(result.points, result.results)
            for path in write_figures(point.case.replace(name=f"{case.name}_{point.index:04d}"), one, output)]


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument("--device", choices=("cpu", "gpu"), default=argparse.SUPPRESS,
                        help="run JAX on the CPU or a CUDA GPU (default: JAX's choice)")
    parser = argparse.ArgumentParser(
        prog="pnp",
        description="Poisson–Nernst–Planck simulations of nanochannels and membranes (JAX, finite volumes).",
        epilog="Case files: TOML with units, see `python -c 'import pnp.case; help(pnp.case)'` or "
               "experiments/cases/*.toml.",
    )
    parser.add_argument("--device", choices=("cpu", "gpu"), default=None,
                        help="run JAX on the CPU or a CUDA GPU (default: JAX's choice)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[device], help="run the built-in charged-cone demo",
                          description="Charged conical nanopore (tip 10 nm, base 200 nm, 2 µm, σ = −0.05 C/m², "
                                      "0.1 M KCl), I–V from −1 to 1 V: writes demo_cone.h5, demo_cone_iv.png and "
                                      "demo_cone_fields.png and prints the rectification and conductance.")
    demo.add_argument("--quick", action="store_true",
                      help="5 voltages (−1, −0.5, 0, 0.5, 1 V) on a coarse mesh (refinement 0.35), written as "
                           "demo_cone_quick.*")
    demo.add_argument("--output", "-o", default="results", metavar="DIR", help="output folder (default: results)")
    demo.set_defaults(handler=_command_demo)

    run = sub.add_parser("run", parents=[device], help="run a case file",
                         description="Solve a TOML case file and write NAME.h5, NAME_iv.png (sweeps) and "
                                     "NAME_fields.png to the output folder. NAME.h5 is updated after every "
                                     "finished bias point and [sweep] point, so a stopped run (Ctrl-C, kill) "
                                     "keeps them; --resume continues it.")
    run.add_argument("case", metavar="CASE.toml", help="case file")
    run.add_argument("--output", "-o", default="results", metavar="DIR", help="output folder (default: results)")
    run.add_argument("--no-plots", action="store_true", help="write only the HDF5 result")
    run.add_argument("--resume", action="store_true",
                     help="continue from NAME.h5 in the output folder (written by a stopped run of the same, "
                          "unchanged case): keep its finished points and solve the rest")
    run.add_argument("--csv", action="store_true",
                     help="also write NAME.csv: one row per voltage (and [sweep] point, swept values first)")
    run.set_defaults(handler=_command_run)

    validate = sub.add_parser("validate", parents=[device], help="run the analytic validation cases",
                              description="Gouy–Chapman, Poisson–Boltzmann cylinder, long-channel conductance, "
                                          "Donnan and TMS against analytic results; prints a table and exits "
                                          "with 1 if any case fails.")
    validate.add_argument("--quick", action="store_true", help="the cheap subset (V1, V4 Donnan, V4 TMS 20 µm)")
    validate.set_defaults(handler=_command_validate)

    show = sub.add_parser("show", parents=[device], help="summarize a result file",
                          description="Print the summary of a result written by `pnp run` / `pnp demo`; "
                                      "--plot redraws its figures.")
    show.add_argument("result", metavar="RESULT.h5", help="result file")
    show.add_argument("--plot", action="store_true", help="write NAME_iv.png / NAME_fields.png")
    show.add_argument("--case", action="store_true", help="also print the stored case file")
    show.add_argument("--output", "-o", default=None, metavar="DIR",
                      help="folder for --plot figures (default: next to the result)")
    show.set_defaults(handler=_command_show)
    return parser


def _paragraph(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pnp`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from .interrupt import signals_interrupt
    from .solver import ConvergenceError

    try:
        with signals_interrupt():
            select_device(args.device)
            return args.handler(args)
    except ConvergenceError as error:
        print(f"pnp {args.command}: error: the solver did not converge: {_paragraph(error)} — try smaller "
              "voltage steps, a finer mesh ([mesh] refinement) or more Newton iterations "
              f"([solver] max_iterations); {_kept(args)}", file=sys.stderr)
    except FileNotFoundError as error:
        message = _paragraph(error) if error.filename is None else f"{error.filename!r} not found ({error.strerror})"
        print(f"pnp {args.command}: error: {message}", file=sys.stderr)
    except (UserError, ValueError, OSError) as error:
        print(f"pnp {args.command}: error: {_paragraph(error)}", file=sys.stderr)
    except KeyboardInterrupt:
        hint = ""
        if args.command == "run":
            hint = f"; continue with: pnp run {args.case} --output {args.output} --resume"
        print(f"pnp {args.command}: interrupted; {_kept(args)}{hint}", file=sys.stderr)
        return 130
    return EXIT_ERROR


def _kept(args) -> str:
    """What a stopped command left on disk, in words."""
    if args.command in ("run", "demo"):
        return f"the finished points are kept in the result file in {args.output}"
    return "nothing was written for the unfinished step"


if __name__ == "__main__":
    sys.exit(main())
