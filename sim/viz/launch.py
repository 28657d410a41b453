"""``sim viz``: serve the explorer (one run, and result folders) with ``solara run``.

Only the standard library is imported here: solara and ``mesa.visualization`` load in
the server process (`sim.viz.app`), so ``sim --help`` stays fast. The scenario, seed or
replayed run and the result folders reach that process through environment variables.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.errors import SimError

ENV_SCENARIO = "SIM_VIZ_SCENARIO"
"""Scenario file of the page (absolute path)."""
ENV_SEED = "SIM_VIZ_SEED"
"""Seed of the page's first run (default: run 0 of the scenario's master seed)."""
ENV_RUN = "SIM_VIZ_RUN"
"""``DIR:RUN_ID`` of a result folder's run to replay (instead of a scenario)."""
ENV_RESULTS = "SIM_VIZ_RESULTS"
"""Result folders of the results page (absolute paths joined with `os.pathsep`)."""

DEFAULT_PORT = 8765
SEED_MAX = 2**64 - 1


def parse_run(text: str) -> tuple[str, int]:
    """Split ``DIR:RUN_ID`` into the folder and the run id."""
    folder, sep, run_id = text.rpartition(":")
    if not sep or not folder:
        raise SimError(f"--run {text!r}: expected DIR:RUN_ID, e.g. results/baseline:17")
    try:
        number = int(run_id)
    except ValueError:
        raise SimError(f"--run {text!r}: RUN_ID {run_id!r} is not an integer") from None
    if number < 0:
        raise SimError(f"--run {text!r}: RUN_ID must be 0 or more")
    return folder, number


def split_folders(text: str) -> list[str]:
    """Split the `ENV_RESULTS` value into result folders (empty: none)."""
    return [part for part in text.split(os.pathsep) if part]


def _check_results(folders: list[str]) -> list[str]:
    """Check the ``--results`` folders; return their absolute paths."""
    from sim.results.reader import load_results

    out = []
    for folder in folders:
        load_results(folder)  # a complete, untampered result folder, or a one-line error
        out.append(str(Path(folder).resolve()))
    return out


def _check_port_free(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise SimError(f"--port {port}: not a TCP port (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SimError(f"--host {host}: cannot resolve ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise SimError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def replay_spec_of(folder: str, run_id: int) -> tuple[dict, int, dict]:
    """Return `sim.trace.replay_spec` of a run (imported here, not at module import)."""
    from sim.trace import replay_spec

    return replay_spec(folder, run_id)


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], str]:
    """Validate the arguments; return (environment for the server, scenario title)."""
    from sim.scenario.loader import load_scenario

    own = (ENV_SCENARIO, ENV_SEED, ENV_RUN, ENV_RESULTS)
    env = {k: v for k, v in os.environ.items() if k not in own}
    folders = _check_results(args.results or [])
    if folders:
        env[ENV_RESULTS] = os.pathsep.join(folders)
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX:
        raise SimError(f"--seed {args.seed}: must be between 0 and 2**64-1")
    if args.run:
        if args.scenario:
            raise SimError("give a SCENARIO or --run DIR:RUN_ID, not both")
        if args.seed is not None:
            raise SimError("--seed does not apply to --run (the run's stored seed is used)")
        folder, run_id = parse_run(args.run)
        if not Path(folder).is_dir():
            raise SimError(f"--run: {folder}: no such result folder")
        data, _seed, overrides = replay_spec_of(folder, run_id)
        title = f"{load_scenario(data, overrides).title} (run {run_id} of {folder})"
        env[ENV_RUN] = f"{Path(folder).resolve()}:{run_id}"
    elif not args.scenario and folders:
        if args.seed is not None:
            raise SimError("--seed needs a SCENARIO (with only --results, run 0 is replayed)")
        data, _seed, overrides = replay_spec_of(folders[0], 0)
        title = f"{load_scenario(data, overrides).title} (run 0 of {args.results[0]})"
    else:
        if not args.scenario:
            raise SimError("give a SCENARIO file, --run DIR:RUN_ID or --results DIR")
        title = load_scenario(args.scenario).title
        env[ENV_SCENARIO] = str(Path(args.scenario).resolve())
        if args.seed is not None:
            env[ENV_SEED] = str(args.seed)
    return env, title


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: have the kernel send SIGTERM to the server if ``sim viz`` dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def server_command(host: str, port: int) -> list[str]:
    """Return the ``solara run`` command line that serves `sim.viz.app`."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.viz.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def cmd_viz(args: argparse.Namespace) -> int:
    """Validate, start ``solara run`` in a subprocess, print the address, wait for Ctrl-C."""
    import importlib.util

    env, title = prepare(args)
    missing = [m for m in ("solara", "solara_assets") if importlib.util.find_spec(m) is None]
    if missing:
        raise SimError(
            f"{', '.join(missing)} not installed: pip install 'solara==1.64.1' "
            "'ipyvuetify<3' 'ipyvue<3' 'solara-assets==1.58.2' altair"
        )
    _check_port_free(args.host, args.port)
    # the server must import this very package, wherever it lives
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    # two warnings that solara prints at every start and that are not the user's business:
    # Mesa's ComponentsView breaks a rule of hooks, and a plain-http cookie fallback
    env["PYTHONWARNINGS"] = ",".join(
        w
        for w in (
            env.get("PYTHONWARNINGS"),
            "ignore::UserWarning:solara.validate_hooks",
            "ignore::UserWarning:solara.server.starlette",
        )
        if w
    )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    quiet = getattr(args, "quiet", False)  # -q: the server's own log is not shown
    proc = subprocess.Popen(
        server_command(args.host, args.port),
        env=env,
        preexec_fn=preexec,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    # SIGTERM (kill, a test's terminate()) stops the server like Ctrl-C does
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread
        previous = None
    print(f"sim viz: {title}: http://{shown}:{args.port}/ (Ctrl-C to stop)", flush=True)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("sim viz: stopped", file=sys.stderr)
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if code:
        print(f"sim viz: the solara server exited with status {code}", file=sys.stderr)
    return code
