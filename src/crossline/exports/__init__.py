"""Files Crossline writes for people and other tools to open."""
