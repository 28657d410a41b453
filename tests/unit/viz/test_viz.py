"""``sim viz``: the SolaraViz page rendered headlessly, its model wrapper, the command's errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets

with warnings.catch_warnings():
    # Mesa 3.3.1's ComponentsView breaks a rule of hooks; solara says so when it is defined
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization.solara_viz import _check_model_params

import sim
from sim.viz.app import build, build_from_env
from sim.viz.components import events_html, status_html
from sim.viz.launch import ENV_RESULTS, ENV_RUN, ENV_SCENARIO, ENV_SEED, server_command
from sim.viz.results import (
    compare_html,
    compare_rows,
    notable_runs,
    open_folder,
    outcome_rows,
    outcomes_html,
    paired,
    replay_model,
    stored_seed,
)

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def viz():
    return build(BASELINE, seed=42)


@pytest.fixture(scope="module")
def replay_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("viz") / "baseline-runs"
    sim.run(BASELINE, runs=4, seed=5, workers=1, out=out)
    return out


def render(viz, model):
    """Render the page as ``solara run`` does (inside an AppLayout, which holds the sidebar)."""
    return solara.render(solara.AppLayout(children=[viz.page(model=model)]), handle_error=False)


def html_text(rc) -> str:
    return "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_page_renders_and_step_advances_the_month(viz):
    model = viz.model_class()
    _box, rc = render(viz, model)
    assert model.month == 0
    assert "Month 0 of 120" in html_text(rc)
    images = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    assert len(images) == 2 and all(images)

    click(rc, "Step")
    assert model.month == 1
    click(rc, "Step")
    click(rc, "Step")
    assert model.month == 3
    text = html_text(rc)
    assert f"Month 3 of 120 · next 2023-05 · seed {model.run_seed}" in text
    assert "stable competition" in text and "nuclear use" in text
    # both plots were drawn again with the new months
    after = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    assert all(a != b for a, b in zip(after, images, strict=True))


def test_slider_change_applies_with_apply(viz):
    model = viz.model_class()
    _box, rc = render(viz, model)
    click(rc, "Step")
    apply = rc.find(v.Btn, children=["Apply"]).widget
    assert apply.disabled  # nothing changed yet
    slider = rc.find(v.Slider, label="USA\u2192TWN commitment").widget
    slider.v_model = 1.0
    rc.find(v.TextField, label="Seed (integer)").widget.v_model = "123"
    assert not rc.find(v.Btn, children=["Apply"]).widget.disabled
    assert "take effect when you press Apply" in "".join(
        str(w.children) for w in rc.find(v.Alert).widgets
    )
    assert "Month 1 of 120" in html_text(rc)  # pending: the run goes on unchanged
    click(rc, "Apply")
    text = html_text(rc)
    assert "Month 0 of 120" in text and "seed 123" in text
    assert "USA\u2192TWN 1.00" in text
    assert "alliances.USA-TWN.commitment=1.0" in text
    assert rc.find(v.Btn, children=["Apply"]).widget.disabled
    click(rc, "Step")
    assert "Month 1 of 120" in html_text(rc)
    assert model.month == 1  # the old model was replaced, not stepped
    # Reset restarts with the applied settings
    click(rc, "Reset")
    text = html_text(rc)
    assert "Month 0 of 120" in text and "seed 123" in text
    assert "alliances.USA-TWN.commitment=1.0" in text


def test_undo_changes_restores_the_applied_values(viz):
    _box, rc = render(viz, viz.model_class())
    slider = rc.find(v.Slider, label="USA\u2192TWN commitment").widget
    slider.v_model = 0.95
    click(rc, "Undo changes")
    assert rc.find(v.Slider, label="USA\u2192TWN commitment").widget.v_model == 0.5
    assert rc.find(v.Btn, children=["Apply"]).widget.disabled


def test_title_tabs_and_hidden_mesa_internals(viz):
    _box, rc = render(viz, viz.model_class())
    tabs = [w.children for w in rc.find(v.Tab).widgets]
    assert tabs == [["Explore a run"], ["Result folders"]]
    assert not [t for t in tabs if "Page" in str(t)]
    title = rc.find(v.ToolbarTitle).widget
    assert "Escalation explorer: " + viz.title in str(title.children)
    # Mesa's controls: no threads option; the play speed sits in a collapsed Advanced panel
    assert not rc.find(v.Checkbox).widgets
    assert not [w for w in rc.find(v.Slider).widgets if "Render" in (w.label or "")]
    panel = rc.find(v.ExpansionPanels).widget
    assert panel.v_model is None or panel.v_model == []  # collapsed


def test_results_tab_without_folders_says_how_to_give_one(viz):
    _box, rc = render(viz, viz.model_class())
    rc.find(v.Tabs).widget.v_model = 1
    assert "--results" in str(
        [w.children for w in rc.find(v.Html, class_="sim-no-results").widgets]
    )


def test_model_params_are_valid_for_mesa(viz):
    params = viz.model_params
    _check_model_params(viz.model_class.__init__, params)
    data = viz.model_class.base_scenario.data
    for alliance in data["alliances"]:
        name = "commitment_" + alliance["id"].replace("-", "_")
        assert params[name]["value"] == alliance["commitment"]
        assert params[name]["min"] == 0 and params[name]["max"] == 1
    for code, actor in data["actors"].items():
        assert params[f"growth_{code}"]["value"] == actor["gdp_growth_per_year"]
    assert params["seed"] == {"type": "InputText", "value": "42", "label": "Seed (integer)"}
    assert params["misperception_scale"]["value"] == 1.0


def test_model_class_translates_keywords_into_overrides(viz):
    cls = viz.model_class
    model = cls(seed="7", misperception_scale=2.0, commitment_USA_TWN=1.0, growth_JPN=0.1)
    data = model.scenario.data
    assert model.run_seed == 7
    assert next(a for a in data["alliances"] if a["id"] == "USA-TWN")["commitment"] == 1.0
    assert data["actors"]["JPN"]["gdp_growth_per_year"] == 0.1
    base = cls.base_scenario.data["actors"]
    for code, actor in data["actors"].items():
        assert actor["misperception"] == pytest.approx(2 * base[code]["misperception"])
    # unchanged values are not overrides; blank or junk seeds fall back to the default
    assert cls(commitment_USA_TWN=0.5).scenario.overrides == []
    assert cls(seed="").run_seed == 42 and cls(seed="abc").run_seed == 42
    assert cls(seed=" 1_000 ").run_seed == 1000
    with pytest.raises(TypeError, match="nope"):
        cls(nope=1)


def test_default_model_is_the_plain_escalation_model(viz):
    ours = viz.model_class()
    plain = sim.EscalationModel(BASELINE, seed=42)
    for _ in range(24):
        ours.step()
        plain.step()
    assert ours.log == plain.log
    assert ours.rung == plain.rung
    assert [a.milex_usd_bn for a in ours.state_actors] == [
        a.milex_usd_bn for a in plain.state_actors
    ]


def test_budget_growth_changes_spending(viz):
    slow, fast = viz.model_class(growth_JPN=-0.05), viz.model_class(growth_JPN=0.15)
    for _ in range(36):
        slow.step()
        fast.step()
    assert fast.actor("JPN").gdp_usd_bn > slow.actor("JPN").gdp_usd_bn


def test_status_and_event_log_html(viz):
    model = viz.model_class()
    text = status_html(model)
    assert text.count("sim-rung-current") == len(model.rung)
    assert "held by TWN" in text and "held by JPN" in text
    assert "No incidents" in events_html(model)
    model.log.append(
        {
            "month": 0,
            "date": "2023-02",
            "theatre": "",
            "kind": "event",
            "text": "<script>x</script>",
        }
    )
    for k in range(20):
        model.log.append(
            {
                "month": k,
                "date": "2023-03",
                "theatre": "senkaku",
                "kind": "incident",
                "text": f"row {k}",
            }
        )
    text = events_html(model)
    assert "<script>" not in text
    assert "row 19" in text and "row 5" in text and "row 4" not in text  # last 15, newest first
    assert text.index("row 19") < text.index("row 18")


def test_env_selects_scenario_and_seed():
    app = build_from_env({ENV_SCENARIO: str(BASELINE), ENV_SEED: "123"})
    assert app.model_class().run_seed == 123
    assert app.title == sim.load_scenario(BASELINE).title


def test_env_replays_a_run_of_a_result_folder(replay_folder):
    import pyarrow.parquet as pq

    app = build_from_env({ENV_RUN: f"{replay_folder}:2"})
    runs = pq.read_table(replay_folder / "runs.parquet").to_pandas()
    stored = int(runs.loc[runs.run_id == 2, "seed"].iloc[0])
    model = app.model_class()
    assert model.run_seed == stored
    assert app.model_params["seed"]["value"] == str(stored)
    model.run_to_end()
    outcomes = pq.read_table(replay_folder / "outcomes.parquet").to_pandas()
    expected = outcomes[outcomes.run_id == 2].sort_values("theatre")
    got = model.outcomes().sort_values("theatre")
    assert list(got.max_rung) == list(expected.max_rung)
    assert list(got.holder_final) == list(expected.holder_final)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["viz", "missing.toml"], "missing.toml"),
        (["viz"], "give a SCENARIO"),
        (["viz", "--run", "nowhere"], "expected DIR:RUN_ID"),
        (["viz", "--run", "nowhere:x"], "is not an integer"),
        (["viz", "--run", "nowhere:3"], "no such result folder"),
        (["viz", str(BASELINE), "--seed", "-1"], "--seed"),
        (["viz", str(BASELINE), "--port", "0"], "--port"),
    ],
)
def test_user_errors_are_one_line(run_sim, one_line_error, args, fragment):
    one_line_error(run_sim(*args), fragment)


def test_bad_run_of_a_real_folder(run_sim, one_line_error, replay_folder, tmp_path):
    one_line_error(run_sim("viz", "--run", f"{replay_folder}:99"), "no run 99")
    one_line_error(run_sim("viz", str(BASELINE), "--run", f"{replay_folder}:1"), "not both")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert one_line_error(run_sim("viz", "--run", f"{empty}:0"))


def test_busy_port_is_an_error_before_the_server_starts(run_sim, one_line_error):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        one_line_error(run_sim("viz", str(BASELINE), "--port", str(port)), f"127.0.0.1:{port}")


def test_server_command_is_solara_production():
    cmd = server_command("127.0.0.1", 8123)
    assert cmd[:5] == [sys.executable, "-m", "solara", "run", "sim.viz.app"]
    assert {"--production", "--no-open"} <= set(cmd)
    assert cmd[cmd.index("--port") + 1] == "8123"


def test_cli_does_not_import_solara_or_mesa():
    code = (
        "import sys; from sim.cli import build_parser; import sim.viz.launch; "
        "p = build_parser(); p.parse_args(['viz', 'x.toml']); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('solara', 'mesa', 'ipyvuetify', 'matplotlib', 'numpy')); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_page_module_builds_page_lazily(monkeypatch):
    import importlib

    monkeypatch.setenv(ENV_SCENARIO, str(BASELINE))
    monkeypatch.setenv(ENV_SEED, "9")
    module = importlib.import_module("sim.viz.app")
    monkeypatch.delitem(module.__dict__, "Page", raising=False)
    page = module.Page  # what ``solara run sim.viz.app`` looks up
    assert module.Page is page
    _box, rc = solara.render(solara.AppLayout(children=[page()]), handle_error=False)
    click(rc, "Step")
    assert "Month 1 of 120" in html_text(rc) and "seed 9" in html_text(rc)
    monkeypatch.delitem(module.__dict__, "Page")


def test_two_state_scenario_without_alliances_or_dyads():
    app = build(ROOT / "scenarios" / "two_state.toml")
    assert not [n for n in app.model_params if n.startswith("commitment_")]
    model = app.model_class()
    _box, rc = render(app, model)
    click(rc, "Step")
    assert model.month == 1
    assert "Commitments: none" in html_text(rc)


def test_components_draw_a_whole_war():
    from sim.viz.components import figure_png, grievance_figure, spending_figure

    model = build(ROOT / "scenarios" / "taiwan_invasion.toml", seed=3).model_class()
    model.run_to_end()
    assert model.month == model.scenario.months
    kinds = {row["kind"] for row in model.log}
    assert "crisis" in kinds or "rung" in kinds
    assert "Month 120 of 120" in status_html(model)
    assert f"{len(model.log)} events so far" in events_html(model)
    for draw in (spending_figure, grievance_figure):
        assert figure_png(draw(model)).startswith(b"\x89PNG")


# --- the results page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Three small folders: the baseline, an override with the same seeds, another seed."""
    root = tmp_path_factory.mktemp("viz-results")
    base = sim.run(BASELINE, runs=40, seed=11, workers=1, out=root / "baseline")
    firm = sim.run(
        BASELINE,
        runs=40,
        seed=11,
        workers=1,
        out=root / "firm",
        overrides={"alliances.USA-TWN.commitment": 0.9},
    )
    other = sim.run(BASELINE, runs=40, seed=12, workers=1, out=root / "other-seed")
    return [open_folder(r.path) for r in (base, firm, other)]


def test_outcome_rows_match_the_tables(folders):
    view = folders[0]
    rows = {(r["theatre"], r["outcome"]): r for r in outcome_rows(view)}
    o = view.results.outcomes
    for theatre in ("taiwan", "senkaku"):
        sub = o[o.theatre == theatre]
        expected = {
            "war": sub.war.mean(),
            "rung5": (sub.max_rung >= 5).mean(),
            "crisis": (sub.crises > 0).mean(),
            "lost": sub.holder_changed.mean(),
            "crises_per_year": sub.crises.mean() / 10,
        }
        for key, value in expected.items():
            row = rows[(theatre, key)]
            assert row["value"] == pytest.approx(value)
            assert row["low"] <= row["value"] <= row["high"]
            assert row["runs"] == 40
        assert rows[(theatre, "crisis")]["count"] == int((sub.crises > 0).sum())
    text = outcomes_html(view)
    assert "P(war)" in text and "crises per year" in text and "of 40)" in text
    assert "overrides: none" in text
    assert "alliances.USA-TWN.commitment=0.9" in outcomes_html(folders[1])


def test_comparison_is_paired_only_when_seeds_match(folders):
    base, firm, other = folders
    assert paired(base, firm) and not paired(base, other)
    rows = compare_rows(base, firm)
    assert {r["theatre"] for r in rows} == {"taiwan", "senkaku"}
    for r in rows + compare_rows(base, other):
        assert r["low"] <= r["diff"] <= r["high"]
        assert r["diff"] == pytest.approx(r["b"] - r["a"])
    assert "paired, run by run" in compare_html(base, firm)
    assert "Warning: the folders used different seeds" in compare_html(base, other)


def test_replayed_run_has_the_folders_overrides_and_stored_outcomes(folders):
    import pyarrow.parquet as pq

    firm = folders[1]
    runs = pq.read_table(firm.path / "runs.parquet").to_pandas()
    for run_id in (0, 13):
        model = replay_model(firm.path, run_id)
        assert model.run_seed == int(runs.loc[runs.run_id == run_id, "seed"].iloc[0])
        assert "alliances.USA-TWN.commitment=0.9" in model.scenario.overrides
        model.run_to_end()
        stored = firm.results.outcomes
        expected = stored[stored.run_id == run_id].sort_values("theatre")
        got = model.outcomes().sort_values("theatre")
        for column in ("max_rung", "crises", "holder_final", "war"):
            assert list(got[column]) == list(expected[column]), column


def test_notable_runs_list_wars_and_high_rungs(tmp_path):
    view = open_folder(
        sim.run(
            ROOT / "scenarios" / "taiwan_invasion.toml",
            runs=30,
            seed=1,
            workers=1,
            out=tmp_path / "t",
        ).path
    )
    notable = notable_runs(view)
    o = view.results.outcomes
    wars = sorted(o[(o.theatre == "taiwan") & o.war].run_id)
    assert wars, "the invasion scenario should produce wars"
    assert notable["war in taiwan"] == [int(r) for r in wars[:12]]


def test_results_tab_shows_folders_compares_and_replays_a_run(folders):
    app = build(BASELINE, seed=42, folders=folders)
    _box, rc = render(app, app.model_class())
    rc.find(v.Tabs).widget.v_model = 1
    text = html_text(rc)
    assert "sim-outcomes" in text and "taiwan" in text and "senkaku" in text
    assert "paired, run by run" in text  # baseline against firm, the second folder
    images = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    assert len(images) == 1 and images[0].startswith(b"\x89PNG")
    rc.find(v.Select, label="Compare with (B)").widget.v_model = "other-seed"
    assert "Warning: the folders used different seeds" in html_text(rc)
    rc.find(v.Select, label="Folder (A)").widget.v_model = "firm"
    assert "alliances.USA-TWN.commitment=0.9" in html_text(rc)

    box = rc.find(v.TextField, label="Run id").widget
    box.v_model = "999"
    click(rc, "Replay")
    assert "has no run 999" in str([w.children for w in rc.find(v.Alert).widgets])
    box = rc.find(v.TextField, label="Run id").widget
    box.v_model = "13"
    click(rc, "Replay")
    assert rc.find(v.Tabs).widget.v_model == 0
    stored = stored_seed(folders[1].path, 13)
    text = html_text(rc)
    assert f"seed {stored}" in text and "Month 0 of 120" in text
    assert "alliances.USA-TWN.commitment=0.9" in text
    origin = str([w.children for w in rc.find(v.Html, class_="sim-origin").widgets])
    assert "Run 13 of" in origin
    # the replayed run's sliders start at its own values
    assert rc.find(v.Slider, label="USA\u2192TWN commitment").widget.v_model == 0.9
    click(rc, "Step")
    assert "Month 1 of 120" in html_text(rc)


def test_env_results_alone_replays_run_0_of_the_first_folder(folders):
    env = {ENV_RESULTS: os.pathsep.join(str(f.path) for f in folders[1:])}
    app = build_from_env(env)
    assert [f.label for f in app.folders] == ["firm", "other-seed"]
    model = app.model_class()
    assert model.run_seed == stored_seed(folders[1].path, 0)
    assert "alliances.USA-TWN.commitment=0.9" in model.scenario.overrides
    assert app.origin.startswith("Run 0 of")


def test_results_option_errors(run_sim, one_line_error, folders, tmp_path):
    one_line_error(run_sim("viz", "--results", str(tmp_path / "nowhere")), "no such result folder")
    one_line_error(run_sim("viz", "--results", str(folders[0].path), "--seed", "3"), "--seed")
    one_line_error(run_sim("viz"), "--results DIR")
