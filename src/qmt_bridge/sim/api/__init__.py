"""Groups of xtdata functions the simulator implements, one mixin per area.

Each mixin expects ``self.market`` (a :class:`~qmt_bridge.sim.market.market.SimMarket`) and adds functions
with xtquant's names, parameters and return shapes. :class:`~qmt_bridge.sim.data_api.SimXtData` combines them.
"""
