"""Bottlenecks: the agencies and coordination links that hold other tasks up, ranked by the delay
they cause downstream (the pure computation in ``engine``; reads in ``selectors``)."""
