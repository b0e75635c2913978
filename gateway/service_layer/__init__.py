"""Jobs that keep the national store current from the nodes: health probes, the NIK
directory, rollups. Each runs on demand (``siks gateway ...``) and periodically in ``serve``."""
