import sys

from bench.load import BenchError
from bench.runner import main

try:
    sys.exit(main())
except BenchError as exc:
    sys.stderr.write(f"bench: {exc}\n")
    sys.exit(2)
