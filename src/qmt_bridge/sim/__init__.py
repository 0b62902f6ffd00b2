"""qmt_bridge.sim: a deterministic simulated A-share market behind the xtquant API.

``from qmt_bridge.sim import xtdata`` gives a module with xtquant.xtdata's function names, parameters and
return shapes, so an existing xtquant script can run against it on any machine. Importing this package
does not import FastAPI.
"""
