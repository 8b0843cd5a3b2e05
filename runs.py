"""Every run under logs/ at a glance: `python runs.py [logs] [--status failed died] [--csv runs.csv]`."""

from plugboard.core.runs import main

if __name__ == "__main__":
    main()
