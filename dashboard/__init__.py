"""The Django shell of clusterviz: settings, routing, views, consumers and commands around the core."""
