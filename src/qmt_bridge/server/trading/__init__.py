"""Trading: the trader manager, its events, and the trading service over them."""
