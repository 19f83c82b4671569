"""A synthetic county lines scenario with ground truth (issue 3).

``simulate(outdir, seed, scale, progress)`` writes a DATA-CONTRACT v1 bundle
to ``outdir/bundle/`` and the truth to ``outdir/truth/``; docs/simulator.md
describes every mechanic, its parameters and the truth files.
"""

from crossline.sim.pipeline import simulate
from crossline.sim.scenario import Scenario
from crossline.sim.summary import SimulationSummary

__all__ = ["Scenario", "SimulationSummary", "simulate"]
