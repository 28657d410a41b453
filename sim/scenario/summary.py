"""Plain-text summary of a resolved scenario (``sim check``)."""

from __future__ import annotations

from sim.scenario.loader import Scenario


def describe(scenario: Scenario) -> str:
    """Return a readable multi-line summary of a resolved scenario."""
    d = scenario.data
    meta = d["meta"]
    last = scenario.month_label(scenario.months - 1)
    lines = [
        f"{scenario.title}  [{scenario.name}]",
        f"  {meta['start']} to {last} ({scenario.months} months), seed {meta['seed']}",
        f"  mechanisms: {', '.join(d['model']['mechanisms']) or 'none'}",
    ]
    if scenario.overrides:
        lines.append(f"  overrides: {' '.join(scenario.overrides)}")
    lines.append("  actors:")
    for code, a in d["actors"].items():
        share = a["milex_usd_bn"] / a["gdp_usd_bn"] if a["gdp_usd_bn"] else float("nan")
        lines.append(
            f"    {code}  {a['name']:<24} GDP {a['gdp_usd_bn']:>9,.0f} bn  "
            f"milex {a['milex_usd_bn']:>7,.1f} bn ({share:.1%} of GDP)"
            + ("  nuclear" if a["nuclear"] else "")
        )
    if d["alliances"]:
        lines.append("  alliances:")
        for al in d["alliances"]:
            lines.append(
                f"    {al['id']:<10} commitment {al['commitment']:.2f}  covers "
                f"{', '.join(al['covers']) or '-'}  basing {'yes' if al['basing'] else 'no'}"
            )
    if d["grievances"]:
        lines.append("  grievances:")
        for g in d["grievances"]:
            lines.append(f"    {g['id']:<10} {g['level']:.2f}")
    lines.append("  theatres:")
    for name, t in d["theatres"].items():
        acts = ", ".join(t["greyzone"]) or "no grey-zone activity"
        lines.append(
            f"    {name:<10} claimants {', '.join(t['claimants'])}; holder {t['holder']}; {acts}"
        )
    if d["events"]:
        lines.append("  events:")
        for e in d["events"]:
            rep = f" every {e['repeat_every_months']} months" if e["repeat_every_months"] else ""
            lines.append(f"    {e['at']}  {e['kind']:<20} {e['id']}{rep}")
    return "\n".join(lines)
