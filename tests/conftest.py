import os
import sys
from pathlib import Path

# Tests import their helpers as a plain module; wandb never tries to reach a server.
sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("WANDB_MODE", "offline")
