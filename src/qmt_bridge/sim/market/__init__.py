"""The simulated market: calendar, instrument universe, sectors, prices."""
