"""The fleet: the read-only fleet view (`retrotread fleet`) and the fleet simulator's parts.

Headless (no Textual): model.py (what the view knows, fed from MQTT), feed.py (the MQTT
subscriber), clock.py and crew.py (the fleet simulator's shared clock and scripted operators).
The view: app.py, tiles.py, detail.py, fleet.tcss (Textual, imported only by `retrotread fleet`).
"""
