"""The build pipeline: stages over tables (resolve, lines, network, risk), published as one picture version."""
