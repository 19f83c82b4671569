"""What works, and how well the picture matches the truth.

``matching`` builds comparison groups (propensity scores, nearest-neighbour
matching, balance diagnostics); ``effects`` estimates each programme's effect
on later outcomes with bootstrap intervals, refusing when groups are too small;
``report`` renders the HTML report; ``accuracy`` and ``truth`` score the risk
picture against the simulator's ground truth (benchmarks, calibration, tests).
"""
