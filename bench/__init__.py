"""The load benchmark of the hotline app (`make bench`, `python -m bench --help`): see runner.py."""
