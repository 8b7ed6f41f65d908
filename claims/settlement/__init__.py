"""Bill settlement: a pure calculation (calc.py) fed by the facts read from the
database (facts.py). The same code settles bills and answers cost estimates."""
