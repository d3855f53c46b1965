"""The fleet: the read-only fleet view (`retrotread fleet`) and the fleet simulator's parts.

Headless (no Textual): model.py (what the view knows, fed from MQTT), feed.py (the MQTT
subscriber), words.py (what a tile says); for `retrotread fleet-sim`: run.py (N session hosts
on one loop), clock.py (their shared real-time clock) and crew.py (their scripted operators).
The view: app.py, tiles.py, detail.py, chart.py, fleet.tcss (Textual, loaded only by
`retrotread fleet`).
"""
